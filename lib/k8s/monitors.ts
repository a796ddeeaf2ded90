import type { EnvironmentConfig } from '../config';
import { JOBS } from '../rules/conventions';
import { KONG_SERVICE_LABEL } from '../rules/kong';
import { ALERTMANAGER_CLIENT_TLS_CONFIG, ALERTMANAGER_POD_SELECTOR } from './alertmanager';
import { NOT_AN_NLB_SERVICE, PORTS, selectorLabels } from './common';
import { GRAFANA } from './grafana';
import { GRAFANA_SCRAPE_TLS_CONFIG } from './grafana-tls';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { PROMETHEUS_CLIENT_TLS_CONFIG, PROMETHEUS_POD_SELECTOR } from './prometheus';
import type { OperatorRelabeling } from './pushgateway-dedup';
import { QUERY_FRONTEND_SCRAPE_TLS_CONFIG } from './query-frontend-tls';
import { thanosHttpScrapeTlsConfig } from './thanos-http-tls';
import { THANOS_QUERY, THANOS_QUERY_FRONTEND } from './thanos-query';
import { THANOS_RULER_CLIENT_TLS_CONFIG, THANOS_RULER_POD_SELECTOR } from './thanos-ruler';
import { THANOS_STORE } from './thanos-store';
import type { KubernetesObject } from './types';

/**
 * Every scrape target as data: which pods or Services, which port, and the `job` it gets. prometheus-operator
 * would name the job after the Service (ServiceMonitor) or `<namespace>/<name>` (PodMonitor)
 * (pkg/prometheus/promcfg.go; lib/contract/operator-jobs.ts); each monitor here sets it explicitly with a
 * relabeling to the conventions' name (lib/rules/conventions.ts `JOBS`), so the rules never depend on a Service
 * name someone else chooses. The local loop (lib/devstack/scrape-config.ts) scrapes with the same job names.
 *
 * Label contract for application teams (docs/metrics-conventions.md): workloads carry the labels below and expose
 * metrics on a port NAMED `metrics`; the exporters are selected by their upstream chart names and scraped on their
 * well-known container ports (9187, 9121).
 */
export interface ScrapeTarget {
  /** The monitor's name. */
  readonly name: string;
  readonly kind: 'ServiceMonitor' | 'PodMonitor';
  /** The `job` every series of this target carries (set by relabeling). */
  readonly job: string;
  readonly matchLabels: Readonly<Record<string, string>>;
  /** Only Services in the monitoring namespace that are not an internal NLB (the stack's own components). */
  readonly own?: boolean;
  /** A named port (service port for ServiceMonitors, container port for PodMonitors)... */
  readonly port?: string;
  /** ...or the container's port number. */
  readonly targetPort?: number;
  readonly path?: string;
  /** Keep the scraped `job`/`instance` (the Pushgateway: pushed groups keep their own job). */
  readonly honorLabels?: boolean;
  /** Scrape over HTTPS, verifying with these operator TLS settings (SafeTLSConfig). @default plain HTTP */
  readonly tlsConfig?: Readonly<Record<string, unknown>>;
  /** Relabelings of every scraped series, applied after the target labels and honor_labels. @default none */
  readonly metricRelabelings?: readonly OperatorRelabeling[];
}

export const METRICS_PORT_NAME = 'metrics';

/**
 * Kong's own `service` label kept as {@link KONG_SERVICE_LABEL}. Every ServiceMonitor target gets the target label
 * `service` = the Kubernetes Service's name (prometheus-operator pkg/prometheus/promcfg.go,
 * generateServiceMonitorConfig: `__meta_kubernetes_service_name` → `service`), and without honor_labels
 * Prometheus sets the target's labels on each series and moves a conflicting exposed label to `exported_<name>`
 * BEFORE metric_relabel_configs run (prometheus/prometheus scrape/scrape.go@0008cbee `mutateSampleLabels`:
 * target labels, then `resolveConflictingExposedLabels`, then `relabel.ProcessBuilder` with the metric relabel
 * configs). So the Kong service a request went to arrives here as `exported_service`, and `service` holds e.g.
 * `kong-proxy` for every series (checked with Prometheus 2.42, test/integration/kong-service-label.test.ts).
 * honor_labels is no way out: `service` would then mean the Kong service on the request series and the Kubernetes
 * Service on all others, and an exposed `job` or `instance` would win over the target's too.
 */
