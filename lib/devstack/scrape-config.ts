import { jobRelabelings, scrapeJobName, toRelabelConfig } from '../contract/operator-jobs';
import type { RelabelConfig } from '../contract/relabel';
import type { KubernetesObject } from '../k8s/types';

/**
 * The local loop's scrape configuration, derived from the monitors the cluster renders (lib/k8s/monitors.ts): for
 * each monitor with a local stand-in target, the scrape config prometheus-operator would generate for it, with the
 * same `job_name` and the same job relabelings, so local series carry the cluster's `job`, `namespace`, `pod` (and
 * `service`) labels and the rules see exactly what they see in the cluster.
 *
 * Static targets stand in for Kubernetes service discovery: each carries the meta labels discovery would set
 * (`__meta_kubernetes_namespace`, `__meta_kubernetes_pod_name`, `__meta_kubernetes_service_name`), which the
 * operator's relabelings turn into target labels (pkg/prometheus/promcfg.go).
 */

/** One local process standing in for a pod a monitor selects. */
export interface LocalTarget {
  /** `host:port` on loopback. */
  readonly address: string;
  /** The pod it stands in for (e.g. `alertmanager-greenlang-1`): the `pod` label the rules group by. */
  readonly pod: string;
  /** For ServiceMonitors: the Service name discovery would report. @default the monitor's name */
  readonly service?: string;
}

export interface ScrapeConfig {
  readonly job_name: string;
  readonly honor_labels: boolean;
  readonly metrics_path: string;
  readonly static_configs: readonly { targets: string[]; labels: Record<string, string> }[];
  readonly relabel_configs: readonly RelabelConfig[];
  readonly metric_relabel_configs: readonly RelabelConfig[];
  /** The endpoint's `basicAuth`, its secrets' values written inline as the operator writes them. */
  readonly basic_auth?: { readonly username: string; readonly password: string };
}

interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
}

interface Endpoint {
  readonly path?: string;
  readonly honorLabels?: boolean;
  readonly metricRelabelings?: readonly Record<string, unknown>[];
  readonly basicAuth?: { readonly username: SecretKeySelector; readonly password: SecretKeySelector };
}

/** Kubernetes secrets of the monitors' namespace as the local loop holds them: name → key → value. */
export type LocalSecrets = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Scrape configs for the monitors in `objects` that have local targets (`targets` by monitor name). Throws when a
 * local target names a monitor the cluster does not render: the local loop may only scrape what the cluster does.
 */
export function localScrapeConfigs(
  objects: readonly KubernetesObject[],
  targets: Readonly<Record<string, readonly LocalTarget[]>>,
  secrets: LocalSecrets = {},
): ScrapeConfig[] {
  const secretValue = (monitor: string, selector: SecretKeySelector) => {
    const value = secrets[selector.name]?.[selector.key];
    if (value === undefined) {
      throw new Error(`monitor "${monitor}": basicAuth needs secret ${selector.name} key ${selector.key}, not given`);
    }
    return value;
  };
  const monitors = new Map(
    objects
      .filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')
      .map((o) => [o.metadata.name, o] as const),
  );
  const configs: ScrapeConfig[] = [];
  for (const [name, locals] of Object.entries(targets)) {
    const monitor = monitors.get(name);
    if (!monitor)
      throw new Error(`local scrape target "${name}": no rendered ServiceMonitor or PodMonitor has that name`);
    const spec = monitor.spec as { endpoints?: Endpoint[]; podMetricsEndpoints?: Endpoint[] };
    const endpoint = (monitor.kind === 'PodMonitor' ? spec.podMetricsEndpoints : spec.endpoints)?.[0];
    if (!endpoint) throw new Error(`${monitor.kind} ${name} has no endpoint`);
    const namespace = monitor.metadata.namespace ?? 'default';
    const discovery: RelabelConfig[] = [
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      ...(monitor.kind === 'ServiceMonitor'
        ? [{ source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' }]
        : []),
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ];
    configs.push({
      job_name: scrapeJobName(monitor, 0),
      honor_labels: endpoint.honorLabels === true,
      metrics_path: endpoint.path ?? '/metrics',
      static_configs: locals.map((t) => ({
        targets: [t.address],
        labels: {
          __meta_kubernetes_namespace: namespace,
          __meta_kubernetes_pod_name: t.pod,
          ...(monitor.kind === 'ServiceMonitor' ? { __meta_kubernetes_service_name: t.service ?? name } : {}),
        },
      })),
      relabel_configs: [...discovery, ...jobRelabelings(monitor, 0)],
      // As the operator writes them (pkg/prometheus/promcfg.go): the Pushgateway's replica label, kept metrics.
      metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(toRelabelConfig),
      ...(endpoint.basicAuth
        ? {
            basic_auth: {
              username: secretValue(name, endpoint.basicAuth.username),
              password: secretValue(name, endpoint.basicAuth.password),
            },
          }
        : {}),
    });
  }
  return configs;
}
