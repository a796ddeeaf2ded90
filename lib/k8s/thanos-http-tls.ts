import { stringify } from 'yaml';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { THANOS_HTTP_SERVER_NAME, THANOS_TLS_FILES, type ThanosTlsComponent, thanosTlsSecret } from './thanos-tls';
import type { KubernetesObject } from './types';

/**
 * HTTPS on the Thanos components' HTTP ports (`--http.config`, thanos-io/thanos cmd/thanos/config.go `httpConfig`:
 * "[EXPERIMENTAL] Path to the configuration file that can enable TLS or authentication for all HTTP endpoints";
 * the file is exporter-toolkit's web config, the same format as Prometheus' `--web.config.file`, re-read on every
 * request so that cert-manager's renewals are picked up without a restart: docs/operating/https.md).
 *
 * Each component serves with the certificate it already holds for gRPC (thanos-tls.ts), mounted at the same path
 * in every component, so ONE config file serves all of them. Clients verify {@link THANOS_HTTP_SERVER_NAME}, which
 * every component certificate carries: like gRPC, the scrapes dial pod IPs and cannot verify the address dialled.
 */

export { THANOS_HTTP_SERVER_NAME };

/** The ConfigMap holding the web config, and where it is mounted. */
export const THANOS_HTTP_CONFIG = {
  configMap: 'thanos-http-config',
  key: 'http-config.yaml',
  dir: '/etc/thanos/http',
  volume: 'thanos-http-config',
} as const;
export const THANOS_HTTP_CONFIG_FILE = `${THANOS_HTTP_CONFIG.dir}/${THANOS_HTTP_CONFIG.key}`;

/**
 * The web config: serve TLS with the component's own certificate (no client certificates asked for), over
 * HTTP/1.1 only. exporter-toolkit offers HTTP/2 unless told otherwise (web/tls_config.go: `HTTPConfig{HTTP2: true}`
 * by default; `Serve` drops h2 from `TLSNextProto` only when it is false), and the clients of these servers take it:
 * the query-frontend's downstream transport (`ForceAttemptHTTP2: true`) and the Ruler's
 * (pkg/httpconfig/http.go: `http2.ConfigureTransport`). Over HTTP/2 a client sends every request down one
 * connection, and a ClusterIP Service (or an NLB) balances connections, not requests: each frontend pod would
 * query one Query pod, whatever the autoscaler adds. Over HTTP/1.1 the frontend's pool of idle connections
 * (`max_idle_conns_per_host`, thanos-query.ts) spreads across the pods. Read at start (not on the fly).
 */
export function thanosHttpServerConfig(files: { cert: string; key: string } = THANOS_TLS_FILES) {
  return {
    tls_server_config: { cert_file: files.cert, key_file: files.key, min_version: 'TLS12' },
    http_server_config: { http2: false },
  };
}

export function thanosHttpConfigMap(): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: THANOS_HTTP_CONFIG.configMap,
      namespace: MONITORING_NAMESPACE,
      labels: commonLabels('thanos-tls'),
    },
    data: { [THANOS_HTTP_CONFIG.key]: stringify(thanosHttpServerConfig()) },
  };
}

/** The flag that turns a Thanos component's HTTP port to HTTPS. */
export function httpServerTlsArgs(): string[] {
  return [`--http.config=${THANOS_HTTP_CONFIG_FILE}`];
}

export const THANOS_HTTP_CONFIG_VOLUME = {
  name: THANOS_HTTP_CONFIG.volume,
  configMap: { name: THANOS_HTTP_CONFIG.configMap },
} as const;
export const THANOS_HTTP_CONFIG_VOLUME_MOUNT = {
  name: THANOS_HTTP_CONFIG.volume,
  mountPath: THANOS_HTTP_CONFIG.dir,
  readOnly: true,
} as const;

/**
 * A Thanos HTTP client's TLS settings in Thanos' own config files (`tls_config` of pkg/exthttp `TLSConfig`:
 * `ca_file`, `cert_file`, `key_file`, `server_name`, `insecure_skip_verify`), verifying with the CA at `caFile`.
 */
export function thanosHttpClientTlsConfig(caFile: string = THANOS_TLS_FILES.ca) {
  return { ca_file: caFile, server_name: THANOS_HTTP_SERVER_NAME };
}

/**
 * The operator's client TLS settings (ServiceMonitor/PodMonitor `tlsConfig`, a SafeTLSConfig) for a Thanos HTTPS
 * port: the CA from any component's certificate secret in the monitoring namespace (one CA signs them all).
 */
export function thanosHttpScrapeTlsConfig(component: ThanosTlsComponent): Record<string, unknown> {
  return { ca: { secret: { name: thanosTlsSecret(component), key: 'ca.crt' } }, serverName: THANOS_HTTP_SERVER_NAME };
}

/**
 * A volume with ONLY the CA certificate of a component's secret (for a client that needs to verify and holds no
 * certificate of its own: the query-frontend). Mounted at {@link THANOS_CA_DIR}.
 */
export const THANOS_CA_DIR = '/etc/thanos/ca';
export const THANOS_CA_FILE = `${THANOS_CA_DIR}/ca.crt`;
export function thanosCaVolume(component: ThanosTlsComponent): Record<string, unknown> {
  return {
    name: 'thanos-ca',
    secret: { secretName: thanosTlsSecret(component), items: [{ key: 'ca.crt', path: 'ca.crt' }] },
  };
}
export const THANOS_CA_VOLUME_MOUNT = { name: 'thanos-ca', mountPath: THANOS_CA_DIR, readOnly: true } as const;
