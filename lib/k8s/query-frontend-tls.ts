import { serviceHost } from './common';
import { MONITORING_NAMESPACE } from './namespace';
import { THANOS_HTTP_CONFIG } from './thanos-http-tls';
import { webServerCertificate } from './thanos-tls';
import type { KubernetesObject } from './types';
import { webConfigMap, webScrapeTlsConfig } from './web-server-tls';

/**
 * HTTPS on the query-frontend's one HTTP port (9090), the same way as the other Thanos components
 * (`--http.config`, exporter-toolkit web config, thanos-http-tls.ts): thanos-io/thanos cmd/thanos/query_frontend.go
 * registers it (`cfg.http.registerFlag(cmd)`) and builds its one HTTP server, the API included, with
 * `httpserver.WithTLSConfig(cfg.http.tlsConfig)`. A server-only certificate of its own from the in-cluster CA
 * issuer: the frontend is no member of the gRPC mesh and gets no client certificate.
 *
 * Its clients: Grafana's Thanos data source (dials the Service's cluster DNS name and verifies it with the CA,
 * grafana.ts), the scrape (dials pod IPs, verifies {@link QUERY_FRONTEND_SERVER_NAME}), the kubelet probes (HTTPS,
 * never verified), and the internal NLB of the capacity report, which re-encrypts to the pod once its listener is
 * TLS and never verifies a target's certificate (docs/deploy.md, "TLS").
 */

const FRONTEND = 'thanos-query-frontend';
/** The Secret cert-manager writes the frontend's certificate to (`tls.crt`, `tls.key`, `ca.crt`). */
export const QUERY_FRONTEND_TLS_SECRET = 'thanos-query-frontend-web-tls';
/** The name the scrape verifies (it dials pod IPs); the Service's short name in the namespace. */
export const QUERY_FRONTEND_SERVER_NAME = `${FRONTEND}.${MONITORING_NAMESPACE}.svc`;
/** Where the certificate secret is mounted in the frontend container. */
export const QUERY_FRONTEND_TLS_DIR = '/etc/thanos/web-tls';
/** The frontend's web config ConfigMap, mounted where `httpServerTlsArgs()` points (same dir and key). */
export const QUERY_FRONTEND_HTTP_CONFIG_MAP = 'thanos-query-frontend-http-config';

/** The certificate: every name a client dials or verifies (the Service's short and cluster-local names). */
export function queryFrontendCertificate(): KubernetesObject {
  return webServerCertificate({
    secretName: QUERY_FRONTEND_TLS_SECRET,
    dnsNames: [QUERY_FRONTEND_SERVER_NAME, serviceHost(FRONTEND)],
  });
}

export function queryFrontendHttpConfigMap(): KubernetesObject {
  return webConfigMap({
    name: QUERY_FRONTEND_HTTP_CONFIG_MAP,
    key: THANOS_HTTP_CONFIG.key,
    tlsDir: QUERY_FRONTEND_TLS_DIR,
  });
}

/** The frontend pod's volumes and its container's mounts for serving HTTPS. */
export const QUERY_FRONTEND_TLS_VOLUMES: readonly Record<string, unknown>[] = [
  { name: 'web-tls', secret: { secretName: QUERY_FRONTEND_TLS_SECRET } },
  { name: THANOS_HTTP_CONFIG.volume, configMap: { name: QUERY_FRONTEND_HTTP_CONFIG_MAP } },
];
export const QUERY_FRONTEND_TLS_VOLUME_MOUNTS: readonly Record<string, unknown>[] = [
  { name: 'web-tls', mountPath: QUERY_FRONTEND_TLS_DIR, readOnly: true },
  { name: THANOS_HTTP_CONFIG.volume, mountPath: THANOS_HTTP_CONFIG.dir, readOnly: true },
];

/** The scrape's TLS settings (operator SafeTLSConfig): the CA of the frontend's own secret, its server name. */
export const QUERY_FRONTEND_SCRAPE_TLS_CONFIG = webScrapeTlsConfig(
  QUERY_FRONTEND_TLS_SECRET,
  QUERY_FRONTEND_SERVER_NAME,
);
