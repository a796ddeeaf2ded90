import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { CLUSTER_JOBS } from '../k8s/cluster-jobs';
import { AGENT_HEARTBEAT_METRIC, BATCH_JOB_INTERVAL_METRIC, JOBS } from '../rules/conventions';

/**
 * Where the metric names a job exposes come from. Reality first: a binary installed here that the contract test
 * scrapes (`scraped`); where no binary can run here (Thanos, Kong, the GreenLang services), a list of names, each
 * with the upstream file that registers it or our own conventions doc (`cited`).
 *
 * Extensible: add a job with its exposure (another binary to scrape, or a cited list) and every selector reading
 * that job is checked against it (the Kubernetes rules' kube-state-metrics, kubelet, node-exporter jobs).
 */
export type ScrapableBinary =
  | 'prometheus'
  | 'alertmanager'
  | 'pushgateway'
  | 'node-exporter'
  | 'postgres-exporter'
  | 'redis-exporter';

/** A metric name and where it is registered (repo, file and line or the registering code; or our docs). */
export interface CitedName {
  readonly name: string;
  readonly source: string;
}

export interface Exposure {
  /** Scrape this binary (started by the contract test) and take every name it exposes... */
  readonly scrape?: ScrapableBinary;
  /** ...plus (or only) these cited names. */
  readonly cited?: readonly CitedName[];
}

/** Histogram family → the series names Prometheus stores for it. */
export function histogram(name: string, source: string): CitedName[] {
  return ['_bucket', '_count', '_sum'].map((suffix) => ({ name: `${name}${suffix}`, source }));
}

const GO_PROCESS = 'prometheus/client_golang prometheus/process_collector.go (registered by every Thanos component)';
const OBJSTORE =
  'thanos-io/objstore objstore.go WrapWithMetrics (`objstore_bucket_*`), registered under the `thanos_` prefix by extprom.WrapRegistererWithPrefix in cmd/thanos';
const EXTPROM_HTTP = 'thanos-io/thanos pkg/extprom/http/instrument_server.go (labels code, handler, method)';
const GRPC_SERVER =
  'grpc-ecosystem/go-grpc-middleware providers/prometheus/server_metrics.go `grpc_server_handling_seconds` (labels grpc_type, grpc_service, grpc_method), enabled with WithServerHandlingTimeHistogram in thanos-io/thanos pkg/server/grpc/grpc.go';
const PROM_RULES =
  'prometheus/prometheus rules/group.go (namespace `prometheus`), the rules manager the Thanos Ruler runs (cmd/thanos/rule.go)';

/** Thanos v0.39 components: names registered in upstream source (no Thanos binary is packaged for this machine). */
export const THANOS_SIDECAR_NAMES: readonly CitedName[] = [
  { name: 'thanos_sidecar_prometheus_up', source: 'thanos-io/thanos cmd/thanos/sidecar.go promUp gauge' },
  { name: 'thanos_objstore_bucket_last_successful_upload_time', source: OBJSTORE },
  {
    name: 'thanos_shipper_upload_failures_total',
    source:
      'thanos-io/thanos pkg/shipper/shipper.go newMetrics uploadFailures (the sidecar passes its registry to shipper.New)',
  },
  { name: 'thanos_objstore_bucket_operations_total', source: OBJSTORE },
  { name: 'thanos_objstore_bucket_operation_failures_total', source: OBJSTORE },
  { name: 'process_start_time_seconds', source: GO_PROCESS },
  { name: 'process_resident_memory_bytes', source: GO_PROCESS },
];

export const THANOS_QUERY_NAMES: readonly CitedName[] = [
  { name: 'http_requests_total', source: EXTPROM_HTTP },
  ...histogram('http_request_duration_seconds', EXTPROM_HTTP),
  {
    name: 'thanos_store_nodes_grpc_connections',
    source: 'thanos-io/thanos pkg/query/endpointset.go endpointSetNodeCollector connectionsDesc',
  },
  ...histogram('grpc_server_handling_seconds', GRPC_SERVER),
  { name: 'process_start_time_seconds', source: GO_PROCESS },
  { name: 'process_resident_memory_bytes', source: GO_PROCESS },
];

