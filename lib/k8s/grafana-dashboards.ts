import type { EnvironmentConfig } from '../config';
import { dashboardJson, dashboards } from '../dashboards';
import { componentLabels } from './common';
import { MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/** Where the dashboard ConfigMaps are mounted (one projected volume) and the file provider reads them. */
export const GRAFANA_DASHBOARDS_DIR = '/etc/grafana/dashboards';

/** The folder the provisioned dashboards appear in. */
export const GRAFANA_DASHBOARD_FOLDER = 'GreenLang';

/** ConfigMap of one dashboard (one per dashboard keeps each far below the 1 MiB ConfigMap limit). */
export function dashboardConfigMapName(uid: string): string {
  return `grafana-dashboard-${uid.replace(/^greenlang-/, '')}`;
}

/**
 * Grafana's dashboard provider (provisioning/dashboards/*.yaml): files under {@link GRAFANA_DASHBOARDS_DIR},
 * read-only in the UI (changes go through code), re-read every minute so a ConfigMap update needs no restart.
 */
export function grafanaDashboardProvider() {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'greenlang',
        orgId: 1,
        folder: GRAFANA_DASHBOARD_FOLDER,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  };
}

/** One ConfigMap per dashboard, key `<uid>.json` (the file the provider reads). */
export function grafanaDashboardConfigMaps(config: EnvironmentConfig): KubernetesObject[] {
  const labels = componentLabels('grafana', 'grafana');
  return dashboards(config).map((dashboard) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: dashboardConfigMapName(dashboard.uid),
      namespace: MONITORING_NAMESPACE,
      labels: { ...labels, 'grafana.greenlang.io/dashboard': 'true' },
    },
    data: { [dashboard.fileName]: dashboardJson(dashboard) },
  }));
}

/** The projected volume that puts every dashboard ConfigMap into one folder. */
export function grafanaDashboardsVolume(config: EnvironmentConfig): Record<string, unknown> {
  return {
    name: 'dashboards',
    projected: {
      sources: dashboards(config).map((d) => ({ configMap: { name: dashboardConfigMapName(d.uid) } })),
    },
  };
}
