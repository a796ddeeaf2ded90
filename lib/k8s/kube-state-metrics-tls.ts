import { MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';
import { exporterWebTlsObjects, webScrapeTlsConfig } from './web-server-tls';

/**
 * HTTPS on kube-state-metrics with its own exporter-toolkit web config: `--tls-config` (kubernetes/kube-state-metrics
 * pkg/options/options.go: "Path to the TLS configuration file"), which pkg/app/server.go hands as `WebConfigFile` to
 * BOTH its listeners, metrics (8080) and telemetry (8081), so every probe of either port is HTTPS. The same web
 * config format as Thanos' `--http.config`; a certificate from the in-cluster CA issuer; the scrape verifies
 * {@link KUBE_STATE_METRICS_SERVER_NAME} (it dials the pod IP).
 *
 * The chart renders what this needs from values: `extraArgs` before its own args, `volumes` / `volumeMounts`, and the
 * probes' `httpGet.scheme` (prometheus-community/helm-charts charts/kube-state-metrics/templates/deployment.yaml).
 */

export const KUBE_STATE_METRICS_TLS_SECRET = 'kube-state-metrics-web-tls';
export const KUBE_STATE_METRICS_WEB_CONFIG_MAP = 'kube-state-metrics-web-config';
export const KUBE_STATE_METRICS_SERVER_NAME = `kube-state-metrics.${MONITORING_NAMESPACE}.svc`;
export const KUBE_STATE_METRICS_TLS_DIR = '/etc/kube-state-metrics/tls';
const WEB_CONFIG_DIR = '/etc/kube-state-metrics/web';
export const KUBE_STATE_METRICS_WEB_CONFIG_KEY = 'web-config.yaml';

export function kubeStateMetricsTlsObjects(): KubernetesObject[] {
  return exporterWebTlsObjects({
    secretName: KUBE_STATE_METRICS_TLS_SECRET,
    serverName: KUBE_STATE_METRICS_SERVER_NAME,
    configMap: KUBE_STATE_METRICS_WEB_CONFIG_MAP,
    key: KUBE_STATE_METRICS_WEB_CONFIG_KEY,
    tlsDir: KUBE_STATE_METRICS_TLS_DIR,
  });
}

/** The chart values that serve HTTPS: the flag, the two volumes and their mounts, HTTPS probes. */
export function kubeStateMetricsTlsValues(): Record<string, unknown> {
  const https = { httpGet: { scheme: 'https' } };
  return {
    extraArgs: [`--tls-config=${WEB_CONFIG_DIR}/${KUBE_STATE_METRICS_WEB_CONFIG_KEY}`],
    volumes: [
      { name: 'web-tls', secret: { secretName: KUBE_STATE_METRICS_TLS_SECRET } },
      { name: 'web-config', configMap: { name: KUBE_STATE_METRICS_WEB_CONFIG_MAP } },
    ],
    volumeMounts: [
      { name: 'web-tls', mountPath: KUBE_STATE_METRICS_TLS_DIR, readOnly: true },
      { name: 'web-config', mountPath: WEB_CONFIG_DIR, readOnly: true },
    ],
    livenessProbe: https,
    readinessProbe: https,
    startupProbe: https,
  };
}

/** The ServiceMonitor endpoint's TLS (operator SafeTLSConfig): the CA of the exporter's secret, its one name. */
export const KUBE_STATE_METRICS_SCRAPE_TLS = {
  scheme: 'https',
  tlsConfig: webScrapeTlsConfig(KUBE_STATE_METRICS_TLS_SECRET, KUBE_STATE_METRICS_SERVER_NAME),
} as const;
