import type { EnvironmentConfig } from '../config';
import { ALERTMANAGER_CLIENT_TLS_CONFIG, ALERTMANAGER_SERVICE } from './alertmanager';
import { NOT_AN_NLB_SERVICE, THANOS_PART_OF } from './common';
import { GRAFANA } from './grafana';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/**
 * The seed's scrape targets. Label convention for application teams (also what the scrape NetworkPolicy template
 * opens): workloads carry the labels below and expose metrics on a port NAMED `metrics`; the exporters are
 * selected by their upstream chart names and scraped on their well-known container ports (9187, 9121).
 */
export interface ScrapeTarget {
  readonly name: string;
  readonly kind: 'ServiceMonitor' | 'PodMonitor';
  readonly matchLabels: Readonly<Record<string, string>>;
  /** A named port (service port for ServiceMonitors, container port for PodMonitors)... */
  readonly port?: string;
  /** ...or the container's port number. */
  readonly targetPort?: number;
  readonly path?: string;
}

export const METRICS_PORT_NAME = 'metrics';

export const SCRAPE_TARGETS: readonly ScrapeTarget[] = [
  {
    name: 'greenlang-api',
    kind: 'ServiceMonitor',
    matchLabels: { 'app.kubernetes.io/name': 'greenlang-api' },
    port: METRICS_PORT_NAME,
  },
  // 47+ agents, each its own workload: one PodMonitor on the shared label instead of one monitor per agent.
  {
    name: 'greenlang-agents',
    kind: 'PodMonitor',
    matchLabels: { 'greenlang.io/component': 'agent' },
    port: METRICS_PORT_NAME,
  },
  { name: 'kong', kind: 'ServiceMonitor', matchLabels: { 'app.kubernetes.io/name': 'kong' }, port: METRICS_PORT_NAME },
  {
    name: 'postgres-exporter',
    kind: 'ServiceMonitor',
    matchLabels: { 'app.kubernetes.io/name': 'prometheus-postgres-exporter' },
    targetPort: 9187,
  },
  {
    name: 'redis-exporter',
    kind: 'ServiceMonitor',
    matchLabels: { 'app.kubernetes.io/name': 'prometheus-redis-exporter' },
    targetPort: 9121,
  },
];

function endpoint(target: ScrapeTarget, interval: string): Record<string, unknown> {
  return {
    ...(target.port ? { port: target.port } : { targetPort: target.targetPort }),
    path: target.path ?? '/metrics',
    interval,
  };
}

/** A monitor for one scrape target, selecting across every namespace. */
export function scrapeTargetMonitor(target: ScrapeTarget, interval: string): KubernetesObject {
  const spec = {
    selector: { matchLabels: { ...target.matchLabels } },
    namespaceSelector: { any: true },
    ...(target.kind === 'ServiceMonitor'
      ? { endpoints: [endpoint(target, interval)] }
      : { podMetricsEndpoints: [endpoint(target, interval)] }),
  };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: target.kind,
    metadata: { name: target.name, namespace: MONITORING_NAMESPACE, labels: commonLabels('scrape-targets') },
    spec,
  };
}

/** ServiceMonitors/PodMonitors for the applications and for the stack's own components. */
export function monitorObjects(config: EnvironmentConfig): KubernetesObject[] {
  const interval = config.sizing.prometheus.scrapeInterval;
  const own = (
    name: string,
    matchLabels: Record<string, string>,
    port: string,
    tls?: Record<string, unknown>,
  ): KubernetesObject => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: commonLabels('self-monitoring') },
    spec: {
      selector: { matchLabels, matchExpressions: [{ ...NOT_AN_NLB_SERVICE }] },
      namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
      endpoints: [{ port, interval, ...(tls ? { scheme: 'https', tlsConfig: tls } : {}) }],
    },
  });
  return [
    ...SCRAPE_TARGETS.map((t) => scrapeTargetMonitor(t, interval)),
    // Thanos query, query-frontend and store gateway services (their HTTP port is named `http`).
    own('thanos', { ...THANOS_PART_OF }, 'http'),
    // Alertmanager serves HTTPS (web TLS): scraped with the CA of its certificate.
    own(ALERTMANAGER_SERVICE, { 'operated-alertmanager': 'true' }, 'web', { ...ALERTMANAGER_CLIENT_TLS_CONFIG }),
    own(GRAFANA, { 'app.kubernetes.io/name': GRAFANA }, 'http'),
  ];
}
