import { COMPACTOR_METRICS } from '../../lambdas/domain/compactor-metrics';
import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import type { ReadableStorageClass } from '../../lambdas/domain/retention';
import type { EnvironmentConfig } from '../config';
import { thanosBucketName } from '../naming';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const p99 = (matchers: string, metric = 'http_request_duration_seconds') =>
  `histogram_quantile(0.99, sum by (le) (rate(${metric}_bucket${sel(matchers)}[5m])))`;
/**
 * The `StorageType` dimensions of S3's daily BucketSizeBytes for each storage class the retention tiers use
 * (Amazon S3 user guide, "Metrics and dimensions": daily storage metrics for buckets).
 */
export const S3_STORAGE_TYPES: Readonly<Record<ReadableStorageClass, readonly string[]>> = {
  STANDARD: ['StandardStorage'],
  INTELLIGENT_TIERING: ['IntelligentTieringFAStorage', 'IntelligentTieringIAStorage', 'IntelligentTieringAIAStorage'],
  STANDARD_IA: ['StandardIAStorage'],
  GLACIER_IR: ['GlacierInstantRetrievalStorage'],
};

const compactor = (metric: string) => `${metric}${sel(`job="${J.thanosCompactorPush}"`)}`;

/**
 * Thanos: query and frontend load against the 100 QPS trigger, store gateway latency against the 10 s trigger,
 * sidecar uploads, and the compactor's runs (pushed results: the CronJob is not scrapable).
 */
