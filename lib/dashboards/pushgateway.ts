import {
  INGEST_METRICS,
  PUSH_DIMENSIONS,
  PUSH_METRICS_NAMESPACE,
  PUSH_SERVICES,
  REPAIR_METRICS,
} from '../../lambdas/domain/push-metric-names';
import { BATCH_JOB_INTERVAL_METRIC } from '../rules/conventions';
import { PUSHGATEWAY_GROUPS_HELD_RECORD, PUSHGATEWAY_POD_LABEL } from '../rules/pushgateway';
import { DASHBOARD_JOBS as J } from './jobs';
import { type CloudWatchQuerySpec, type DashboardSpec, sel } from './model';

const PG = `job="${J.pushgateway}"`;

/**
 * A figure one of the push functions emits (Powertools EMF, lambdas/adapters/push-metrics.ts), per minute:
 * exactly the dimensions it is emitted with (`service`, plus `status` or `replica` where named; `*` = each value).
 */
function pushFigure(
  service: keyof typeof PUSH_SERVICES,
  metricName: string,
  statistic: CloudWatchQuerySpec['cloudwatch']['statistic'],
  label: string,
  dimensions: Readonly<Record<string, string>> = {},
): CloudWatchQuerySpec {
  return {
    cloudwatch: {
      namespace: PUSH_METRICS_NAMESPACE,
      metricName,
      dimensions: { service: PUSH_SERVICES[service], ...dimensions },
      statistic,
      period: '60',
      label,
      matchExact: true,
    },
  };
}
/** A series per value of `dimension` (wildcard), each labelled with its value (CloudWatch dynamic label). */
function pushFigureByEach(
  service: keyof typeof PUSH_SERVICES,
  metricName: string,
  dimension: string,
): CloudWatchQuerySpec {
  return pushFigure(service, metricName, 'Sum', `\${PROP('Dim.${dimension}')}`, { [dimension]: '*' });
}

/**
 * The Pushgateways and the batch jobs that push to them: last push and staleness per pushed job, failed pushes,
 * the push ingestion's traffic as the Pushgateways count it, and the ingestion's own figures (CloudWatch: what
 * the push API answered, replicas missed, sizes, time to answer; what each repair pass did). Pushed series exist
 * on both replicas; Thanos Query deduplicates them on the Pushgateway replica label.
 */
