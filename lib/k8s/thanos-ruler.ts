import { stringify } from 'yaml';
import { RULER_REPLICA_LABEL } from '../../lambdas/domain/replica-labels';
import { RULER_LOCAL_RETENTION_HOURS } from '../../lambdas/domain/retention';
import type { EnvironmentConfig } from '../config';
import { RULE_EVALUATOR_LABEL, type RuleEvaluator, SERVICE_ACCOUNTS } from '../naming';
import { ALERTMANAGER_SERVICE, ALERTMANAGER_WEB_SERVER_NAME } from './alertmanager';
import {
  containerResources,
  irsaServiceAccount,
  OPERATOR_POD_GROUP,
  OPERATOR_POD_USER,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  requiredAntiAffinity,
  serviceHost,
  THANOS_PART_OF,
  thanosLabels,
  volumeClaimTemplate,
} from './common';
import { MONITORING_NAMESPACE } from './namespace';
import { OBJSTORE_SECRET } from './objstore';
import { thanosHttpClientTlsConfig } from './thanos-http-tls';
import {
  THANOS_GRPC_SERVER_TLS_CONFIG,
  THANOS_HTTP_SERVER_NAME,
  THANOS_TLS_FILES,
  THANOS_TLS_VOLUME_MOUNT,
  thanosTlsVolume,
  webServerCertificate,
} from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES, imageTag } from './versions';

export const THANOS_RULER_NAME = 'greenlang';
/**
 * Each Ruler replica's volume: its TSDB holds evaluated samples until the 2h block is uploaded, and its WAL keeps
 * them across restarts (without a volume the operator uses an emptyDir, and a restart loses up to 2h of rule
 * results). Small: recording-rule output of a few thousand series.
 */
export const THANOS_RULER_STORAGE = '10Gi';
/** The headless service prometheus-operator creates for ThanosRulers (ports `grpc` 10901, `web` 10902). */
export const THANOS_RULER_SERVICE = 'thanos-ruler-operated';
export const THANOS_RULER_POD_SELECTOR = {
  'app.kubernetes.io/name': 'thanos-ruler',
  'thanos-ruler': THANOS_RULER_NAME,
} as const;

const ruleEvaluator: RuleEvaluator = 'thanos-ruler';

/** The Ruler's `--query.config` (Secret key the operator passes through `queryConfig`). */
export const THANOS_RULER_QUERY_SECRET = { name: 'thanos-ruler-query', key: 'query.yaml' };

/**
 * Thanos' query config (`--query.config`, a list of thanos-io/thanos pkg/exthttp `Config`: `http_config`
 * (`tls_config`: ca_file, server_name, ...), `static_configs` with DNS-SD prefixes, `scheme`, `path_prefix`).
 * HTTPS to Thanos Query (its HTTP port serves TLS: thanos-query.ts), verified with the CA of the Ruler's mounted
 * Thanos TLS secret, as THANOS_HTTP_SERVER_NAME (the Ruler dials the pod IPs the SRV record names).
 */
export function rulerQueryConfig(): object[] {
  return [
    {
      scheme: 'https',
      static_configs: [`dnssrv+_http._tcp.${serviceHost('thanos-query')}`],
      http_config: { tls_config: thanosHttpClientTlsConfig(THANOS_TLS_FILES.ca) },
    },
  ];
}

