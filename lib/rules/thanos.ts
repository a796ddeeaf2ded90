import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import { componentPods } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { duration, series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

/**
 * What the compactor alerts expect of the compactor CronJob (the platform's schedule must match): it starts at
 * least every `intervalHours`, a run takes at most `maxRunHours`, and `maxConsecutiveFailures` failed runs in a row
 * are no longer a passing bucket or network error.
 */
export const COMPACTOR_EXPECTATIONS = { intervalHours: 3, maxRunHours: 4, maxConsecutiveFailures: 3 } as const;

/** The sidecar uploads a 2h block every 2 hours; more than 3h without an upload means blocks are stuck. */
export const SIDECAR_MAX_UPLOAD_AGE_SECONDS = 3 * 3600;

const sidecar = { job: JOBS.thanosSidecar, pod: 'prometheus-0' };
const query = { job: JOBS.thanosQuery, pod: 'thanos-query-0' };
const store = { job: JOBS.thanosStore, pod: 'thanos-store-0' };
const ruler = { job: JOBS.thanosRuler, pod: 'thanos-ruler-0' };
/** The Store API `Series` call's gRPC handling time (what Thanos v0.39 exports for historical query latency). */
const STORE_SERIES_SECONDS = 'grpc_server_handling_seconds_bucket';
const storeSeries = { ...store, grpc_service: 'thanos.Store', grpc_method: 'Series', grpc_type: 'server_stream' };
const compactor = { job: COMPACTOR_PUSH_JOB };

/**
 * `metric` from the pushed group of the newest finished run only. With two Pushgateway replicas a replica that
 * missed the last push still holds an older run's result; the group with the latest end time decides.
 */
function fromNewestRun(metric: string): string {
  const end = `${COMPACTOR_METRICS.lastRunEnd}{job="${COMPACTOR_PUSH_JOB}"}`;
  return `(${metric}{job="${COMPACTOR_PUSH_JOB}"} and (${end} == on (job) group_left () max by (job) (${end})))`;
}

/** Run results on two Pushgateway replicas: the newest run (end 7200) on pushgateway-0, an older one on -1. */
function runResults(metric: string, [newest, older]: readonly [string, string]) {
  const replica = (pod: string) => ({ ...compactor, pod });
  return [
    series(metric, replica('pushgateway-0'), newest),
    series(COMPACTOR_METRICS.lastRunEnd, replica('pushgateway-0'), '7200x40'),
    series(metric, replica('pushgateway-1'), older),
    series(COMPACTOR_METRICS.lastRunEnd, replica('pushgateway-1'), '3600x40'),
  ];
}

/** Thanos watching itself: sidecar, query, store gateway, ruler (scraped) and the compactor (pushed results). */
export function thanosRules(config: EnvironmentConfig): RuleFileSpec {
  const { components, scaleTriggers } = config.sizing;
  const storeGateways = componentPods(config.sizing, 'thanosStore');
  const expectedEndpoints = components.prometheus.replicas + storeGateways + components.thanosRuler.replicas;
  const successMaxAge = 2 * COMPACTOR_EXPECTATIONS.intervalHours * 3600;
  const maxRun = COMPACTOR_EXPECTATIONS.maxRunHours * 3600;
  const m = COMPACTOR_METRICS;
  const cj = `job="${COMPACTOR_PUSH_JOB}"`;
  return {
    name: 'thanos',
    evaluator: 'prometheus',
    runbook: 'thanos',
    service: 'thanos',
    groups: [
      {
        name: 'thanos-sidecar',
        rules: [
          {
            alert: 'ThanosSidecarNoUpload',
            expr:
              `(time() - max by (job, pod) (thanos_objstore_bucket_last_successful_upload_time{job="${sidecar.job}"}) > ${SIDECAR_MAX_UPLOAD_AGE_SECONDS})` +
              ` and on (job, pod) (time() - max by (job, pod) (process_start_time_seconds{job="${sidecar.job}"}) > ${SIDECAR_MAX_UPLOAD_AGE_SECONDS})`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos sidecar in {{ $labels.pod }} has not uploaded a block for more than 3h',
            description:
              'The sidecar of {{ $labels.pod }} uploads a 2h block every 2 hours; nothing for 3h means history is piling up on the Prometheus disk only and is lost if the volume goes.',
            test: {
              interval: '5m',
              evalTime: '3h30m',
              firing: [
                series('thanos_objstore_bucket_last_successful_upload_time', sidecar, '600x80'),
                series('process_start_time_seconds', sidecar, '0x80'),
              ],
              healthy: [
                series('thanos_objstore_bucket_last_successful_upload_time', sidecar, '0+300x80'),
                series('process_start_time_seconds', sidecar, '0x80'),
              ],
              labels: sidecar,
            },
          },
          {
            alert: 'ThanosSidecarBucketOperationsFailed',
            expr: `sum by (job, pod) (rate(thanos_objstore_bucket_operation_failures_total{job="${sidecar.job}"}[5m])) > 0`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos sidecar in {{ $labels.pod }} fails bucket operations',
            description:
              'Operations of the sidecar of {{ $labels.pod }} on the S3 bucket fail (permissions, KMS key, network): block uploads will stop.',
            test: {
              firing: [
                series(
                  'thanos_objstore_bucket_operation_failures_total',
                  { ...sidecar, operation: 'upload' },
                  '0+1x40',
                ),
              ],
              healthy: [
                series('thanos_objstore_bucket_operation_failures_total', { ...sidecar, operation: 'upload' }, '0x40'),
              ],
              labels: sidecar,
            },
          },
          {
            alert: 'ThanosSidecarPrometheusDown',
            expr: `thanos_sidecar_prometheus_up{job="${sidecar.job}"} == 0`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos sidecar in {{ $labels.pod }} cannot reach its Prometheus',
            description:
              'The sidecar of {{ $labels.pod }} cannot talk to Prometheus: Thanos Query gets no recent data from this replica and no blocks are uploaded.',
            test: {
              firing: [series('thanos_sidecar_prometheus_up', sidecar, '0x40')],
              healthy: [series('thanos_sidecar_prometheus_up', sidecar, '1x40')],
              labels: sidecar,
            },
          },
        ],
      },
      {
        name: 'thanos-query',
        rules: [
          {
            alert: 'ThanosQueryHttpRequestErrorRateHigh',
            expr:
              `sum by (job, handler) (rate(http_requests_total{job="${query.job}", handler=~"query|query_range", code=~"5.."}[5m]))` +
              ` / sum by (job, handler) (rate(http_requests_total{job="${query.job}", handler=~"query|query_range"}[5m])) > 0.05`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos Query fails more than 5% of {{ $labels.handler }} requests',
            description:
              'More than 5% of {{ $labels.handler }} requests to Thanos Query return 5xx: dashboards, the Ruler and the capacity report get errors.',
            test: {
              firing: [
                series('http_requests_total', { ...query, handler: 'query', code: '200' }, '0+90x40'),
                series('http_requests_total', { ...query, handler: 'query', code: '503' }, '0+10x40'),
              ],
              healthy: [
                series('http_requests_total', { ...query, handler: 'query', code: '200' }, '0+90x40'),
                series('http_requests_total', { ...query, handler: 'query', code: '503' }, '0x40'),
              ],
              labels: { job: query.job, handler: 'query' },
            },
          },
          {
            alert: 'ThanosQueryInstantLatencyHigh',
            expr:
              `histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{job="${query.job}", handler="query"}[5m]))) > 40` +
              ` and sum by (job) (rate(http_request_duration_seconds_count{job="${query.job}", handler="query"}[5m])) > 0`,
            for: '10m',
            severity: 'warning',
            summary: 'Thanos Query p99 instant-query latency is above 40s',
            description:
              'Instant queries are slow (p99 above 40s): alerts evaluated by the Thanos Ruler may time out. Check store gateway latency and the query load.',
            test: {
              firing: [
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '10' }, '0x40'),
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '60' }, '0x40'),
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '+Inf' }, '0+10x40'),
                series('http_request_duration_seconds_count', { ...query, handler: 'query' }, '0+10x40'),
              ],
              healthy: [
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '10' }, '0+10x40'),
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '60' }, '0+10x40'),
                series('http_request_duration_seconds_bucket', { ...query, handler: 'query', le: '+Inf' }, '0+10x40'),
                series('http_request_duration_seconds_count', { ...query, handler: 'query' }, '0+10x40'),
              ],
              labels: { job: query.job },
            },
          },
          {
            alert: 'ThanosQueryEndpointsMissing',
            expr: `min by (job) (sum by (job, pod) (thanos_store_nodes_grpc_connections{job="${query.job}"})) < ${expectedEndpoints}`,
            for: '10m',
            severity: 'warning',
            summary: 'Thanos Query is connected to fewer StoreAPI endpoints than deployed',
            description: `A Thanos Query replica sees fewer than ${expectedEndpoints} StoreAPI endpoints (Prometheus sidecars, store gateways, rulers): query results miss recent or historical data.`,
            test: {
              firing: [
                series('thanos_store_nodes_grpc_connections', { ...query, store_type: 'sidecar' }, '2x40'),
                series('thanos_store_nodes_grpc_connections', { ...query, store_type: 'store' }, '1x40'),
              ],
              healthy: [
                series(
                  'thanos_store_nodes_grpc_connections',
                  { ...query, store_type: 'sidecar' },
                  `${components.prometheus.replicas}x40`,
                ),
                series('thanos_store_nodes_grpc_connections', { ...query, store_type: 'store' }, `${storeGateways}x40`),
                series(
                  'thanos_store_nodes_grpc_connections',
                  { ...query, store_type: 'rule' },
                  `${components.thanosRuler.replicas}x40`,
                ),
              ],
              labels: { job: query.job },
            },
          },
          {
            alert: 'ThanosQueryRateAboveScaleTrigger',
            expr: `${CAPACITY_RECORDING_RULES.queryRate.record} > ${scaleTriggers.thanosQueryQps}`,
            for: '15m',
            severity: 'info',
            summary: `Thanos Query serves more than ${scaleTriggers.thanosQueryQps} queries per second`,
            description: `The query rate is above the scale trigger (${scaleTriggers.thanosQueryQps} QPS, sizing.scaleTriggers.thanosQueryQps): add Thanos Query replicas.`,
            test: {
              firing: [
                series(
                  'http_requests_total',
                  { ...query, handler: 'query_range', code: '200' },
                  `0+${(scaleTriggers.thanosQueryQps + 20) * 60}x40`,
                ),
              ],
              healthy: [
                series(
                  'http_requests_total',
                  { ...query, handler: 'query_range', code: '200' },
                  `0+${scaleTriggers.thanosQueryQps * 30}x40`,
                ),
              ],
              labels: { job: JOBS.thanosQuery },
            },
          },
        ],
      },
      {
        name: 'thanos-store',
        rules: [
          {
            alert: 'ThanosStoreLatencyAboveScaleTrigger',
            expr: `${CAPACITY_RECORDING_RULES.storeLatencyP99.record} > ${scaleTriggers.storeGatewayLatencySeconds}`,
            for: '10m',
            severity: 'warning',
            summary: `Store gateway p99 series latency is above ${scaleTriggers.storeGatewayLatencySeconds}s`,
            description: `Historical queries are slow (p99 above ${scaleTriggers.storeGatewayLatencySeconds}s, sizing.scaleTriggers.storeGatewayLatencySeconds): add a block shard (sizing.thanosStore.shards: each store gateway then reads a share of the blocks; more replicas of one shard only repeat the work) or grow its caches.`,
            test: {
              firing: [
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '1' }, '0x40'),
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '30' }, '0x40'),
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '+Inf' }, '0+10x40'),
              ],
              healthy: [
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '1' }, '0+10x40'),
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '30' }, '0+10x40'),
                series(STORE_SERIES_SECONDS, { ...storeSeries, le: '+Inf' }, '0+10x40'),
                // Other Store API calls may be slow without making historical queries slow.
                series(
                  STORE_SERIES_SECONDS,
                  { ...store, grpc_service: 'thanos.Store', grpc_method: 'LabelValues', le: '30' },
                  '0x40',
                ),
                series(
                  STORE_SERIES_SECONDS,
                  { ...store, grpc_service: 'thanos.Store', grpc_method: 'LabelValues', le: '+Inf' },
                  '0+10x40',
                ),
              ],
              labels: { job: JOBS.thanosStore },
            },
          },
          {
            alert: 'ThanosStoreBucketOperationFailures',
            expr:
              `sum by (job, pod) (rate(thanos_objstore_bucket_operation_failures_total{job="${store.job}"}[5m]))` +
              ` / sum by (job, pod) (rate(thanos_objstore_bucket_operations_total{job="${store.job}"}[5m])) > 0.05`,
            for: '10m',
            severity: 'warning',
            summary: 'Store gateway {{ $labels.pod }} fails more than 5% of bucket operations',
            description:
              'Store gateway {{ $labels.pod }} cannot read the bucket reliably (permissions, KMS key, or blocks in a storage class that needs a restore): historical queries fail or miss data.',
            test: {
              firing: [
                series('thanos_objstore_bucket_operation_failures_total', { ...store, operation: 'get' }, '0+10x40'),
                series('thanos_objstore_bucket_operations_total', { ...store, operation: 'get' }, '0+100x40'),
              ],
              healthy: [
                series('thanos_objstore_bucket_operation_failures_total', { ...store, operation: 'get' }, '0x40'),
                series('thanos_objstore_bucket_operations_total', { ...store, operation: 'get' }, '0+100x40'),
              ],
              labels: store,
            },
          },
          {
            alert: 'ThanosStoreBlockLoadFailures',
            expr: `sum by (job, pod) (increase(thanos_bucket_store_block_load_failures_total{job="${store.job}"}[10m])) > 0`,
            for: '5m',
            severity: 'warning',
            summary: 'Store gateway {{ $labels.pod }} fails to load blocks',
            description:
              'Store gateway {{ $labels.pod }} could not load some blocks: their time ranges are missing from historical queries.',
            test: {
              firing: [series('thanos_bucket_store_block_load_failures_total', store, '0+1x40')],
              healthy: [series('thanos_bucket_store_block_load_failures_total', store, '0x40')],
              labels: store,
            },
          },
        ],
      },
      {
        name: 'thanos-ruler',
        rules: [
          {
            alert: 'ThanosRuleSenderIsFailingAlerts',
            expr: `sum by (job, pod) (rate(thanos_alert_sender_errors_total{job="${ruler.job}"}[5m])) > 0`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos Ruler {{ $labels.pod }} fails to send alerts to Alertmanager',
            description:
              'Thanos Ruler {{ $labels.pod }} cannot deliver alerts: long-range and SLO alerts do not reach on-call.',
            test: {
              firing: [
                series('thanos_alert_sender_errors_total', { ...ruler, alertmanager: 'alertmanager-0' }, '0+1x40'),
              ],
              healthy: [
                series('thanos_alert_sender_errors_total', { ...ruler, alertmanager: 'alertmanager-0' }, '0x40'),
              ],
              labels: ruler,
            },
          },
          {
            alert: 'ThanosRuleQueueIsDroppingAlerts',
            expr: `sum by (job, pod) (rate(thanos_alert_queue_alerts_dropped_total{job="${ruler.job}"}[5m])) > 0`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos Ruler {{ $labels.pod }} drops alerts from its queue',
            description:
              'The alert queue of Thanos Ruler {{ $labels.pod }} is full and drops alerts: some long-range and SLO alerts are lost.',
            test: {
              firing: [series('thanos_alert_queue_alerts_dropped_total', ruler, '0+1x40')],
              healthy: [series('thanos_alert_queue_alerts_dropped_total', ruler, '0x40')],
              labels: ruler,
            },
          },
          {
            alert: 'ThanosRuleHighRuleEvaluationFailures',
            expr:
              `sum by (job, pod) (rate(prometheus_rule_evaluation_failures_total{job="${ruler.job}"}[5m]))` +
              ` / sum by (job, pod) (rate(prometheus_rule_evaluations_total{job="${ruler.job}"}[5m])) > 0.05`,
            for: '5m',
            severity: 'critical',
            summary: 'Thanos Ruler {{ $labels.pod }} fails more than 5% of rule evaluations',
            description:
              'Thanos Ruler {{ $labels.pod }} cannot evaluate its rules (usually Thanos Query errors or timeouts): SLO alerts and long-range recordings have gaps.',
            test: {
              firing: [
                series('prometheus_rule_evaluation_failures_total', ruler, '0+5x40'),
                series('prometheus_rule_evaluations_total', ruler, '0+20x40'),
              ],
              healthy: [
                series('prometheus_rule_evaluation_failures_total', ruler, '0x40'),
                series('prometheus_rule_evaluations_total', ruler, '0+20x40'),
              ],
              labels: ruler,
            },
          },
        ],
      },
      {
        // Built on what the compactor CronJob pushes (a CronJob is not scrapable between runs: never absent(up)).
        name: 'thanos-compactor',
        rules: [
          {
            alert: 'ThanosCompactorHalted',
            expr: `max by (job) (${fromNewestRun(m.halted)}) == 1`,
            severity: 'critical',
            summary: 'Thanos compactor halted',
            description:
              'The last compactor run halted (typically overlapping blocks): nothing is compacted, downsampled or deleted until the cause is fixed, and the bucket grows.',
            test: {
              // A stale result on the other Pushgateway replica must not decide.
              firing: runResults(m.halted, ['0x10 1x30', '0x40']),
              healthy: runResults(m.halted, ['0x40', '1x40']),
              labels: compactor,
            },
          },
          {
            alert: 'ThanosCompactorLastRunFailed',
            expr: `max by (job) (${fromNewestRun(m.lastRunSuccess)}) == 0`,
            severity: 'warning',
            summary: 'The last Thanos compactor run failed',
            description:
              'The last compactor run exited non-zero. One failure is tolerable; repeated failures raise ThanosCompactorFailingRepeatedly and then ThanosCompactorLastSuccessTooOld.',
            test: {
              firing: runResults(m.lastRunSuccess, ['1x10 0x30', '1x40']),
              healthy: runResults(m.lastRunSuccess, ['1x40', '0x40']),
              labels: compactor,
            },
          },
          {
            alert: 'ThanosCompactorFailingRepeatedly',
            expr: `max by (job) (${fromNewestRun(m.consecutiveFailures)}) >= ${COMPACTOR_EXPECTATIONS.maxConsecutiveFailures}`,
            severity: 'critical',
            summary: `The Thanos compactor failed ${COMPACTOR_EXPECTATIONS.maxConsecutiveFailures} or more runs in a row`,
            description:
              'Several compactor runs in a row exited non-zero without a halt error: bucket access, the IRSA role or KMS key, scratch space or memory (OOM kill) is failing every run. Nothing is compacted, downsampled or deleted meanwhile.',
            test: {
              // The older result on the other replica (2 failures) must not decide.
              firing: runResults(m.consecutiveFailures, ['0x10 3x30', '2x40']),
              healthy: runResults(m.consecutiveFailures, ['2x40', '5x40']),
              labels: compactor,
            },
          },
          {
            alert: 'ThanosCompactorLastSuccessTooOld',
            expr: `time() - max by (job) (${m.lastSuccess}{${cj}}) > ${successMaxAge}`,
            severity: 'critical',
            summary: `No successful Thanos compactor run for more than ${duration(successMaxAge)}`,
            description: `The compactor CronJob starts hourly; its last success is more than ${duration(successMaxAge)} ago (twice the ${COMPACTOR_EXPECTATIONS.intervalHours}h the alerts allow between runs), so several runs in a row failed, hung or did not start. Retention and downsampling are not applied and queries over long ranges slow down.`,
            test: {
              interval: '5m',
              evalTime: '6h30m',
              firing: [series(m.lastSuccess, compactor, '0x140')],
              healthy: [series(m.lastSuccess, compactor, '0+300x140')],
              labels: compactor,
            },
          },
          {
            alert: 'ThanosCompactorRunTooLong',
            expr: `(time() - max by (job) (${m.lastRunStart}{${cj}}) > ${maxRun}) unless on (job) (max by (job) (${m.lastRunEnd}{${cj}}) >= on (job) max by (job) (${m.lastRunStart}{${cj}}))`,
            severity: 'warning',
            summary: `A Thanos compactor run started more than ${duration(maxRun)} ago and has not ended`,
            description:
              'The compactor pushed a start but no end: it is stuck, very slow, or was killed (OOM, Fargate eviction) before it could push its result.',
            test: {
              interval: '5m',
              evalTime: '5h30m',
              firing: [series(m.lastRunStart, compactor, '3600x80')],
              healthy: [series(m.lastRunStart, compactor, '3600x80'), series(m.lastRunEnd, compactor, '7200x80')],
              labels: compactor,
            },
          },
          {
            alert: 'ThanosCompactorNoRunReported',
            expr: `absent(${m.lastRunStart}{${cj}})`,
            for: duration(successMaxAge),
            severity: 'warning',
            summary: 'The Thanos compactor has not reported any run',
            description:
              'No compactor run start has been pushed to the Pushgateway: the CronJob is suspended, cannot be scheduled on Fargate, or cannot reach the Pushgateway.',
            test: {
              interval: '5m',
              evalTime: '6h10m',
              firing: [series('up', { job: JOBS.pushgateway, instance: 'pushgateway-0' }, '1x120')],
              healthy: [series(m.lastRunStart, compactor, '0+300x120')],
              labels: compactor,
            },
          },
        ],
      },
    ],
  };
}
