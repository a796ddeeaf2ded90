/**
 * The metric and label conventions the rules rely on (docs/metrics-conventions.md explains them). Every
 * ServiceMonitor and PodMonitor (lib/k8s/monitors.ts) sets `job` to one of these by relabeling, so no job depends
 * on a Service name (the operator's default) or `<namespace>/<PodMonitor>` (its PodMonitor default).
 */

/** `job` label of each scrape target. */
export const JOBS = {
  prometheus: 'prometheus',
  /** Sidecar metrics are scraped from the Prometheus pods, under their own job. */
  thanosSidecar: 'thanos-sidecar',
  thanosQuery: 'thanos-query',
  thanosQueryFrontend: 'thanos-query-frontend',
  thanosStore: 'thanos-store',
  thanosRuler: 'thanos-ruler',
  alertmanager: 'alertmanager',
  /** The Pushgateway's own metrics; pushed groups keep their own `job` (scraped with `honor_labels: true`). */
  pushgateway: 'pushgateway',
  grafana: 'grafana',
  greenlangApi: 'greenlang-api',
  greenlangAgents: 'greenlang-agents',
  kong: 'kong',
  postgres: 'postgres-exporter',
  redis: 'redis-exporter',
} as const;

/** Each GreenLang agent exposes the Unix time of its last successful heartbeat, label `agent` = agent id. */
export const AGENT_HEARTBEAT_METRIC = 'greenlang_agent_last_heartbeat_timestamp_seconds';

/** The seed: "Agents (47+)". Fewer reporting agents than this is an alert. */
export const EXPECTED_AGENTS = 47;

/**
 * A batch job that pushes to the Pushgateway may push this gauge (seconds between its runs) in its group; the
 * stale-job alert fires when its last push is older than twice that.
 */
export const BATCH_JOB_INTERVAL_METRIC = 'greenlang_batch_job_interval_seconds';

/**
 * An alert's `runbook_url`: `<base>/<page>.md#<anchor>`, where `base` is the environment's `runbookBaseUrl` (where
 * docs/runbooks/ is published) and the anchor is GitHub's for the alert name heading (`## ThanosCompactorHalted` →
 * `thanoscompactorhalted`).
 */
export function runbookUrl(baseUrl: string, page: string, alert: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${page}.md#${alert.toLowerCase()}`;
}