export function thanosDashboard(config: EnvironmentConfig): DashboardSpec {
  const { thanosQueryQps, storeGatewayLatencySeconds } = config.sizing.scaleTriggers;
  const query = `job="${J.thanosQuery}", handler=~"query|query_range"`;
  // The query-frontend instruments its one HTTP handler as "query-frontend" (thanos cmd/thanos/query_frontend.go;
  // the Thanos mixin's query-frontend dashboard selects handler="query-frontend").
  const frontend = `job="${J.thanosQueryFrontend}", handler="query-frontend"`;
  // Thanos v0.39 has no thanos_bucket_store_series_request_duration_seconds: Store API latency is the gRPC
  // server histogram of the Series call (docs/facts.md).
  const storeSeries = `job="${J.thanosStore}", grpc_method="Series"`;
  const bucket = thanosBucketName(config);
  const classes = new Set(config.retention.tiers.flatMap((t) => (t.storage === 'LOCAL_SSD' ? [] : [t.storage])));
  const storageTypes = [...classes].flatMap((c) => S3_STORAGE_TYPES[c]);
  return {
    uid: 'greenlang-thanos',
    title: 'GreenLang / Thanos',
    description:
      'Is the Thanos read and write path keeping up: query load and latency against the scale triggers, store latency, sidecar uploads and compactor runs?',
    tags: ['greenlang', 'thanos'],
    rows: [
      {
        title: 'Query and query-frontend',
        panels: [
          {
            title: 'Thanos Query QPS vs the scale trigger',
            description: `Instant and range queries per second over all Thanos Query pods. Dashed: the seed's trigger (${thanosQueryQps} QPS), the HPA's target.`,
            unit: 'reqps',
            thresholds: [{ value: thanosQueryQps, color: 'red' }],
            queries: [
              { expr: `sum(${CAPACITY_RECORDING_RULES.queryRate.record}${sel()})`, legend: 'query' },
              { expr: `sum(rate(http_requests_total${sel(frontend)}[5m]))`, legend: 'query-frontend' },
            ],
          },
          {
            title: 'Query latency (p99)',
            description:
              '99th percentile latency of Thanos Query (instant + range) and of the query-frontend in front of it.',
            unit: 's',
            queries: [
              { expr: p99(query), legend: 'query' },
              { expr: p99(frontend), legend: 'query-frontend' },
            ],
          },
          {
            title: 'Query errors',
            description: 'Share of Thanos Query requests answered 5xx.',
            unit: 'percentunit',
            queries: [
              {
                expr: `sum(rate(http_requests_total${sel(`${query}, code=~"5.."`)}[5m])) / sum(rate(http_requests_total${sel(query)}[5m]))`,
                legend: '5xx',
              },
            ],
          },
          {
            title: 'Store API endpoints connected',
            description: 'StoreAPI endpoints each Thanos Query pod is connected to (sidecars, store gateways, rulers).',
            unit: 'short',
            queries: [
              {
                expr: `sum by (pod) (thanos_store_nodes_grpc_connections${sel(`job="${J.thanosQuery}"`)})`,
                legend: '{{pod}}',
              },
            ],
          },
        ],
      },
      {
        title: 'Store gateway',
        panels: [
          {
            title: 'Store gateway Series latency (p99) vs the scale trigger',
            description: `99th percentile of the store gateway's Series gRPC calls (historical reads). Dashed: the seed's trigger (${storeGatewayLatencySeconds} s).`,
            unit: 's',
            thresholds: [{ value: storeGatewayLatencySeconds, color: 'red' }],
            queries: [{ expr: p99(storeSeries, 'grpc_server_handling_seconds'), legend: 'p99' }],
          },
          {
            title: 'Blocks loaded by the store gateway',
            description:
              'Blocks each store gateway serves. A count that keeps growing means compaction is falling behind (backlog).',
            unit: 'short',
            queries: [
              {
                expr: `max by (pod) (thanos_bucket_store_blocks_loaded${sel(`job="${J.thanosStore}"`)})`,
                legend: '{{pod}}',
              },
            ],
          },
        ],
      },
      {
        title: 'Sidecar uploads',
        panels: [
          {
            title: 'Time since last block upload',
            description:
              'Seconds since each sidecar last uploaded a block; a 2h block is due every 2 hours, alert at 3h.',
            unit: 's',
            thresholds: [{ value: 3 * 3600, color: 'red' }],
            queries: [
              {
                expr: `time() - max by (pod) (thanos_objstore_bucket_last_successful_upload_time${sel(`job="${J.thanosSidecar}"`)})`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Upload failures',
            description: 'Failed block uploads per sidecar in the last hour (thanos_shipper_upload_failures_total).',
            unit: 'short',
            queries: [
              {
                expr: `sum by (pod) (increase(thanos_shipper_upload_failures_total${sel(`job="${J.thanosSidecar}"`)}[1h]))`,
                legend: '{{pod}}',
              },
            ],
          },
        ],
      },
      {
        title: 'Compactor (pushed run results)',
        panels: [
          {
            kind: 'stat',
            title: 'Compactor halted',
            description:
              'Whether the newest compactor run halted (1 = halted, e.g. overlapping blocks; no compaction, downsampling or retention until fixed).',
            unit: 'bool',
            thresholds: [{ value: 1, color: 'red' }],
            queries: [{ expr: `max(${compactor(COMPACTOR_METRICS.halted)})` }],
          },
          {
            kind: 'stat',
            title: 'Last run succeeded',
            description: 'Whether the newest compactor run exited 0 (1 = yes).',
            unit: 'bool',
            queries: [{ expr: `min(${compactor(COMPACTOR_METRICS.lastRunSuccess)})` }],
          },
          {
            kind: 'stat',
            title: 'Time since last successful compaction',
            description:
              'Seconds since the last successful run. Above 6h (two missed runs) retention and downsampling lag: the backlog grows.',
            unit: 's',
            thresholds: [{ value: 6 * 3600, color: 'red' }],
            queries: [{ expr: `time() - max(${compactor(COMPACTOR_METRICS.lastSuccess)})` }],
          },
          {
            title: 'Compactor run duration',
            description:
              'Seconds the last run took, per Pushgateway replica holding it. Runs near 4h overlap the next schedule.',
            unit: 's',
            queries: [{ expr: `max(${compactor(COMPACTOR_METRICS.lastRunDuration)})`, legend: 'last run' }],
            width: 24,
          },
        ],
      },
      {
        title: 'Bucket (CloudWatch)',
        panels: [
          {
            title: 'Bucket size by storage class (retention tier)',
            description:
              "Bytes of the Thanos bucket in each S3 storage class its retention tiers use (S3 daily storage metrics, one point a day). The classes follow object age, not block resolution: a 5m or 1h block starts in STANDARD like a raw one. Block counts per resolution are in the daily bucket audit's report (audit/latest.json).",
            unit: 'bytes',
            width: 24,
            queries: storageTypes.map((storageType) => ({
              cloudwatch: {
                namespace: 'AWS/S3',
                metricName: 'BucketSizeBytes',
                dimensions: { BucketName: bucket, StorageType: storageType },
                statistic: 'Average',
                period: '86400',
                label: storageType,
              },
            })),
          },
        ],
      },
      {
        title: 'Ruler',
        panels: [
          {
            title: 'Ruler evaluation failures and dropped alerts',
            description: 'Failed rule evaluations and alerts the Ruler could not send to Alertmanager, per second.',
            unit: 'ops',
            width: 24,
            queries: [
              {
                expr: `sum(rate(prometheus_rule_evaluation_failures_total${sel(`job="${J.thanosRuler}"`)}[5m]))`,
                legend: 'evaluation failures',
              },
              {
                expr: `sum(rate(thanos_alert_sender_alerts_dropped_total${sel(`job="${J.thanosRuler}"`)}[5m]))`,
                legend: 'alerts dropped',
              },
            ],
          },
        ],
      },
    ],
  };
}