export const THANOS_STORE_NAMES: readonly CitedName[] = [
  // The Store API `Series` call is the store gateway's historical-query latency (FACTS.md; v0.39 has no
  // thanos_bucket_store_series_request_duration_seconds).
  ...histogram('grpc_server_handling_seconds', GRPC_SERVER),
  {
    name: 'thanos_bucket_store_block_load_failures_total',
    source: 'thanos-io/thanos pkg/store/bucket.go newBucketStoreMetrics blockLoadFailures',
  },
  {
    name: 'thanos_bucket_store_blocks_loaded',
    source: 'thanos-io/thanos pkg/store/bucket.go newBucketStoreMetrics blocksLoaded',
  },
  { name: 'thanos_objstore_bucket_operations_total', source: OBJSTORE },
  { name: 'thanos_objstore_bucket_operation_failures_total', source: OBJSTORE },
  { name: 'http_requests_total', source: EXTPROM_HTTP },
  { name: 'process_start_time_seconds', source: GO_PROCESS },
  { name: 'process_resident_memory_bytes', source: GO_PROCESS },
];

export const THANOS_RULER_NAMES: readonly CitedName[] = [
  { name: 'thanos_alert_sender_errors_total', source: 'thanos-io/thanos pkg/alert/alert.go Sender errs counter' },
  {
    name: 'thanos_alert_sender_alerts_dropped_total',
    source: 'thanos-io/thanos pkg/alert/alert.go NewSender dropped counter (every Alertmanager send failed)',
  },
  {
    name: 'thanos_alert_queue_alerts_dropped_total',
    source: 'thanos-io/thanos pkg/alert/alert.go NewQueue dropped counter',
  },
  { name: 'prometheus_rule_evaluations_total', source: PROM_RULES },
  { name: 'prometheus_rule_evaluation_failures_total', source: PROM_RULES },
  ...histogram('grpc_server_handling_seconds', GRPC_SERVER),
  { name: 'process_start_time_seconds', source: GO_PROCESS },
  { name: 'process_resident_memory_bytes', source: GO_PROCESS },
];

const KONG = 'Kong/kong kong/plugins/prometheus/exporter.lua (3.x metric names) and docs/metrics-conventions.md';
export const KONG_NAMES: readonly CitedName[] = [
  { name: 'kong_http_requests_total', source: KONG },
  ...histogram('kong_request_latency_ms', KONG),
  { name: 'kong_datastore_reachable', source: KONG },
  { name: 'kong_upstream_target_health', source: KONG },
];

const CONVENTIONS = 'docs/metrics-conventions.md (GreenLang label and metric contract)';
export const GREENLANG_API_NAMES: readonly CitedName[] = [
  { name: 'http_requests_total', source: CONVENTIONS },
  ...histogram('http_request_duration_seconds', CONVENTIONS),
];
export const GREENLANG_AGENT_NAMES: readonly CitedName[] = [{ name: AGENT_HEARTBEAT_METRIC, source: CONVENTIONS }];

/**
 * The Debian postgres_exporter is 0.11; the replication collector (default on since upstream 0.13) adds
 * `pg_replication_lag_seconds`: prometheus-community/postgres_exporter collector/pg_replication.go lines 37-41
 * (`BuildFQName(namespace, replicationSubsystem, "lag_seconds")`, registered defaultEnabled at line 26).
 */
export const POSTGRES_EXPORTER_EXTRA_NAMES: readonly CitedName[] = [
  {
    name: 'pg_replication_lag_seconds',
    source: 'prometheus-community/postgres_exporter collector/pg_replication.go:37-41',
  },
];

