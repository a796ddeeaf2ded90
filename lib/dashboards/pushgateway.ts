import { PUSHGATEWAY_REPLICA_LABEL } from '../k8s/replica-labels';
import { BATCH_JOB_INTERVAL_METRIC } from '../rules/conventions';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const PG = `job="${J.pushgateway}"`;

/**
 * The Pushgateways and the batch jobs that push to them: last push and staleness per pushed job, failed pushes,
 * and the push ingestion's traffic as the Pushgateways count it. Pushed series exist on both replicas; Thanos
 * Query deduplicates them on the Pushgateway replica label.
 */
export function pushgatewayDashboard(): DashboardSpec {
  return {
    uid: 'greenlang-pushgateway',
    title: 'GreenLang / Pushgateway & batch jobs',
    description:
      'Did every batch job push recently and successfully, and is the push path (ingestion → Pushgateways) healthy?',
    tags: ['greenlang', 'pushgateway', 'batch'],
    rows: [
      {
        title: 'Batch jobs',
        panels: [
          {
            title: 'Time since last successful push, per job',
            description:
              'Seconds since each pushed job last pushed successfully (newest of the replicas). A job pushing greenlang_batch_job_interval_seconds is stale past twice its interval.',
            unit: 's',
            queries: [
              { expr: `time() - max by (job) (push_time_seconds${sel(`job!="${J.pushgateway}"`)})`, legend: '{{job}}' },
            ],
          },
          {
            title: 'Staleness against the declared interval',
            description:
              'Age of the last push divided by the interval the job declares; above 2 the PushgatewayBatchJobStale alert fires.',
            unit: 'none',
            thresholds: [{ value: 2, color: 'red' }],
            queries: [
              {
                expr: `(time() - max by (job) (push_time_seconds${sel()})) / on (job) max by (job) (${BATCH_JOB_INTERVAL_METRIC}${sel()})`,
                legend: '{{job}}',
              },
            ],
          },
          {
            title: 'Jobs whose last push failed',
            description:
              'Pushed groups whose last push was refused (push_failure_time_seconds newer than push_time_seconds), per job.',
            unit: 'short',
            queries: [
              {
                expr: `count by (job) (push_failure_time_seconds${sel()} > push_time_seconds${sel()})`,
                legend: '{{job}}',
              },
            ],
          },
          {
            title: 'Groups held',
            description:
              'Pushed groups each Pushgateway replica holds (one push_time_seconds series per group, by the pushgateway_replica label); both replicas should agree.',
            unit: 'short',
            queries: [
              {
                expr: `count by (${PUSHGATEWAY_REPLICA_LABEL}) (push_time_seconds${sel()})`,
                legend: `{{${PUSHGATEWAY_REPLICA_LABEL}}}`,
              },
            ],
          },
        ],
      },
      {
        title: 'Push path',
        panels: [
          {
            title: 'Pushes and deletes per second, by code',
            description:
              "Requests the Pushgateways answered on their push and delete handlers, by HTTP code: the push ingestion's traffic as it arrives. 400s are refused pushes.",
            unit: 'reqps',
            queries: [
              {
                expr: `sum by (handler, code) (rate(pushgateway_http_requests_total${sel(`${PG}, handler=~"push|delete"`)}[5m]))`,
                legend: '{{handler}} {{code}}',
              },
            ],
          },
          {
            title: 'Pushgateway memory',
            description: 'Resident memory of each Pushgateway; it grows with the number of groups and series held.',
            unit: 'bytes',
            queries: [{ expr: `max by (pod) (process_resident_memory_bytes${sel(PG)})`, legend: '{{pod}}' }],
          },
        ],
      },
    ],
  };
}
