import type { EnvironmentConfig } from '../config';
import {
  INTERNAL_NLB_CLASS,
  internalLoadBalancerAnnotations,
  internalTlsListenerAnnotations,
} from '../platform/addons';
import { JOBS } from '../rules/conventions';
import {
  CONTAINER_SECURITY_CONTEXT,
  componentLabels,
  containerResources,
  NLB_SERVICE_LABEL,
  NOT_AN_NLB_SERVICE,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  renderCertificateArn,
  requiredAntiAffinity,
  selectorLabels,
  serviceAccount,
  serviceHost,
  volumeClaimTemplate,
} from './common';
import { MONITORING_NAMESPACE } from './namespace';
import {
  PUSHGATEWAY_AUTH_DIR,
  PUSHGATEWAY_AUTH_KEYS,
  PUSHGATEWAY_AUTH_SECRET,
  pushgatewayAuthObjects,
  pushgatewayAuthProbes,
} from './pushgateway-auth';
import { pushgatewayMetricRelabelings, pushgatewayTargetRelabelings } from './pushgateway-dedup';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const PUSHGATEWAY = 'pushgateway';
/** Headless governing service: replica i is `pushgateway-<i>.pushgateway.monitoring.svc.cluster.local`. */
export const PUSHGATEWAY_SERVICE = 'pushgateway';
const DATA_DIR = '/data';

/** Every replica's in-cluster URL (pod DNS through the headless service): the compactor pushes to each. */
export function pushgatewayPodUrls(config: Pick<EnvironmentConfig, 'sizing'>): string[] {
  return Array.from(
    { length: config.sizing.components.pushgateway.replicas },
    (_, i) => `http://${PUSHGATEWAY}-${i}.${serviceHost(PUSHGATEWAY_SERVICE)}:${PORTS.pushgateway}`,
  );
}

/** The name of the per-replica NLB Services' one port: a TLS listener on the NLB (plain HTTP to the pod). */
export const PUSHGATEWAY_NLB_PORT_NAME = 'https';

/** What only the deployed stack knows. */
export interface PushgatewayDeployInputs {
  /** ARN of the ACM certificate (AWS Private CA) of the replicas' NLB names. @default renderPushgatewayCertificateArn(config) */
  readonly certificateArn?: string;
}

/** The certificate ARN render writes for the replicas' NLB names (renderCertificateArn). */
export function renderPushgatewayCertificateArn(
  config: Pick<EnvironmentConfig, 'account' | 'region' | 'name'>,
): string {
  return renderCertificateArn(config, 'pushgateway');
}

/**
 * Pushgateway x2: a StatefulSet with a 2Gi PVC per replica (`--persistence.file`), a headless service, a
 * ServiceMonitor scraping with honorLabels (pushed `job`/`instance` win), and one internal NLB per replica so the
 * push-ingestion Lambda writes each replica individually (`pushgatewayReplicaUrl(env, i)`). Each NLB terminates
 * TLS on 9091 with the ACM certificate of the replicas' names (issued by the AWS Private CA the functions trust)
 * and forwards plain TCP to the pod; in-cluster clients (the compactor, Prometheus) keep plain HTTP to the pods.
 * Every request needs the one basic-auth user of pushgateway-auth.ts (`--web.config.file`), the probes' too.
 */
