/**
 * Recording rules other code reads by name: the capacity report queries them through Thanos Query, the alert
 * rules build on them. The rule files (lib/rules) record exactly these, with these expressions.
 */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export const CAPACITY_RECORDING_RULES = {
  /** Head series per Prometheus replica (scale trigger: > 500K per replica). */
  headSeriesPerReplica: {
    record: 'prometheus_replica:prometheus_tsdb_head_series:sum',
    expr: 'sum by (cluster, prometheus_replica) (prometheus_tsdb_head_series)',
  },
  /** Samples ingested per second per replica (storage formula input). */
  ingestionRatePerReplica: {
    record: 'prometheus_replica:prometheus_tsdb_head_samples_appended:rate5m',
    expr: 'sum by (cluster, prometheus_replica) (rate(prometheus_tsdb_head_samples_appended_total[5m]))',
  },
  /** Thanos Query queries per second (scale trigger: > 100 QPS). */
  queryRate: {
    record: 'cluster:thanos_query_requests:rate5m',
    expr: 'sum by (cluster) (rate(http_requests_total{job=~".*thanos-query.*", handler=~"query|query_range"}[5m]))',
  },
  /** Store gateway p99 series-request latency in seconds (scale trigger: historical query latency > 10s). */
  storeLatencyP99: {
    record: 'cluster:thanos_store_series_request_duration_seconds:p99_5m',
    expr: 'histogram_quantile(0.99, sum by (cluster, le) (rate(thanos_bucket_store_series_request_duration_seconds_bucket[5m])))',
  },
  /** Working-set memory per Prometheus replica, bytes (against the 8Gi limit). */
  prometheusMemoryPerReplica: {
    record: 'prometheus_replica:process_resident_memory_bytes:max',
    expr: 'max by (cluster, prometheus_replica) (process_resident_memory_bytes{job=~".*prometheus.*"})',
  },
} as const satisfies Record<string, RecordingRule>;
