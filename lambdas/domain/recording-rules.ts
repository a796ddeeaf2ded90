/**
 * Recording rules other code reads by name: the capacity report queries them through Thanos Query, the alert
 * rules build on them. The rule files (lib/rules) record exactly these, with these expressions.
 */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/*
 * Prometheus evaluates rules WITHOUT its external labels (cluster, region, prometheus_replica): grouping by those
 * would merge every Prometheus pod a replica scrapes into one series. The per-replica rules therefore group by
 * `pod` (the Prometheus pod scraped); queried through Thanos Query, the HA copies deduplicate and each series
 * carries the external labels `cluster` and `region` again.
 */
export const CAPACITY_RECORDING_RULES = {
  /** Head series per Prometheus pod (scale trigger: > 500K per replica). */
  headSeriesPerReplica: {
    record: 'pod:prometheus_tsdb_head_series:sum',
    expr: 'sum by (pod) (prometheus_tsdb_head_series{job="prometheus"})',
  },
  /** Samples ingested per second per Prometheus pod (storage formula input). */
  ingestionRatePerReplica: {
    record: 'pod:prometheus_tsdb_head_samples_appended:rate5m',
    expr: 'sum by (pod) (rate(prometheus_tsdb_head_samples_appended_total{job="prometheus"}[5m]))',
  },
  /** Thanos Query queries per second (scale trigger: > 100 QPS). */
  queryRate: {
    record: 'job:thanos_query_requests:rate5m',
    expr: 'sum by (job) (rate(http_requests_total{job="thanos-query", handler=~"query|query_range"}[5m]))',
  },
  /**
   * Store gateway p99 Store API `Series` latency in seconds (scale trigger: historical query latency > 10s). Thanos
   * v0.39 has no `thanos_bucket_store_series_request_duration_seconds`; the gRPC server histogram of the `Series`
   * call is what a historical query waits for.
   */
  storeLatencyP99: {
    record: 'job:thanos_store_series_request_duration_seconds:p99_5m',
    expr: 'histogram_quantile(0.99, sum by (job, le) (rate(grpc_server_handling_seconds_bucket{job="thanos-store", grpc_service="thanos.Store", grpc_method="Series"}[5m])))',
  },
  /** Resident memory per Prometheus pod, bytes (against the 8Gi limit). */
  prometheusMemoryPerReplica: {
    record: 'pod:process_resident_memory_bytes:max',
    expr: 'max by (pod) (process_resident_memory_bytes{job="prometheus"})',
  },
} as const satisfies Record<string, RecordingRule>;
