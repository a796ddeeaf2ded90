import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

/**
 * What the capacity report reads (series per replica, ingestion rate, query rate, store latency, memory), recorded
 * verbatim from the shared contract. Windows of 5m: evaluated by Prometheus.
 */
export function capacityRecordingRules(): RuleFileSpec {
  return {
    name: 'capacity-recording',
    evaluator: 'prometheus',
    runbook: 'capacity',
    service: 'capacity',
    groups: [
      {
        name: 'capacity',
        rules: Object.values(CAPACITY_RECORDING_RULES).map(({ record, expr }) => ({ record, expr })),
        recordingTests: [
          {
            name: 'query rate: queries per second summed over Thanos Query pods',
            input: [
              series(
                'http_requests_total',
                { job: JOBS.thanosQuery, pod: 'thanos-query-0', handler: 'query', code: '200' },
                '0+60x20',
              ),
              series(
                'http_requests_total',
                { job: JOBS.thanosQuery, pod: 'thanos-query-1', handler: 'query_range', code: '200' },
                '0+60x20',
              ),
              series(
                'http_requests_total',
                { job: JOBS.thanosQuery, pod: 'thanos-query-1', handler: 'labels', code: '200' },
                '0+600x20',
              ),
            ],
            evalTime: '10m',
            expr: CAPACITY_RECORDING_RULES.queryRate.record,
            expected: [{ labels: CAPACITY_RECORDING_RULES.queryRate.record, value: 2 }],
          },
          {
            // Rule evaluation does not see external labels: inside Prometheus the "per replica" sum covers every
            // Prometheus pod this replica scrapes (see docs/metrics-conventions.md).
            name: 'head series: one sum over the scraped Prometheus pods',
            input: [
              series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-0' }, '1000x20'),
              series('prometheus_tsdb_head_series', { job: JOBS.prometheus, pod: 'prometheus-1' }, '3000x20'),
            ],
            evalTime: '10m',
            expr: CAPACITY_RECORDING_RULES.headSeriesPerReplica.record,
            expected: [{ labels: CAPACITY_RECORDING_RULES.headSeriesPerReplica.record, value: 4000 }],
          },
        ],
      },
    ],
  };
}
