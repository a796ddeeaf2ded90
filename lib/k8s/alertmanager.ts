import * as path from 'node:path';
import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../config';
import { ALERT_WEBHOOK_TOKEN_FILE, secretName } from '../naming';
import {
  containerResources,
  OPERATOR_POD_GROUP,
  OPERATOR_POD_USER,
  podDisruptionBudget,
  podSecurityContext,
  requiredAntiAffinity,
  serviceAccount,
  volumeClaimTemplate,
} from './common';
import { externalSecret } from './external-secrets';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { webServerCertificate } from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES, imageTag } from './versions';
import { webScrapeTlsConfig } from './web-server-tls';

export const ALERTMANAGER_NAME = 'greenlang';
/** The headless service prometheus-operator creates (ports `web` 9093, `tcp-mesh`/`udp-mesh` 9094). */
export const ALERTMANAGER_SERVICE = 'alertmanager-operated';

/** Alertmanager's web (9093) certificate, from the in-cluster CA (`webServerCertificate`). */
export const ALERTMANAGER_WEB_TLS_SECRET = 'alertmanager-web-tls';
/**
 * The name every client verifies: Prometheus and the Ruler dial pod IPs (found through the governing service),
 * so the certificate cannot be checked against the address dialled.
 */
export const ALERTMANAGER_WEB_SERVER_NAME = `${ALERTMANAGER_SERVICE}.${MONITORING_NAMESPACE}.svc`;
/** The operator's client TLS settings (Prometheus `alerting.alertmanagers[].tlsConfig`, ServiceMonitor endpoints). */
export const ALERTMANAGER_CLIENT_TLS_CONFIG = webScrapeTlsConfig(
  ALERTMANAGER_WEB_TLS_SECRET,
  ALERTMANAGER_WEB_SERVER_NAME,
);

/**
 * The Alertmanager web certificate: the service name clients verify, every pod's DNS name, and localhost for the
 * operator's config reloader (it calls `https://<localhost>:9093/-/reload` once web TLS is on:
 * prometheus-operator pkg/alertmanager/statefulset.go, `alertmanagerURIScheme`).
 */
export function alertmanagerWebCertificate(): KubernetesObject {
  const service = `${ALERTMANAGER_SERVICE}.${MONITORING_NAMESPACE}.svc`;
  return webServerCertificate({
    secretName: ALERTMANAGER_WEB_TLS_SECRET,
    dnsNames: [service, `${service}.cluster.local`, `*.${service}`, `*.${service}.cluster.local`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}
export const ALERTMANAGER_POD_SELECTOR = {
  'app.kubernetes.io/name': 'alertmanager',
  alertmanager: ALERTMANAGER_NAME,
} as const;
/** The Secret holding `alertmanager.yaml` (the operator reads it through `spec.configSecret`). */
export const ALERTMANAGER_CONFIG_SECRET = 'alertmanager-greenlang-config';

/**
 * The operator mounts each of `spec.secrets` at /etc/alertmanager/secrets/<name>/, so the token file's folder
 * name IS the secret name and its file name the key.
 */
export const ALERT_WEBHOOK_TOKEN_SECRET = path.posix.basename(path.posix.dirname(ALERT_WEBHOOK_TOKEN_FILE));
export const ALERT_WEBHOOK_TOKEN_KEY = path.posix.basename(ALERT_WEBHOOK_TOKEN_FILE);

/** Used until the routing config (issue #4) is passed in: everything goes to a receiver that drops it. */
export const MINIMAL_ALERTMANAGER_CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] } as const;

/** Alertmanager HA: gossip cluster on 9094 (TCP and UDP), config from a Secret, webhook token from ESO. */
export function alertmanagerObjects(config: EnvironmentConfig, alertmanagerConfig?: object): KubernetesObject[] {
  const labels = commonLabels('alertmanager');
  const { sizing } = config;
  return [
    serviceAccount('alertmanager', labels),
    alertmanagerWebCertificate(),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: MONITORING_NAMESPACE, labels },
      type: 'Opaque',
      stringData: { 'alertmanager.yaml': stringify(alertmanagerConfig ?? MINIMAL_ALERTMANAGER_CONFIG) },
    },
    externalSecret({
      name: ALERT_WEBHOOK_TOKEN_SECRET,
      component: 'alertmanager',
      data: [{ secretKey: ALERT_WEBHOOK_TOKEN_KEY, remoteKey: secretName(config.name, 'alert-webhook-token') }],
    }),
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Alertmanager',
      metadata: { name: ALERTMANAGER_NAME, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        image: IMAGES.alertmanager,
        version: imageTag(IMAGES.alertmanager),
        replicas: sizing.components.alertmanager.replicas,
        serviceAccountName: 'alertmanager',
        configSecret: ALERTMANAGER_CONFIG_SECRET,
        // HTTPS on 9093: the operator turns the probes and the config reloader to https with it
        // (pkg/alertmanager/statefulset.go `isHTTPS`, Alertmanager >= 0.22).
        web: {
          tlsConfig: {
            cert: { secret: { name: ALERTMANAGER_WEB_TLS_SECRET, key: 'tls.crt' } },
            keySecret: { name: ALERTMANAGER_WEB_TLS_SECRET, key: 'tls.key' },
          },
        },
        secrets: [ALERT_WEBHOOK_TOKEN_SECRET],
        // Names the gossip cluster so that a peer of another cluster can never join it.
        clusterLabel: `${config.clusterName}/${MONITORING_NAMESPACE}/${ALERTMANAGER_NAME}`,
        podMetadata: { labels: { 'app.kubernetes.io/component': 'alertmanager' } },
        affinity: requiredAntiAffinity({ ...ALERTMANAGER_POD_SELECTOR }),
        resources: containerResources(sizing.components.alertmanager.resources),
        storage: { volumeClaimTemplate: volumeClaimTemplate('alertmanager-db', sizing.alertmanager.storage) },
        retention: '120h',
        securityContext: podSecurityContext(OPERATOR_POD_USER, OPERATOR_POD_GROUP),
      },
    },
    podDisruptionBudget('alertmanager', labels, { ...ALERTMANAGER_POD_SELECTOR }),
  ];
}