/**
 * kube-state-metrics 2.x as chart 5.28.0 (lib/k8s/versions.ts) ships it. Each name from its metrics docs (one table
 * row per metric, with its `STABLE`/`EXPERIMENTAL` status; all on by default, none opt-in), generated in
 * internal/store/{pod,job,node}.go. Lines are those of the docs at the stored commit; every name read here is in
 * every 2.x release.
 */
const KSM_POD = 'kubernetes/kube-state-metrics docs/metrics/workload/pod-metrics.md';
const KSM_JOB = 'kubernetes/kube-state-metrics docs/metrics/workload/job-metrics.md';
const KSM_NODE = 'kubernetes/kube-state-metrics docs/metrics/cluster/node-metrics.md';
export const KUBE_STATE_METRICS_NAMES: readonly CitedName[] = [
  { name: 'kube_pod_status_phase', source: `${KSM_POD}:13 (STABLE; label phase)` },
  { name: 'kube_pod_status_ready', source: `${KSM_POD}:15 (STABLE; label condition)` },
  { name: 'kube_pod_container_status_waiting_reason', source: `${KSM_POD}:19 (STABLE; label reason)` },
  { name: 'kube_pod_container_status_last_terminated_reason', source: `${KSM_POD}:24 (EXPERIMENTAL; label reason)` },
  { name: 'kube_pod_container_status_restarts_total', source: `${KSM_POD}:31 (STABLE counter)` },
  { name: 'kube_job_status_failed', source: `${KSM_JOB}:14 (STABLE; label reason)` },
  { name: 'kube_job_failed', source: `${KSM_JOB}:18 (STABLE; label condition)` },
  { name: 'kube_node_status_condition', source: `${KSM_NODE}:14 (STABLE; labels condition, status)` },
];

/**
 * The kubelet's own `/metrics` (EKS 1.35): the PVC volume stats collector, registered on that endpoint by
 * kubernetes/kubernetes pkg/kubelet/server/server.go; names `kubelet_` + pkg/kubelet/metrics/metrics.go
 * VolumeStats*Key. The monitor keeps only CADVISOR_METRICS / KUBELET_METRICS (lib/k8s/cluster-monitoring.ts).
 */
const KUBELET_VOLUME_STATS =
  'kubernetes/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go:30-47 (volumeStats{Capacity,Available,Used}BytesDesc, labels namespace, persistentvolumeclaim)';
export const KUBELET_NAMES: readonly CitedName[] = [
  { name: 'kubelet_volume_stats_capacity_bytes', source: KUBELET_VOLUME_STATS },
  { name: 'kubelet_volume_stats_available_bytes', source: KUBELET_VOLUME_STATS },
  { name: 'kubelet_volume_stats_used_bytes', source: KUBELET_VOLUME_STATS },
];

/**
 * The kubelet's `/metrics/cadvisor`: kubernetes/kubernetes pkg/kubelet/server/server.go registers cAdvisor's
 * metrics.NewPrometheusCollector with includedMetrics {CpuUsageMetrics, MemoryUsageMetrics, …, OOMMetrics}; the
 * names are cAdvisor's containerMetrics in google/cadvisor metrics/prometheus.go. The CFS period counters exist only
 * for containers with a CPU limit (`condition: s.Cpu.Quota != 0`).
 */
const CADVISOR = (set: string) => `google/cadvisor metrics/prometheus.go NewPrometheusCollector (${set})`;
export const CADVISOR_NAMES: readonly CitedName[] = [
  { name: 'container_cpu_usage_seconds_total', source: CADVISOR('CpuUsageMetrics') },
  { name: 'container_cpu_cfs_periods_total', source: CADVISOR('CpuUsageMetrics, containers with a CPU quota') },
  {
    name: 'container_cpu_cfs_throttled_periods_total',
    source: CADVISOR('CpuUsageMetrics, containers with a CPU quota'),
  },
  { name: 'container_memory_working_set_bytes', source: CADVISOR('MemoryUsageMetrics') },
  { name: 'container_oom_events_total', source: CADVISOR('OOMMetrics') },
];