export function pushgatewayDashboard(): DashboardSpec {
  return {
    uid: 'greenlang-pushgateway',
    title: 'GreenLang / Pushgateway & batch jobs',
    description:
      'Did every batch job push recently and successfully, is the push path (ingestion → Pushgateways) healthy, what does the push API answer and how fast, and does the repair keep the replicas in step?',
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
              'Pushed groups each Pushgateway replica holds, 0 for one that is up and empty (recorded in Prometheus: through Thanos Query both replicas are one deduplicated series); both replicas should agree.',
            unit: 'short',
            queries: [
              {
                expr: `${PUSHGATEWAY_GROUPS_HELD_RECORD}${sel()}`,
                legend: `{{${PUSHGATEWAY_POD_LABEL}}}`,
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
      {
        title: "Push ingestion (CloudWatch: the push API's own figures)",
        panels: [
          {
            title: 'Pushes accepted and refused per minute',
            description:
              'Pushes the push API (push-ingest function) answered 2xx (applied, or owed to a replica by the repair) and pushes it refused (any other answer, failures of the function as 500), per minute. A client retrying a refused push counts each time.',
            unit: 'reqpm',
            queries: [
              pushFigure('ingest', INGEST_METRICS.accepted, 'Sum', 'accepted'),
              pushFigure('ingest', INGEST_METRICS.refused, 'Sum', 'refused'),
            ],
          },
          {
            title: 'Answers per minute, by HTTP status',
            description:
              'Every push answer by status, as the Pushgateway would answer: 200/202 applied; 400 invalid or inconsistent push (recorded on the replicas as a failed push); 413 body or group over its limit; 405 method, 301 unclean path; 503 no replica could take it (nothing applied, retry); 500 the function failed.',
            unit: 'reqpm',
            queries: [pushFigureByEach('ingest', INGEST_METRICS.answers, PUSH_DIMENSIONS.status)],
          },
          {
            title: 'Replicas missed per minute',
            description:
              'Accepted pushes a Pushgateway replica did not take at once (named in the x-greenlang-replicas-missed header), in total and per replica: the repair owes that replica the group. Steady misses for one replica: it is down, slow or refusing.',
            unit: 'short',
            queries: [
              pushFigure('ingest', INGEST_METRICS.replicasMissed, 'Sum', 'all replicas'),
              pushFigureByEach('ingest', INGEST_METRICS.replicaMisses, PUSH_DIMENSIONS.replica),
            ],
          },
          {
            title: 'Time to acknowledge a push',
            description:
              "From the request reaching the push function to its answer (validation, the store's commit, the writes to every replica), p50, p99 and maximum per minute; the function's cold starts and API Gateway's own time are not in it.",
            unit: 'ms',
            queries: [
              pushFigure('ingest', INGEST_METRICS.ackTime, 'p50', 'p50'),
              pushFigure('ingest', INGEST_METRICS.ackTime, 'p99', 'p99'),
              pushFigure('ingest', INGEST_METRICS.ackTime, 'Maximum', 'max'),
            ],
          },
          {
            title: 'Push size',
            description:
              'Body bytes of each push as received (compressed if the client gzipped it), average and largest per minute; bodies above the configured limit are answered 413.',
            unit: 'bytes',
            queries: [
              pushFigure('ingest', INGEST_METRICS.bytes, 'Average', 'average'),
              pushFigure('ingest', INGEST_METRICS.bytes, 'Maximum', 'largest'),
            ],
          },
          {
            title: 'Series per accepted push',
            description:
              'Series (sample lines) in each accepted push, average and largest per minute; their sum per minute is the series the batch jobs write through the ingestion.',
            unit: 'short',
            queries: [
              pushFigure('ingest', INGEST_METRICS.series, 'Average', 'average'),
              pushFigure('ingest', INGEST_METRICS.series, 'Maximum', 'largest'),
              pushFigure('ingest', INGEST_METRICS.series, 'Sum', 'total per minute'),
            ],
          },
        ],
      },
      {
        title: 'Push repair (CloudWatch: each repair pass, every 2 s)',
        panels: [
          {
            title: 'Groups repaired and still owed',
            description:
              'Groups the repair passes brought to their record on the replicas that owed them (sum per minute), and groups a replica still owed after a pass (largest and smallest per minute). Owed above 0 in every pass for 15 minutes raises the ReplicasOutOfStep alarm.',
            unit: 'short',
            queries: [
              pushFigure('repair', REPAIR_METRICS.repaired, 'Sum', 'repaired'),
              pushFigure('repair', REPAIR_METRICS.stillOwed, 'Maximum', 'still owed (max)'),
              pushFigure('repair', REPAIR_METRICS.stillOwed, 'Minimum', 'still owed (min)'),
            ],
          },
          {
            title: 'Repair write failures and replicas unreachable',
            description:
              'Writes of a group to a replica that did not apply (refused, unanswered or unreachable; sum per minute), replicas a pass could not reach (largest per minute), and replicas found restarted and resynchronised whole (sum per minute).',
            unit: 'short',
            queries: [
              pushFigure('repair', REPAIR_METRICS.writeFailures, 'Sum', 'write failures'),
              pushFigure('repair', REPAIR_METRICS.unreachable, 'Maximum', 'replicas unreachable'),
              pushFigure('repair', REPAIR_METRICS.resynchronised, 'Sum', 'replicas resynchronised'),
            ],
          },
        ],
      },
    ],
  };
}
