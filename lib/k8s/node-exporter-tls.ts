import { MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';
import { exporterWebTlsObjects, webScrapeTlsConfig } from './web-server-tls';

/**
 * HTTPS on node-exporter (9100) with node_exporter's own exporter-toolkit web config (`--web.config.file`, the
 * format of Thanos' `--http.config`), a certificate from the in-cluster CA issuer, and the scrape verifying it.
 * node-exporter runs on the host network and is scraped at the node's IP: the certificate carries one name,
 * {@link NODE_EXPORTER_SERVER_NAME}, which the scrape verifies (`serverName`), as for Thanos.
 *
 * The chart (prometheus-node-exporter 4.45.3) renders what this needs from values: `extraArgs` appended to the
 * container's args, `configmaps` and `secrets` each mounted by name at `mountPath`, and both probes'
 * `httpGet.scheme` (prometheus-community/helm-charts charts/prometheus-node-exporter/templates/daemonset.yaml).
 */

export const NODE_EXPORTER_TLS_SECRET = 'node-exporter-web-tls';
export const NODE_EXPORTER_WEB_CONFIG_MAP = 'node-exporter-web-config';
export const NODE_EXPORTER_SERVER_NAME = `node-exporter.${MONITORING_NAMESPACE}.svc`;
export const NODE_EXPORTER_TLS_DIR = '/etc/node-exporter/tls';
export const NODE_EXPORTER_WEB_CONFIG_DIR = '/etc/node-exporter/web';
export const NODE_EXPORTER_WEB_CONFIG_KEY = 'web-config.yaml';

export function nodeExporterTlsObjects(): KubernetesObject[] {
  return exporterWebTlsObjects({
    secretName: NODE_EXPORTER_TLS_SECRET,
    serverName: NODE_EXPORTER_SERVER_NAME,
    configMap: NODE_EXPORTER_WEB_CONFIG_MAP,
    key: NODE_EXPORTER_WEB_CONFIG_KEY,
    tlsDir: NODE_EXPORTER_TLS_DIR,
  });
}

/** The chart values that serve HTTPS: the flag, both mounts (named after the ConfigMap and Secret), HTTPS probes. */
export function nodeExporterTlsValues(): Record<string, unknown> {
  return {
    extraArgs: [`--web.config.file=${NODE_EXPORTER_WEB_CONFIG_DIR}/${NODE_EXPORTER_WEB_CONFIG_KEY}`],
    configmaps: [{ name: NODE_EXPORTER_WEB_CONFIG_MAP, mountPath: NODE_EXPORTER_WEB_CONFIG_DIR }],
    secrets: [{ name: NODE_EXPORTER_TLS_SECRET, mountPath: NODE_EXPORTER_TLS_DIR }],
    livenessProbe: { httpGet: { scheme: 'https' } },
    readinessProbe: { httpGet: { scheme: 'https' } },
  };
}

/** The ServiceMonitor endpoint's TLS (operator SafeTLSConfig): the CA of the exporter's secret, its one name. */
export const NODE_EXPORTER_SCRAPE_TLS = {
  scheme: 'https',
  tlsConfig: webScrapeTlsConfig(NODE_EXPORTER_TLS_SECRET, NODE_EXPORTER_SERVER_NAME),
} as const;
