import { alertmanagerConfig, renderAlertWebhookUrl } from '../alerting/alertmanager-config';
import type { EnvironmentConfig } from '../config';
import { dashboards } from '../dashboards';
import { helmReleases, kubernetesObjects } from '../k8s';
import type { KubernetesObject } from '../k8s/types';
import { platformAddonReleases } from '../platform/addons';
import { platformKubernetesObjects } from '../platform/objects';
import { ruleFiles } from '../rules';

/** One file `npm run render` writes: a path under the output folder and its YAML documents. */
export interface RenderedFile {
  readonly path: string;
  /** One YAML document per element. */
  readonly documents: readonly unknown[];
  /** `json`: exactly one document, written as JSON (Grafana dashboards). @default 'yaml' */
  readonly format?: 'yaml' | 'json';
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');

function objectFileName(object: KubernetesObject, index: number): string {
  const order = String(index).padStart(3, '0');
  const namespace = object.metadata.namespace ? `${slug(object.metadata.namespace)}-` : '';
  return `kubernetes/${order}-${slug(object.kind)}-${namespace}${slug(object.metadata.name)}.yaml`;
}

/**
 * Everything the app applies to the cluster and its components, as files: Kubernetes objects, Helm values with
 * chart coordinates, Prometheus rule files, Grafana dashboards (JSON), the Alertmanager config. The same builders feed the stacks.
 */
export function renderPlan(config: EnvironmentConfig): RenderedFile[] {
  const files: RenderedFile[] = [...kubernetesObjects(config), ...platformKubernetesObjects(config)].map(
    (object, i) => ({
      path: objectFileName(object, i),
      documents: [object],
    }),
  );
  for (const release of [...platformAddonReleases(config), ...helmReleases(config)]) {
    files.push({ path: `helm/${release.release}/values.yaml`, documents: [release.values] });
    files.push({
      path: `helm/${release.release}/chart.yaml`,
      documents: [
        {
          release: release.release,
          namespace: release.namespace,
          repository: release.repository,
          chart: release.chart,
          version: release.version,
        },
      ],
    });
  }
  // Rule files (plain Prometheus format) and the Alertmanager config; render uses a placeholder fan-out URL.
  for (const rules of ruleFiles(config)) {
    files.push({ path: `prometheus/rules/${rules.name}.yaml`, documents: [{ groups: rules.groups }] });
  }
  // Grafana dashboards as the JSON files the ConfigMaps carry (lib/dashboards).
  for (const dashboard of dashboards(config)) {
    files.push({ path: `grafana/dashboards/${dashboard.fileName}`, documents: [dashboard.model], format: 'json' });
  }
  const alertWebhookUrl = renderAlertWebhookUrl(config.name);
  files.push({ path: 'alertmanager/alertmanager.yaml', documents: [alertmanagerConfig(config, { alertWebhookUrl })] });
  return files;
}