export function pushgatewayObjects(
  config: EnvironmentConfig,
  deploy: PushgatewayDeployInputs = {},
): KubernetesObject[] {
  const labels = componentLabels(PUSHGATEWAY, 'pushgateway');
  const sizing = config.sizing.components.pushgateway;
  const certificateArn = deploy.certificateArn ?? renderPushgatewayCertificateArn(config);
  const perReplica: KubernetesObject[] = Array.from({ length: sizing.replicas }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${PUSHGATEWAY}-${i}`,
      namespace: MONITORING_NAMESPACE,
      labels: { ...labels, [NLB_SERVICE_LABEL.key]: NLB_SERVICE_LABEL.value },
      annotations: {
        ...internalLoadBalancerAnnotations(config, `pushgateway-${i}`),
        ...internalTlsListenerAnnotations(certificateArn, [PUSHGATEWAY_NLB_PORT_NAME]),
      },
    },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: INTERNAL_NLB_CLASS,
      selector: { ...selectorLabels(PUSHGATEWAY), 'statefulset.kubernetes.io/pod-name': `${PUSHGATEWAY}-${i}` },
      ports: [{ name: PUSHGATEWAY_NLB_PORT_NAME, port: PORTS.pushgateway, targetPort: 'http', protocol: 'TCP' }],
    },
  }));
  return [
    ...pushgatewayAuthObjects(config),
    serviceAccount(PUSHGATEWAY, labels),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: PUSHGATEWAY_SERVICE, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        clusterIP: 'None',
        // Pod DNS must resolve before readiness: a restarting replica still takes the compactor's push.
        publishNotReadyAddresses: true,
        selector: selectorLabels(PUSHGATEWAY),
        ports: [{ name: 'http', port: PORTS.pushgateway, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: PUSHGATEWAY, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        replicas: sizing.replicas,
        serviceName: PUSHGATEWAY_SERVICE,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorLabels(PUSHGATEWAY) },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: PUSHGATEWAY,
            securityContext: podSecurityContext(65534),
            affinity: requiredAntiAffinity(selectorLabels(PUSHGATEWAY)),
            containers: [
              {
                name: 'pushgateway',
                image: IMAGES.pushgateway,
                args: [
                  `--web.listen-address=:${PORTS.pushgateway}`,
                  `--persistence.file=${DATA_DIR}/pushgateway.db`,
                  '--persistence.interval=1m',
                  '--log.format=json',
                  `--web.config.file=${PUSHGATEWAY_AUTH_DIR}/${PUSHGATEWAY_AUTH_KEYS.webConfig}`,
                ],
                ports: [{ name: 'http', containerPort: PORTS.pushgateway, protocol: 'TCP' }],
                resources: containerResources(sizing.resources),
                securityContext: CONTAINER_SECURITY_CONTEXT,
                ...pushgatewayAuthProbes(PORTS.pushgateway),
                volumeMounts: [
                  { name: 'data', mountPath: DATA_DIR },
                  { name: 'auth', mountPath: PUSHGATEWAY_AUTH_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [{ name: 'auth', secret: { secretName: PUSHGATEWAY_AUTH_SECRET, defaultMode: 0o440 } }],
          },
        },
        volumeClaimTemplates: [volumeClaimTemplate('data', config.sizing.pushgateway.storage)],
      },
    },
    ...perReplica,
    podDisruptionBudget(PUSHGATEWAY, labels, selectorLabels(PUSHGATEWAY)),
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: PUSHGATEWAY, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        // Only the headless service: the per-replica NLB services would scrape every replica twice.
        selector: { matchLabels: selectorLabels(PUSHGATEWAY), matchExpressions: [{ ...NOT_AN_NLB_SERVICE }] },
        namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
        // honorLabels keeps a pushed group's own `job`; the relabeled job names the Pushgateway's own series and `up`.
        endpoints: [
          {
            port: 'http',
            interval: config.sizing.prometheus.scrapeInterval,
            honorLabels: true,
            basicAuth: {
              username: { name: PUSHGATEWAY_AUTH_SECRET, key: PUSHGATEWAY_AUTH_KEYS.username },
              password: { name: PUSHGATEWAY_AUTH_SECRET, key: PUSHGATEWAY_AUTH_KEYS.password },
            },
            // Pushed series counted once: identical on both replicas but for pushgateway_replica (a Thanos Query
            // replica label). lib/k8s/pushgateway-dedup.ts
            relabelings: pushgatewayTargetRelabelings(JOBS.pushgateway),
            metricRelabelings: pushgatewayMetricRelabelings(JOBS.pushgateway),
          },
        ],
      },
    },
  ];
}