/** The Ruler's web (10902) certificate: the name its scrape verifies, and localhost for the config reloader. */
export const THANOS_RULER_WEB_TLS_SECRET = 'thanos-ruler-web-tls';
export function thanosRulerWebCertificate(): KubernetesObject {
  const service = `${THANOS_RULER_SERVICE}.${MONITORING_NAMESPACE}.svc`;
  return webServerCertificate({
    secretName: THANOS_RULER_WEB_TLS_SECRET,
    dnsNames: [THANOS_HTTP_SERVER_NAME, service, `*.${service}`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}
/** The Ruler scrape's TLS settings (operator SafeTLSConfig): the CA of the Ruler's web certificate. */
export const THANOS_RULER_CLIENT_TLS_CONFIG = {
  ca: { secret: { name: THANOS_RULER_WEB_TLS_SECRET, key: 'ca.crt' } },
  serverName: THANOS_HTTP_SERVER_NAME,
} as const;

/** The Ruler's `--alertmanagers.config` (Secret key the operator mounts through `alertmanagersConfig`). */
export const THANOS_RULER_ALERTMANAGERS_SECRET = { name: 'thanos-ruler-alertmanagers', key: 'alertmanagers.yaml' };

/**
 * Thanos' alerting config (thanos-io/thanos pkg/alert/config.go `AlertingConfig`; `static_configs` take DNS-SD
 * prefixes; `http_config.tls_config` as pkg/httpconfig). HTTPS to Alertmanager's web TLS, verified with the CA
 * in the Ruler's own mounted Thanos TLS secret (one CA signs both). `api_version` v2 explicitly: the config form
 * defaults to v1, which Alertmanager 0.27+ no longer serves.
 */
export function rulerAlertmanagersConfig(): object {
  return {
    alertmanagers: [
      {
        scheme: 'https',
        api_version: 'v2',
        static_configs: [`dnssrv+_web._tcp.${serviceHost(ALERTMANAGER_SERVICE)}`],
        http_config: { tls_config: { ca_file: THANOS_TLS_FILES.ca, server_name: ALERTMANAGER_WEB_SERVER_NAME } },
      },
    ],
  };
}

/**
 * Thanos Ruler x2 as a ThanosRuler CR: evaluates rules labelled for it against Thanos Query (long-range rules),
 * uploads its blocks, alerts the Alertmanagers without its replica label so both replicas' alerts deduplicate.
 */
export function thanosRulerObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = thanosLabels('thanos-ruler', 'ruler');
  const sizing = config.sizing.components.thanosRuler;
  return [
    irsaServiceAccount(config, 'thanosRuler', SERVICE_ACCOUNTS.thanosRuler, labels),
    thanosRulerWebCertificate(),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: THANOS_RULER_ALERTMANAGERS_SECRET.name, namespace: MONITORING_NAMESPACE, labels },
      type: 'Opaque',
      stringData: { [THANOS_RULER_ALERTMANAGERS_SECRET.key]: stringify(rulerAlertmanagersConfig()) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: THANOS_RULER_QUERY_SECRET.name, namespace: MONITORING_NAMESPACE, labels },
      type: 'Opaque',
      stringData: { [THANOS_RULER_QUERY_SECRET.key]: stringify(rulerQueryConfig()) },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ThanosRuler',
      metadata: { name: THANOS_RULER_NAME, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        image: IMAGES.thanos,
        version: imageTag(IMAGES.thanos),
        replicas: sizing.replicas,
        serviceAccountName: SERVICE_ACCOUNTS.thanosRuler,
        podMetadata: { labels: { ...THANOS_PART_OF, 'app.kubernetes.io/component': 'ruler' } },
        ruleSelector: { matchLabels: { [RULE_EVALUATOR_LABEL]: ruleEvaluator } },
        ruleNamespaceSelector: {},
        // The Ruler queries Thanos Query's HTTPS API (service port `http`); `queryConfig` replaces `queryEndpoints`,
        // which cannot carry TLS settings.
        queryConfig: { ...THANOS_RULER_QUERY_SECRET },
        // HTTPS on 10902: the operator generates `--http.config` from it and turns the config reloader's URL to
        // https (prometheus-operator pkg/thanos/statefulset.go, `thanosrulerURIScheme`, `webconfig.New`).
        web: {
          tlsConfig: {
            cert: { secret: { name: THANOS_RULER_WEB_TLS_SECRET, key: 'tls.crt' } },
            keySecret: { name: THANOS_RULER_WEB_TLS_SECRET, key: 'tls.key' },
          },
        },
        alertmanagersConfig: { ...THANOS_RULER_ALERTMANAGERS_SECRET },
        labels: { cluster: config.clusterName, region: config.region },
        // The operator always adds and drops thanos_ruler_replica; stated here so the convention is visible.
        alertDropLabels: [RULER_REPLICA_LABEL],
        evaluationInterval: config.sizing.prometheus.evaluationInterval,
        // The operator's default, stated: the bucket audit reads a Ruler stream's upload gap against it.
        retention: `${RULER_LOCAL_RETENTION_HOURS}h`,
        objectStorageConfig: { name: OBJSTORE_SECRET.name, key: OBJSTORE_SECRET.key },
        grpcServerTlsConfig: { ...THANOS_GRPC_SERVER_TLS_CONFIG },
        // The operator's StorageSpec: a PVC per replica from this template (gp3, bound in the pod's zone).
        storage: { volumeClaimTemplate: volumeClaimTemplate('data', THANOS_RULER_STORAGE) },
        volumes: [thanosTlsVolume('ruler')],
        volumeMounts: [{ ...THANOS_TLS_VOLUME_MOUNT }],
        affinity: requiredAntiAffinity({ ...THANOS_RULER_POD_SELECTOR }),
        resources: containerResources(sizing.resources),
        securityContext: podSecurityContext(OPERATOR_POD_USER, OPERATOR_POD_GROUP),
      },
    },
    podDisruptionBudget('thanos-ruler', labels, { ...THANOS_RULER_POD_SELECTOR }),
  ];
}

export const THANOS_RULER_PORTS = { grpc: PORTS.thanosGrpc, http: PORTS.thanosHttp };
