import { stringify } from 'yaml';
import { storeGatewayGoMemLimit } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { SERVICE_ACCOUNTS } from '../naming';
import {
  CONTAINER_SECURITY_CONTEXT,
  containerResources,
  httpProbes,
  irsaServiceAccount,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  requiredAntiAffinity,
  selectorLabels,
  thanosLabels,
  volumeClaimTemplate,
} from './common';
import { MONITORING_NAMESPACE } from './namespace';
import { OBJSTORE_FILE, OBJSTORE_VOLUME, OBJSTORE_VOLUME_MOUNT } from './objstore';
import { STORE_SERIES_P99_METRIC } from './prometheus-adapter';
import { httpServerTlsArgs, THANOS_HTTP_CONFIG_VOLUME, THANOS_HTTP_CONFIG_VOLUME_MOUNT } from './thanos-http-tls';
import { grpcServerTlsArgs, THANOS_TLS_VOLUME_MOUNT, thanosTlsVolume } from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_STORE = 'thanos-store';
/** Headless governing service: DNS SRV `_grpc._tcp.thanos-store` resolves to every replica. */
export const THANOS_STORE_SERVICE = 'thanos-store';
const DATA_DIR = '/var/thanos/store';

/** `--index-cache.config`: in-memory index cache of the seed's size. */
export function indexCacheConfig(config: Pick<EnvironmentConfig, 'sizing'>) {
  return { type: 'IN-MEMORY', config: { max_size: config.sizing.thanosStore.indexCacheSize } };
}

/** `--store.caching-bucket.config`: in-memory chunk (caching bucket) cache of the seed's size. */
export function cachingBucketConfig(config: Pick<EnvironmentConfig, 'sizing'>) {
  return { type: 'IN-MEMORY', config: { max_size: config.sizing.thanosStore.chunkCacheSize } };
}

/**
 * Both replicas serve ALL blocks (no hashmod sharding): each replica alone answers every historical query, so
 * losing one keeps the history readable; Query deduplicates the identical series they return.
 */
export function thanosStoreArgs(config: Pick<EnvironmentConfig, 'sizing'>): string[] {
  return [
    'store',
    '--log.format=json',
    `--data-dir=${DATA_DIR}`,
    `--objstore.config-file=${OBJSTORE_FILE}`,
    `--http-address=0.0.0.0:${PORTS.thanosHttp}`,
    `--grpc-address=0.0.0.0:${PORTS.thanosGrpc}`,
    `--index-cache.config=${stringify(indexCacheConfig(config))}`,
    `--store.caching-bucket.config=${stringify(cachingBucketConfig(config))}`,
    ...grpcServerTlsArgs(),
    // HTTPS on 10902 (metrics, probes) with the same certificate (thanos-http-tls.ts).
    ...httpServerTlsArgs(),
  ];
}

/** Store gateway StatefulSet x2 with 50Gi gp3 PVCs, IRSA (bucket read-only), PDB. */
export function thanosStoreObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = thanosLabels(THANOS_STORE, 'store-gateway');
  const sizing = config.sizing.components.thanosStore;
  return [
    irsaServiceAccount(config, 'thanosStore', SERVICE_ACCOUNTS.thanosStore, labels),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: THANOS_STORE_SERVICE, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        clusterIP: 'None',
        selector: selectorLabels(THANOS_STORE),
        ports: [
          { name: 'grpc', port: PORTS.thanosGrpc, targetPort: 'grpc', protocol: 'TCP' },
          { name: 'http', port: PORTS.thanosHttp, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: THANOS_STORE, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        replicas: sizing.replicas,
        serviceName: THANOS_STORE_SERVICE,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorLabels(THANOS_STORE) },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: SERVICE_ACCOUNTS.thanosStore,
            securityContext: podSecurityContext(65534),
            affinity: requiredAntiAffinity(selectorLabels(THANOS_STORE)),
            containers: [
              {
                name: 'store',
                image: IMAGES.thanos,
                args: thanosStoreArgs(config),
                // The GC works harder before the kernel OOM-kills; the budget is checked at synth (sizing).
                env: [{ name: 'GOMEMLIMIT', value: storeGatewayGoMemLimit(config.sizing) }],
                ports: [
                  { name: 'grpc', containerPort: PORTS.thanosGrpc, protocol: 'TCP' },
                  { name: 'http', containerPort: PORTS.thanosHttp, protocol: 'TCP' },
                ],
                resources: containerResources(sizing.resources),
                securityContext: CONTAINER_SECURITY_CONTEXT,
                ...httpProbes('http', 'HTTPS'),
                volumeMounts: [
                  { name: 'data', mountPath: DATA_DIR },
                  { ...OBJSTORE_VOLUME_MOUNT },
                  { ...THANOS_TLS_VOLUME_MOUNT },
                  { ...THANOS_HTTP_CONFIG_VOLUME_MOUNT },
                ],
              },
            ],
            volumes: [OBJSTORE_VOLUME, thanosTlsVolume('store'), THANOS_HTTP_CONFIG_VOLUME],
          },
        },
        volumeClaimTemplates: [volumeClaimTemplate('data', config.sizing.thanosStore.storage)],
      },
    },
    podDisruptionBudget(THANOS_STORE, labels, selectorLabels(THANOS_STORE)),
    storeAutoscaler(config, labels),
  ];
}

/**
 * The seed's store gateway scaling: 2 → `maxReplicas` (4) when the p99 of the Store API `Series` calls per pod
 * exceeds `scaleTriggers.storeGatewayLatencySeconds` (served by prometheus-adapter as {@link STORE_SERIES_P99_METRIC}),
 * or on 70% CPU. Every replica serves all blocks (no sharding), so a new replica adds cache and CPU for the load
 * Thanos Query sends it; it does not split one query's blocks.
 */
function storeAutoscaler(config: EnvironmentConfig, labels: Record<string, string>): KubernetesObject {
  const { components, scaleTriggers } = config.sizing;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: THANOS_STORE, namespace: MONITORING_NAMESPACE, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: THANOS_STORE },
      minReplicas: components.thanosStore.replicas,
      maxReplicas: components.thanosStore.maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        {
          type: 'Pods',
          pods: {
            metric: { name: STORE_SERIES_P99_METRIC },
            target: { type: 'AverageValue', averageValue: String(scaleTriggers.storeGatewayLatencySeconds) },
          },
        },
      ],
      // Scale down slowly: a new replica needs minutes to load the index headers before it helps.
      behavior: { scaleDown: { stabilizationWindowSeconds: 900 } },
    },
  };
}