export const KONG_METRIC_RELABELINGS: readonly OperatorRelabeling[] = [
  { action: 'replace', sourceLabels: ['exported_service'], targetLabel: KONG_SERVICE_LABEL },
  { action: 'labeldrop', regex: 'exported_service' },
];

/** The applications the seed lists: the GreenLang API, 47+ agents, Kong, PostgreSQL and Redis exporters. */
export const SCRAPE_TARGETS: readonly ScrapeTarget[] = [
  {
    name: 'greenlang-api',
    kind: 'ServiceMonitor',
    job: JOBS.greenlangApi,
    matchLabels: { 'app.kubernetes.io/name': 'greenlang-api' },
    port: METRICS_PORT_NAME,
  },
  // 47+ agents, each its own workload: one PodMonitor on the shared label instead of one monitor per agent.
  {
    name: 'greenlang-agents',
    kind: 'PodMonitor',
    job: JOBS.greenlangAgents,
    matchLabels: { 'greenlang.io/component': 'agent' },
    port: METRICS_PORT_NAME,
  },
  {
    name: 'kong',
    kind: 'ServiceMonitor',
    job: JOBS.kong,
    matchLabels: { 'app.kubernetes.io/name': 'kong' },
    port: METRICS_PORT_NAME,
    metricRelabelings: KONG_METRIC_RELABELINGS,
  },
  {
    name: 'postgres-exporter',
    kind: 'ServiceMonitor',
    job: JOBS.postgres,
    matchLabels: { 'app.kubernetes.io/name': 'prometheus-postgres-exporter' },
    targetPort: 9187,
  },
  {
    name: 'redis-exporter',
    kind: 'ServiceMonitor',
    job: JOBS.redis,
    matchLabels: { 'app.kubernetes.io/name': 'prometheus-redis-exporter' },
    targetPort: 9121,
  },
];

/**
 * The stack watching itself. Prometheus, its Thanos sidecar (HTTP 10902 in the same pods), the Ruler and
 * Alertmanager are operator-managed pods: PodMonitors on the pod labels the operator sets, the sidecar and Ruler by
 * port number (the operator names their HTTP container port `http`; pkg/prometheus/statefulset.go,
 * pkg/thanos/statefulset.go). Query, Query frontend, Store and Grafana: ServiceMonitors on their own Services.
 * Every HTTPS port is scraped with `scheme: https` and the CA and server name of its certificate (docs/deploy.md,
 * "TLS").
 */
