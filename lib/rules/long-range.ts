import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import type { EnvironmentConfig } from '../config';
import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

/** Windows longer than 2h over history: evaluated by the Thanos Ruler through Thanos Query. */
export function longRangeRules(config: EnvironmentConfig): RuleFileSpec {
  const trigger = config.sizing.scaleTriggers.prometheusSeriesPerReplica;
  const head = CAPACITY_RECORDING_RULES.headSeriesPerReplica.record;
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
            record: 'cluster:prometheus_tsdb_head_series:max_over_time1d',
            expr: `max by (cluster) (max_over_time(${head}[1d]))`,
          },
          {
            alert: 'PrometheusHeadSeriesForecastAboveScaleTrigger',
            expr: `max by (cluster) (predict_linear(${head}[1d], 7 * 86400)) > ${trigger}`,
            for: '1h',
            severity: 'info',
            summary: `Prometheus head series will pass ${trigger} per replica within a week`,
            description: `At the growth of the last day, series per Prometheus replica reach the scale trigger (${trigger}) within 7 days: plan sharding or cardinality cuts now.`,
            test: {
              evalTime: '3h',
              firing: [
                series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-0' }, '100000+100x200'),
              ],
              healthy: [
                series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-0' }, '100000x200'),
              ],
              labels: {},
            },
          },
        ],
      },
    ],
  };
}
