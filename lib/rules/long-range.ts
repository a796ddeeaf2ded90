import type { EnvironmentConfig } from '../config';
import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

/** Windows longer than 2h over history: evaluated by the Thanos Ruler through Thanos Query. */
export function longRangeRules(config: EnvironmentConfig): RuleFileSpec {
  const trigger = config.sizing.scaleTriggers.prometheusSeriesPerReplica;
  // Raw series through Thanos Query: deduplication drops prometheus_replica but keeps the scraped `pod`.
  const head = `prometheus_tsdb_head_series{job="${JOBS.prometheus}"}`;
  return {
    name: 'long-range',
    evaluator: 'thanos-ruler',
    runbook: 'capacity',
    service: 'prometheus',
    groups: [
      {
        name: 'capacity-long-range',
        interval: '5m',
        rules: [
          {
            record: 'pod:prometheus_tsdb_head_series:max_over_time1d',
            expr: `max by (cluster, pod) (max_over_time(${head}[1d]))`,
          },
          {
            alert: 'PrometheusHeadSeriesForecastAboveScaleTrigger',
            expr: `max by (cluster, pod) (predict_linear(${head}[1d], 7 * 86400)) > ${trigger}`,
            for: '1h',
            severity: 'info',
            summary: `Prometheus {{ $labels.pod }} will pass ${trigger} head series within a week`,
            description: `At the growth of the last day, series per Prometheus replica reach the scale trigger (${trigger}) within 7 days: plan cardinality cuts now (more replicas are HA copies that each hold every series).`,
            test: {
              evalTime: '3h',
              firing: [
                series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-0' }, '100000+100x200'),
              ],
              healthy: [
                series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-0' }, '100000x200'),
              ],
              labels: { pod: 'prometheus-0' },
            },
          },
        ],
      },
    ],
  };
}
