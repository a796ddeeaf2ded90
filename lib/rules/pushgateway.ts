import { COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { PUSHGATEWAY_REPLICA_LABEL } from '../../lambdas/domain/replica-labels';
import { series } from './builders';
import { BATCH_JOB_INTERVAL_METRIC, JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.pushgateway;
const pgw = { job, pod: 'pushgateway-0' };
/**
 * A pushed group as Prometheus sees it (`honor_labels: true`, then the monitor's relabelings, k8s/pushgateway-dedup.ts):
 * the group's own job, the replica as `pushgateway_replica`, no `pod` (the replica's pod name is dropped).
 */
const batch = { job: 'nightly-export', [PUSHGATEWAY_REPLICA_LABEL]: 'pushgateway-0' };

/**
 * The groups each Pushgateway replica holds, by `pushgateway_pod`: one `push_time_seconds` series per group, and 0
 * for a replica that is up and holds none (restarted empty). Recorded in Prometheus, which sees both replicas'
 * series apart: through Thanos Query they are one series, `pushgateway_replica` being a deduplication label
 * (thanos-query.ts), so a query there cannot count them per replica. `pushgateway_pod` is not deduplicated.
 */
export const PUSHGATEWAY_GROUPS_HELD_RECORD = 'pushgateway_pod:push_time_seconds:count';
export const PUSHGATEWAY_POD_LABEL = 'pushgateway_pod';

/** The Pushgateways and the batch jobs that push to them. */
export function pushgatewayRules(): RuleFileSpec {
  return {
    name: 'pushgateway',
    evaluator: 'prometheus',
    runbook: 'pushgateway',
    service: 'pushgateway',
    groups: [
      {
        name: 'pushgateway',
        rules: [
          {
            alert: 'PushgatewayDown',
            expr: `up{job="${job}"} == 0`,
            for: '5m',
            severity: 'warning',
            summary: 'Pushgateway {{ $labels.pod }} is down',
            description:
              'Prometheus cannot scrape {{ $labels.pod }}. The ingestion writes every replica, so pushes still land on the other one; with both down batch results are lost.',
            test: {
              firing: [series('up', pgw, '0x40')],
              healthy: [series('up', pgw, '1x40')],
              labels: pgw,
            },
          },
          {
            alert: 'PushgatewayPushErrors',
            expr: `sum by (job, pod) (rate(pushgateway_http_requests_total{job="${job}", handler=~"push|delete", code=~"4..|5.."}[5m])) > 0`,
            for: '10m',
            severity: 'warning',
            summary: 'Pushgateway {{ $labels.pod }} rejects pushes',
            description:
              '{{ $labels.pod }} answers pushes with 4xx/5xx for 10 minutes (bad exposition text, inconsistent metric types, or storage errors): those batch results are not stored.',
            test: {
              firing: [
                series(
                  'pushgateway_http_requests_total',
                  { ...pgw, handler: 'push', method: 'put', code: '400' },
                  '0+1x40',
                ),
              ],
              healthy: [
                series(
                  'pushgateway_http_requests_total',
                  { ...pgw, handler: 'push', method: 'put', code: '400' },
                  '0x40',
                ),
              ],
              labels: pgw,
            },
          },
          {
            alert: 'PushgatewayLastPushFailed',
            expr: 'push_failure_time_seconds > push_time_seconds',
            for: '5m',
            severity: 'warning',
            summary: 'The last push of batch job {{ $labels.job }} failed',
            description: `The Pushgateway {{ $labels.${PUSHGATEWAY_REPLICA_LABEL} }} recorded a failed push for {{ $labels.job }} after its last successful one: the job's latest results are missing.`,
            test: {
              firing: [
                series('push_time_seconds', batch, '100x40'),
                series('push_failure_time_seconds', batch, '200x40'),
              ],
              healthy: [
                series('push_time_seconds', batch, '100x40'),
                series('push_failure_time_seconds', batch, '0x40'),
              ],
              labels: batch,
            },
          },
          {
            record: PUSHGATEWAY_GROUPS_HELD_RECORD,
            expr:
              `count by (${PUSHGATEWAY_POD_LABEL}) (label_replace(push_time_seconds, "${PUSHGATEWAY_POD_LABEL}", "$1", "${PUSHGATEWAY_REPLICA_LABEL}", "(.+)"))` +
              ` or sum by (${PUSHGATEWAY_POD_LABEL}) (label_replace(up{job="${job}"} == 1, "${PUSHGATEWAY_POD_LABEL}", "$1", "pod", "(.+)")) * 0`,
          },
          {
            alert: 'PushgatewayBatchJobStale',
            // Each group's OLDEST push time over the replicas, then the job's newest group: a replica's copy rewritten
            // by the repair after a restart carries the time of that write (a Pushgateway stamps every write it
            // applies), which would otherwise pass for a push by the job.
            expr: `(time() - max by (job) (min without (${PUSHGATEWAY_REPLICA_LABEL}) (push_time_seconds{job!="${COMPACTOR_PUSH_JOB}"}))) > on (job) 2 * max by (job) (${BATCH_JOB_INTERVAL_METRIC})`,
            for: '5m',
            severity: 'warning',
            summary: 'Batch job {{ $labels.job }} has not pushed for more than twice its interval',
            description: `{{ $labels.job }} declares its run interval in ${BATCH_JOB_INTERVAL_METRIC}; its last push is more than twice that ago: the job is not running or cannot reach the push API.`,
            test: {
              interval: '5m',
              evalTime: '2h30m',
              // The job stopped; pushgateway-1 restarted after 2 h and the repair rewrote its copy then.
              firing: [
                series('push_time_seconds', batch, '0x80'),
                series('push_time_seconds', { ...batch, [PUSHGATEWAY_REPLICA_LABEL]: 'pushgateway-1' }, '0x24 7200x56'),
                series(BATCH_JOB_INTERVAL_METRIC, batch, '3600x80'),
              ],
              healthy: [
                series('push_time_seconds', batch, '0+300x80'),
                series(BATCH_JOB_INTERVAL_METRIC, batch, '3600x80'),
              ],
              labels: { job: batch.job },
            },
          },
        ],
        recordingTests: [
          {
            name: 'groups held: per replica, apart though deduplicated in Query, and 0 for a replica up but empty',
            input: [
              series('push_time_seconds', batch, '100x10'),
              series('push_time_seconds', { ...batch, job: 'other' }, '100x10'),
              series('push_time_seconds', { ...batch, [PUSHGATEWAY_REPLICA_LABEL]: 'pushgateway-1' }, '100x10'),
              series('up', pgw, '1x10'),
              series('up', { ...pgw, pod: 'pushgateway-1' }, '1x10'),
              series('up', { ...pgw, pod: 'pushgateway-2' }, '1x10'),
            ],
            evalTime: '5m',
            expr: PUSHGATEWAY_GROUPS_HELD_RECORD,
            expected: [
              { labels: `${PUSHGATEWAY_GROUPS_HELD_RECORD}{${PUSHGATEWAY_POD_LABEL}="pushgateway-0"}`, value: 2 },
              { labels: `${PUSHGATEWAY_GROUPS_HELD_RECORD}{${PUSHGATEWAY_POD_LABEL}="pushgateway-1"}`, value: 1 },
              { labels: `${PUSHGATEWAY_GROUPS_HELD_RECORD}{${PUSHGATEWAY_POD_LABEL}="pushgateway-2"}`, value: 0 },
            ],
          },
        ],
      },
    ],
  };
}
