import { PROMETHEUS_REPLICA_LABEL } from '../../lambdas/domain/replica-labels';
import { localRetentionDays } from '../../lambdas/domain/retention';
import type { EnvironmentConfig } from '../config';
import { RULE_EVALUATOR_LABEL, type RuleEvaluator, SERVICE_ACCOUNTS } from '../naming';
import { ALERTMANAGER_CLIENT_TLS_CONFIG, ALERTMANAGER_SERVICE } from './alertmanager';
import {
  containerResources,
  irsaServiceAccount,
  OPERATOR_POD_GROUP,
  OPERATOR_POD_USER,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  requiredAntiAffinity,
  THANOS_PART_OF,
  volumeClaimTemplate,
} from './common';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { OBJSTORE_SECRET } from './objstore';
import { THANOS_HTTP_CONFIG_FILE, THANOS_HTTP_CONFIG_VOLUME, THANOS_HTTP_CONFIG_VOLUME_MOUNT } from './thanos-http-tls';
import {
  THANOS_GRPC_SERVER_TLS_CONFIG,
  THANOS_TLS_VOLUME_MOUNT,
  thanosTlsVolume,
  webServerCertificate,
} from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES, imageTag } from './versions';
import { webScrapeTlsConfig } from './web-server-tls';

/** The Prometheus custom resource's name: pods `prometheus-greenlang-N`, governing service `prometheus-operated`. */
export const PROMETHEUS_NAME = 'greenlang';
/** The headless service prometheus-operator creates for every Prometheus (ports `http-web` and `grpc`). */
export const PROMETHEUS_OPERATED_SERVICE = 'prometheus-operated';

/** Labels prometheus-operator puts on the Prometheus pods of {@link PROMETHEUS_NAME}. */
export const PROMETHEUS_POD_SELECTOR = {
  'app.kubernetes.io/name': 'prometheus',
  'operator.prometheus.io/name': PROMETHEUS_NAME,
} as const;

const ruleEvaluator: RuleEvaluator = 'prometheus';

/** Prometheus' web (9090) certificate, from the in-cluster CA (`webServerCertificate`). */
export const PROMETHEUS_WEB_TLS_SECRET = 'prometheus-web-tls';
/** The name the scrape verifies: it dials pod IPs, so it cannot check the address dialled. */
export const PROMETHEUS_WEB_SERVER_NAME = `${PROMETHEUS_OPERATED_SERVICE}.${MONITORING_NAMESPACE}.svc`;
/** The operator's client TLS settings (PodMonitor `tlsConfig`) for Prometheus' HTTPS port. */
export const PROMETHEUS_CLIENT_TLS_CONFIG = webScrapeTlsConfig(PROMETHEUS_WEB_TLS_SECRET, PROMETHEUS_WEB_SERVER_NAME);

/**
 * The Prometheus web certificate: the governing service (prometheus-adapter dials
 * `https://prometheus-operated.monitoring.svc.cluster.local:9090` and verifies that host name, having no server
 * name setting), every pod's DNS name, and localhost for the in-pod clients the operator points at
 * `https://localhost:9090` once web TLS is on (config reloader, Thanos sidecar: prometheus-operator
 * pkg/prometheus/server/statefulset.go `createThanosContainer`, `cpf.PrometheusURIScheme()`).
 */