export const SELF_MONITORING_TARGETS: readonly ScrapeTarget[] = [
  {
    name: 'prometheus',
    kind: 'PodMonitor',
    job: JOBS.prometheus,
    matchLabels: { ...PROMETHEUS_POD_SELECTOR },
    // The Prometheus CR's `portName` (lib/k8s/prometheus.ts). Web TLS: scraped with the CA of its certificate.
    port: 'http-web',
    tlsConfig: PROMETHEUS_CLIENT_TLS_CONFIG,
  },
  {
    name: 'thanos-sidecar',
    kind: 'PodMonitor',
    job: JOBS.thanosSidecar,
    matchLabels: { ...PROMETHEUS_POD_SELECTOR },
    targetPort: PORTS.thanosHttp,
    // Thanos HTTP TLS (lib/k8s/thanos-http-tls.ts) with the sidecar's own certificate.
    tlsConfig: thanosHttpScrapeTlsConfig('sidecar'),
  },
  {
    name: 'thanos-ruler',
    kind: 'PodMonitor',
    job: JOBS.thanosRuler,
    matchLabels: { ...THANOS_RULER_POD_SELECTOR },
    targetPort: PORTS.thanosHttp,
    // The Ruler's web TLS (operator `web.tlsConfig`).
    tlsConfig: THANOS_RULER_CLIENT_TLS_CONFIG,
  },
  {
    name: 'alertmanager',
    kind: 'PodMonitor',
    job: JOBS.alertmanager,
    matchLabels: { ...ALERTMANAGER_POD_SELECTOR },
    // Alertmanager serves HTTPS (web TLS): scraped with the CA of its certificate.
    tlsConfig: ALERTMANAGER_CLIENT_TLS_CONFIG,
    targetPort: PORTS.alertmanagerHttp,
  },
  {
    name: THANOS_QUERY,
    kind: 'ServiceMonitor',
    job: JOBS.thanosQuery,
    matchLabels: selectorLabels(THANOS_QUERY),
    own: true,
    port: 'http',
    tlsConfig: thanosHttpScrapeTlsConfig('query'),
  },
  {
    name: THANOS_QUERY_FRONTEND,
    kind: 'ServiceMonitor',
    job: JOBS.thanosQueryFrontend,
    matchLabels: selectorLabels(THANOS_QUERY_FRONTEND),
    own: true,
    port: 'http',
    // HTTPS with its own certificate (lib/k8s/query-frontend-tls.ts).
    tlsConfig: QUERY_FRONTEND_SCRAPE_TLS_CONFIG,
  },
  {
    name: THANOS_STORE,
    kind: 'ServiceMonitor',
    job: JOBS.thanosStore,
    matchLabels: selectorLabels(THANOS_STORE),
    own: true,
    port: 'http',
    tlsConfig: thanosHttpScrapeTlsConfig('store'),
  },
  {
    name: GRAFANA,
    kind: 'ServiceMonitor',
    job: JOBS.grafana,
    matchLabels: selectorLabels(GRAFANA),
    own: true,
    port: 'https',
    // HTTPS in the pod (lib/k8s/grafana-tls.ts).
    tlsConfig: GRAFANA_SCRAPE_TLS_CONFIG,
  },
];

/** The endpoint relabeling that sets `job` (after the operator's own job steps, so it wins). */
export function jobRelabeling(job: string): Record<string, unknown> {
  return { action: 'replace', targetLabel: 'job', replacement: job };
}

function endpoint(target: ScrapeTarget, interval: string): Record<string, unknown> {
  return {
    ...(target.port ? { port: target.port } : { targetPort: target.targetPort }),
    path: target.path ?? '/metrics',
    interval,
    ...(target.honorLabels ? { honorLabels: true } : {}),
    ...(target.tlsConfig ? { scheme: 'https', tlsConfig: { ...target.tlsConfig } } : {}),
    relabelings: [jobRelabeling(target.job)],
    ...(target.metricRelabelings ? { metricRelabelings: target.metricRelabelings.map((r) => ({ ...r })) } : {}),
  };
}

/** The ServiceMonitor or PodMonitor of one scrape target. */
export function scrapeTargetMonitor(target: ScrapeTarget, interval: string): KubernetesObject {
  const selector = {
    matchLabels: { ...target.matchLabels },
    ...(target.own && target.kind === 'ServiceMonitor' ? { matchExpressions: [{ ...NOT_AN_NLB_SERVICE }] } : {}),
  };
  const inMonitoring = target.own || SELF_MONITORING_TARGETS.includes(target);
  const spec = {
    selector,
    namespaceSelector: inMonitoring ? { matchNames: [MONITORING_NAMESPACE] } : { any: true },
    ...(target.kind === 'ServiceMonitor'
      ? { endpoints: [endpoint(target, interval)] }
      : { podMetricsEndpoints: [endpoint(target, interval)] }),
  };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: target.kind,
    metadata: {
      name: target.name,
      namespace: MONITORING_NAMESPACE,
      labels: commonLabels(inMonitoring ? 'self-monitoring' : 'scrape-targets'),
    },
    spec,
  };
}

/** ServiceMonitors/PodMonitors for the applications and for the stack's own components (Pushgateway: its file). */
export function monitorObjects(config: EnvironmentConfig): KubernetesObject[] {
  const interval = config.sizing.prometheus.scrapeInterval;
  return [...SCRAPE_TARGETS, ...SELF_MONITORING_TARGETS].map((t) => scrapeTargetMonitor(t, interval));
}
