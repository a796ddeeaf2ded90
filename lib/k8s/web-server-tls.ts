import { stringify } from 'yaml';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { thanosHttpServerConfig } from './thanos-http-tls';
import { webServerCertificate } from './thanos-tls';
import type { KubernetesObject } from './types';

/**
 * What every HTTPS server holding a {@link webServerCertificate} (thanos-tls.ts) shares: the exporter-toolkit web
 * config that serves its certificate (node-exporter, kube-state-metrics, the query-frontend) and the scrape's TLS
 * settings that verify it (those three and Grafana).
 */

/**
 * A ConfigMap with one exporter-toolkit web config under `key`: serve TLS with `tls.crt` / `tls.key` of the
 * certificate secret mounted at `tlsDir` (thanosHttpServerConfig: the format of Thanos' `--http.config`,
 * Prometheus' and node_exporter's `--web.config.file`, kube-state-metrics' `--tls-config`).
 */
export function webConfigMap(props: { readonly name: string; readonly key: string; readonly tlsDir: string }) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: props.name, namespace: MONITORING_NAMESPACE, labels: commonLabels('web-tls') },
    data: {
      [props.key]: stringify(
        thanosHttpServerConfig({ cert: `${props.tlsDir}/tls.crt`, key: `${props.tlsDir}/tls.key` }),
      ),
    },
  } satisfies KubernetesObject;
}

/**
 * A ServiceMonitor/PodMonitor endpoint's TLS settings (operator SafeTLSConfig) for a server whose certificate is in
 * `secretName`: the CA of that secret (cert-manager writes `ca.crt` next to the certificate), and `serverName`, the
 * one name the scrape verifies (it dials pod or node IPs).
 */
export function webScrapeTlsConfig<S extends string, N extends string>(secretName: S, serverName: N) {
  return { ca: { secret: { name: secretName, key: 'ca.crt' as const } }, serverName } as const;
}

/**
 * An exporter serving HTTPS with its own exporter-toolkit web config: its certificate (one name, `serverName`, which
 * the scrape verifies) in `secretName`, and the web config ConfigMap pointing at that secret mounted at `tlsDir`.
 */
export function exporterWebTlsObjects(props: {
  readonly secretName: string;
  readonly serverName: string;
  readonly configMap: string;
  readonly key: string;
  readonly tlsDir: string;
}): KubernetesObject[] {
  return [
    webServerCertificate({ secretName: props.secretName, dnsNames: [props.serverName] }),
    webConfigMap({ name: props.configMap, key: props.key, tlsDir: props.tlsDir }),
  ];
}
