import type { KubernetesObject } from '../k8s/types';
import { type Labels, type RelabelConfig, relabel } from './relabel';

/**
 * The `job` a ServiceMonitor or PodMonitor gives its targets, computed the way prometheus-operator generates the
 * scrape configuration (pkg/prometheus/promcfg.go, generateServiceMonitorConfig / generatePodMonitorConfig; the
 * blocks are kept in test/fixtures/prometheus-operator/promcfg-job-relabelings.go.txt):
 *
 * 1. Prometheus starts every target with `job` = the scrape config's `job_name`, and the operator first copies it
 *    to `__tmp_prometheus_job_name` (initRelabelings).
 * 2. ServiceMonitor: `job` = `__meta_kubernetes_service_name` (the **Service's name**).
 *    PodMonitor: `job` = `<namespace>/<PodMonitor name>`.
 * 3. With `spec.jobLabel`: the value of that Service (or Pod) label, if set and non-empty.
 * 4. Then the scrape class relabelings (none here) and the endpoint's `relabelings`: a relabeling that sets `job`
 *    wins. A `metricRelabelings` step that sets `job` changes it on the scraped series (not on `up`).
 */

/** `sanitizeLabelName` of promcfg.go: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** A CRD RelabelConfig (camelCase) as the operator writes it to the Prometheus configuration. */
export function toRelabelConfig(crd: Readonly<Record<string, unknown>>): RelabelConfig {
  const out: Record<string, unknown> = {};
  if (crd.sourceLabels !== undefined) out.source_labels = crd.sourceLabels;
  if (crd.separator !== undefined) out.separator = crd.separator;
  if (crd.targetLabel !== undefined) out.target_label = crd.targetLabel;
  if (crd.regex !== undefined) out.regex = crd.regex;
  if (crd.modulus !== undefined) out.modulus = crd.modulus;
  if (crd.replacement !== undefined) out.replacement = crd.replacement;
  if (crd.action !== undefined) out.action = String(crd.action).toLowerCase();
  return out as RelabelConfig;
}

type MonitorKind = 'ServiceMonitor' | 'PodMonitor';

/** Go's regexp expansion of the first group, as the operator writes it (a Prometheus `replacement`, not a JS template). */
const FIRST_GROUP = '$' + '{1}';

interface MonitorSpec {
  readonly jobLabel?: string;
  readonly endpoints?: readonly Record<string, unknown>[];
  readonly podMetricsEndpoints?: readonly Record<string, unknown>[];
}

function endpointsOf(monitor: KubernetesObject): readonly Record<string, unknown>[] {
  const spec = monitor.spec as MonitorSpec;
  return (monitor.kind === 'PodMonitor' ? spec.podMetricsEndpoints : spec.endpoints) ?? [];
}

/** The job-deciding relabel steps the operator generates for endpoint `index` of `monitor`, in order. */
export function jobRelabelings(monitor: KubernetesObject, index: number): RelabelConfig[] {
  const kind = monitor.kind as MonitorKind;
  const spec = monitor.spec as MonitorSpec;
  const endpoint = endpointsOf(monitor)[index];
  if (!endpoint) throw new Error(`${kind} ${monitor.metadata.name} has no endpoint ${index}`);
  const steps: RelabelConfig[] = [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }];
  if (kind === 'ServiceMonitor') {
    steps.push({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: FIRST_GROUP });
  } else {
    steps.push({ target_label: 'job', replacement: `${monitor.metadata.namespace}/${monitor.metadata.name}` });
  }
  if (spec.jobLabel) {
    const meta = kind === 'ServiceMonitor' ? '__meta_kubernetes_service_label_' : '__meta_kubernetes_pod_label_';
    steps.push({
      source_labels: [meta + sanitizeLabelName(spec.jobLabel)],
      target_label: 'job',
      regex: '(.+)',
      replacement: FIRST_GROUP,
    });
  }
  const relabelings = (endpoint.relabelings ?? []) as Record<string, unknown>[];
  return [...steps, ...relabelings.map(toRelabelConfig)];
}

/** The `job_name` the operator gives the scrape config of endpoint `index`. */
export function scrapeJobName(monitor: KubernetesObject, index: number): string {
  const prefix = monitor.kind === 'PodMonitor' ? 'podMonitor' : 'serviceMonitor';
  return `${prefix}/${monitor.metadata.namespace}/${monitor.metadata.name}/${index}`;
}