/** The exposure of every job a monitor in lib/k8s produces. */
export const JOB_EXPOSURES: Readonly<Record<string, Exposure>> = {
  [JOBS.prometheus]: { scrape: 'prometheus' },
  [JOBS.alertmanager]: { scrape: 'alertmanager' },
  [JOBS.pushgateway]: { scrape: 'pushgateway' },
  [JOBS.postgres]: { scrape: 'postgres-exporter', cited: POSTGRES_EXPORTER_EXTRA_NAMES },
  [JOBS.redis]: { scrape: 'redis-exporter' },
  [JOBS.thanosSidecar]: { cited: THANOS_SIDECAR_NAMES },
  [JOBS.thanosQuery]: { cited: THANOS_QUERY_NAMES },
  // The frontend serves HTTP only (no Store API): its HTTP and process series.
  [JOBS.thanosQueryFrontend]: {
    cited: THANOS_QUERY_NAMES.filter((n) => n.name.startsWith('http_') || n.name.startsWith('process_')),
  },
  [JOBS.thanosStore]: { cited: THANOS_STORE_NAMES },
  [JOBS.thanosRuler]: { cited: THANOS_RULER_NAMES },
  [JOBS.kong]: { cited: KONG_NAMES },
  [JOBS.greenlangApi]: { cited: GREENLANG_API_NAMES },
  [JOBS.greenlangAgents]: { cited: GREENLANG_AGENT_NAMES },
  // The cluster runs node_exporter 1.9.1 (chart 4.45.3); the Debian binary scraped here is 1.5.0. The names read
  // (node_cpu_seconds_total, node_memory_*, node_filesystem_*) are in both.
  [CLUSTER_JOBS.nodeExporter]: { scrape: 'node-exporter' },
  [CLUSTER_JOBS.kubeStateMetrics]: { cited: KUBE_STATE_METRICS_NAMES },
  [CLUSTER_JOBS.kubelet]: { cited: KUBELET_NAMES },
  [CLUSTER_JOBS.cadvisor]: { cited: CADVISOR_NAMES },
  [JOBS.grafana]: {
    cited: [
      {
        name: 'grafana_build_info',
        source: 'grafana/grafana pkg/infra/metrics/metrics.go SetBuildInformation (Namespace ExporterName "grafana")',
      },
    ],
  },
};

/**
 * The synthetic series the rule managers write for every pending or firing alert (Prometheus and the Thanos Ruler,
 * which runs the same rules manager): prometheus/prometheus rules/alerting.go `alertMetricName = "ALERTS"`,
 * `alertForStateMetricName = "ALERTS_FOR_STATE"` (labels: the alert's own, `alertname`, `alertstate`). Not scraped
 * from any job: a target without `job`, matched by selectors that do not filter on it.
 */
export const ALERT_SERIES_NAMES: readonly CitedName[] = ['ALERTS', 'ALERTS_FOR_STATE'].map((name) => ({
  name,
  source: 'prometheus/prometheus rules/alerting.go alertMetricName / alertForStateMetricName',
}));

/**
 * What pushed groups carry (they keep their own `job`: honor_labels). The compactor's run results under
 * `job="thanos-compactor"` (lambdas/domain/compactor-metrics.ts); any batch job's group: the Pushgateway's own
 * `push_time_seconds`/`push_failure_time_seconds` (scraped from the real Pushgateway after a push) and the optional
 * interval gauge of our conventions.
 */
export const PUSHED_COMPACTOR_NAMES: readonly CitedName[] = Object.values(COMPACTOR_METRICS).map((name) => ({
  name,
  source: `lambdas/domain/compactor-metrics.ts (pushed under job="${COMPACTOR_PUSH_JOB}")`,
}));
export const PUSHED_BATCH_JOB_NAMES: readonly CitedName[] = [{ name: BATCH_JOB_INTERVAL_METRIC, source: CONVENTIONS }];
