import { MONITORING_NAMESPACE } from './namespace';
import { webServerCertificate } from './thanos-tls';
import type { KubernetesObject } from './types';
import { webScrapeTlsConfig } from './web-server-tls';

/**
 * HTTPS in the Grafana pod (3000), with a certificate from the in-cluster CA issuer: grafana.ini `[server]`
 * `protocol = https`, `cert_file`, `cert_key`, and `certs_watch_interval` so cert-manager's renewals are loaded
 * without a restart (grafana/grafana pkg/setting/setting.go `readServerSettings`: `CertWatchInterval =
 * server.Key("certs_watch_interval").MustDuration(0)`, cert and key read when `protocol` is `https`).
 *
 * Its clients: the load balancer people use (TLS listener with the ACM certificate, re-encrypting to the pod:
 * `backend-protocol: ssl`, grafana-endpoint.ts; the NLB does not verify the pod's certificate), the scrape
 * (verifies {@link GRAFANA_SERVER_NAME}), the kubelet probes (never verified) and `kubectl port-forward` to
 * https://localhost:3000 (the certificate names `localhost`).
 */

export const GRAFANA_TLS_SECRET = 'grafana-web-tls';
export const GRAFANA_SERVER_NAME = `grafana.${MONITORING_NAMESPACE}.svc`;
export const GRAFANA_TLS_DIR = '/etc/grafana/web-tls';
/** How often Grafana looks for a renewed certificate (renewals come 15 days before expiry). */
export const GRAFANA_CERTS_WATCH_INTERVAL = '1h';

export function grafanaCertificate(): KubernetesObject {
  return webServerCertificate({
    secretName: GRAFANA_TLS_SECRET,
    dnsNames: [GRAFANA_SERVER_NAME, `${GRAFANA_SERVER_NAME}.cluster.local`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}

/** The `[server]` keys that serve HTTPS. */
export function grafanaServerTlsIni(): Record<string, string> {
  return {
    protocol: 'https',
    cert_file: `${GRAFANA_TLS_DIR}/tls.crt`,
    cert_key: `${GRAFANA_TLS_DIR}/tls.key`,
    certs_watch_interval: GRAFANA_CERTS_WATCH_INTERVAL,
  };
}

export const GRAFANA_TLS_VOLUME = { name: 'web-tls', secret: { secretName: GRAFANA_TLS_SECRET } } as const;
export const GRAFANA_TLS_VOLUME_MOUNT = { name: 'web-tls', mountPath: GRAFANA_TLS_DIR, readOnly: true } as const;

/** The ServiceMonitor's TLS settings (operator SafeTLSConfig). */
export const GRAFANA_SCRAPE_TLS_CONFIG = webScrapeTlsConfig(GRAFANA_TLS_SECRET, GRAFANA_SERVER_NAME);