export function prometheusWebCertificate(): KubernetesObject {
  const service = PROMETHEUS_WEB_SERVER_NAME;
  return webServerCertificate({
    secretName: PROMETHEUS_WEB_TLS_SECRET,
    dnsNames: [service, `${service}.cluster.local`, `*.${service}`, `*.${service}.cluster.local`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}

/** Prometheus HA: service account (IRSA for the sidecar), discovery RBAC, the Prometheus CR and its PDB. */
export function prometheusObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = commonLabels('prometheus');
  const { sizing } = config;
  const sidecarResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } };
  return [
    irsaServiceAccount(config, 'prometheus', SERVICE_ACCOUNTS.prometheus, labels),
    prometheusWebCertificate(),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'greenlang-prometheus', labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'greenlang-prometheus', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'greenlang-prometheus' },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNTS.prometheus, namespace: MONITORING_NAMESPACE }],
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: PROMETHEUS_NAME, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        image: IMAGES.prometheus,
        version: imageTag(IMAGES.prometheus),
        replicas: sizing.components.prometheus.replicas,
        serviceAccountName: SERVICE_ACCOUNTS.prometheus,
        // Part of the Thanos gRPC mesh: Query reads the sidecar's StoreAPI on 10901.
        podMetadata: { labels: { ...THANOS_PART_OF, 'app.kubernetes.io/component': 'prometheus' } },
        scrapeInterval: sizing.prometheus.scrapeInterval,
        evaluationInterval: sizing.prometheus.evaluationInterval,
        retention: `${localRetentionDays(config.retention)}d`,
        retentionSize: sizing.prometheus.retentionSize,
        externalLabels: { cluster: config.clusterName, region: config.region },
        // The operator's default, set explicitly: Thanos Query deduplicates on exactly this label.
        replicaExternalLabelName: PROMETHEUS_REPLICA_LABEL,
        affinity: requiredAntiAffinity({ ...PROMETHEUS_POD_SELECTOR }),
        resources: containerResources(sizing.components.prometheus.resources),
        storage: { volumeClaimTemplate: volumeClaimTemplate('prometheus-db', sizing.prometheus.storage) },
        securityContext: podSecurityContext(OPERATOR_POD_USER, OPERATOR_POD_GROUP),
        // HTTPS on 9090: the operator turns the probes, the config reloader and the sidecar's --prometheus.url to
        // https with it (pkg/prometheus/server/statefulset.go). The sidecar does not verify (the operator writes
        // `insecure_skip_verify: true` into its --prometheus.http-client-file; loopback inside the pod).
        web: {
          tlsConfig: {
            cert: { secret: { name: PROMETHEUS_WEB_TLS_SECRET, key: 'tls.crt' } },
            keySecret: { name: PROMETHEUS_WEB_TLS_SECRET, key: 'tls.key' },
          },
        },
        // Every ServiceMonitor/PodMonitor in every namespace (application teams ship their own).
        serviceMonitorSelector: {},
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: {},
        podMonitorNamespaceSelector: {},
        ruleSelector: { matchLabels: { [RULE_EVALUATOR_LABEL]: ruleEvaluator } },
        ruleNamespaceSelector: {},
        alerting: {
          alertmanagers: [
            {
              namespace: MONITORING_NAMESPACE,
              name: ALERTMANAGER_SERVICE,
              port: 'web',
              apiVersion: 'v2',
              scheme: 'https',
              tlsConfig: { ...ALERTMANAGER_CLIENT_TLS_CONFIG },
            },
          ],
        },
        thanos: {
          image: IMAGES.thanos,
          version: imageTag(IMAGES.thanos),
          objectStorageConfig: { name: OBJSTORE_SECRET.name, key: OBJSTORE_SECRET.key },
          // Min and max block duration 2h: the sidecar uploads every block, local compaction stays off.
          blockSize: '2h',
          grpcServerTlsConfig: { ...THANOS_GRPC_SERVER_TLS_CONFIG },
          // HTTPS on the sidecar's 10902 too (thanos-http-tls.ts); the operator sets no --http.config itself.
          additionalArgs: [{ name: 'http.config', value: THANOS_HTTP_CONFIG_FILE }],
          resources: sidecarResources,
        },
        // Mount the sidecar's certificate and web config (spec.secrets would only reach the prometheus container).
        volumes: [thanosTlsVolume('sidecar'), THANOS_HTTP_CONFIG_VOLUME],
        containers: [
          {
            name: 'thanos-sidecar',
            volumeMounts: [{ ...THANOS_TLS_VOLUME_MOUNT }, { ...THANOS_HTTP_CONFIG_VOLUME_MOUNT }],
          },
        ],
        portName: 'http-web',
      },
    },
    podDisruptionBudget('prometheus', labels, { ...PROMETHEUS_POD_SELECTOR }),
  ];
}

export const PROMETHEUS_PORTS = { http: PORTS.prometheusHttp, grpc: PORTS.thanosGrpc, sidecarHttp: PORTS.thanosHttp };