/** What service discovery sees of one target: the Service (ServiceMonitor) or Pod (both) and their labels. */
export interface DiscoveredTarget {
  readonly namespace: string;
  readonly serviceName?: string;
  readonly serviceLabels?: Readonly<Record<string, string>>;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The meta labels Kubernetes service discovery gives such a target (the ones the job steps read). */
export function metaLabels(target: DiscoveredTarget): Labels {
  const labels: Labels = { __meta_kubernetes_namespace: target.namespace };
  if (target.serviceName !== undefined) labels.__meta_kubernetes_service_name = target.serviceName;
  for (const [k, v] of Object.entries(target.serviceLabels ?? {})) {
    labels[`__meta_kubernetes_service_label_${sanitizeLabelName(k)}`] = v;
    labels[`__meta_kubernetes_service_labelpresent_${sanitizeLabelName(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(target.podLabels ?? {})) {
    labels[`__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`] = v;
    labels[`__meta_kubernetes_pod_labelpresent_${sanitizeLabelName(k)}`] = 'true';
  }
  return labels;
}

/**
 * The `job` of a target of endpoint `index` of `monitor`: on `up` (`target`) and on the scraped series
 * (`series`, after `metricRelabelings`). `undefined` when the label ends up empty (removed).
 */
export function targetJob(
  monitor: KubernetesObject,
  index: number,
  discovered: DiscoveredTarget,
): { target: string | undefined; series: string | undefined } {
  const initial = { ...metaLabels(discovered), job: scrapeJobName(monitor, index) };
  const labels = relabel(initial, jobRelabelings(monitor, index));
  if (!labels) throw new Error(`${monitor.metadata.name}: the job relabelings dropped the target`);
  const metricSteps = ((endpointsOf(monitor)[index]?.metricRelabelings ?? []) as Record<string, unknown>[]).map(
    toRelabelConfig,
  );
  const jobOnly = metricSteps.filter((s) => s.target_label === 'job');
  const series = relabel(labels.job === undefined ? {} : { job: labels.job }, jobOnly);
  return { target: labels.job, series: series?.job };
}

/** Placeholder Service name for ServiceMonitors whose Services are not rendered here (application teams' own). */
export const UNKNOWN_SERVICE = '<a Service name chosen by its owner>';

function selects(selector: Record<string, unknown> | undefined, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = (selector?.matchLabels ?? {}) as Record<string, string>;
  const expressions = (selector?.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[];
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return expressions.every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key] as string);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key] as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** One job a rendered monitor produces. */
export interface MonitorJob {
  readonly monitor: string;
  readonly kind: MonitorKind;
  readonly endpoint: number;
  /** The job on the scraped series; `undefined` if it depends on a name this repository does not control. */
  readonly job: string | undefined;
  readonly honorLabels: boolean;
  /** The endpoint's `metricRelabelings` (Prometheus form): a `keep`/`drop` on `__name__` limits what is stored. */
  readonly metricRelabelings: readonly RelabelConfig[];
}

/**
 * Every job the rendered ServiceMonitors and PodMonitors produce. ServiceMonitors are resolved against the rendered
 * Services they select; one selecting Services not rendered here (another team's) gets {@link UNKNOWN_SERVICE}
 * as the Service name, so a job that still depends on it comes out `undefined`.
 */
export function monitorJobs(objects: readonly KubernetesObject[]): MonitorJob[] {
  const services = objects.filter((o) => o.kind === 'Service');
  const jobs: MonitorJob[] = [];
  for (const monitor of objects) {
    if (monitor.kind !== 'ServiceMonitor' && monitor.kind !== 'PodMonitor') continue;
    const spec = monitor.spec as { selector?: Record<string, unknown>; namespaceSelector?: Record<string, unknown> };
    endpointsOf(monitor).forEach((endpoint, index) => {
      const honorLabels = endpoint.honorLabels === true;
      const metricRelabelings = ((endpoint.metricRelabelings ?? []) as Record<string, unknown>[]).map(toRelabelConfig);
      const candidates: DiscoveredTarget[] =
        monitor.kind === 'PodMonitor'
          ? [
              {
                namespace: monitor.metadata.namespace ?? 'default',
                podLabels: (spec.selector?.matchLabels ?? {}) as Record<string, string>,
              },
            ]
          : services
              .filter((s) => selects(spec.selector, s.metadata.labels ?? {}))
              .map((s) => ({
                namespace: s.metadata.namespace ?? 'default',
                serviceName: s.metadata.name,
                serviceLabels: s.metadata.labels ?? {},
              }));
      if (candidates.length === 0) {
        candidates.push({
          namespace: 'any',
          serviceName: UNKNOWN_SERVICE,
          serviceLabels: (spec.selector?.matchLabels ?? {}) as Record<string, string>,
        });
      }
      for (const discovered of candidates) {
        const { series } = targetJob(monitor, index, discovered);
        const job = series === undefined || series.includes(UNKNOWN_SERVICE) ? undefined : series;
        jobs.push({
          monitor: monitor.metadata.name,
          kind: monitor.kind as MonitorKind,
          endpoint: index,
          job,
          honorLabels,
          metricRelabelings,
        });
      }
    });
  }
  return jobs;
}
