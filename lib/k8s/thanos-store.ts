import { stringify } from 'yaml';
import { storeGatewayGoMemLimit } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { SERVICE_ACCOUNTS } from '../naming';
import { OWN_MANIFEST_ANNOTATION } from '../platform/apply-plan';
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
import { httpServerTlsArgs, THANOS_HTTP_CONFIG_VOLUME, THANOS_HTTP_CONFIG_VOLUME_MOUNT } from './thanos-http-tls';
import { grpcServerTlsArgs, THANOS_TLS_VOLUME_MOUNT, thanosTlsVolume } from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_STORE = 'thanos-store';
/** Headless governing service: DNS SRV `_grpc._tcp.thanos-store` resolves to every replica of every shard. */
export const THANOS_STORE_SERVICE = 'thanos-store';
/** The own manifest of the store gateway's StatefulSets (lib/platform/apply-plan.ts). */
export const STORE_GATEWAYS_MANIFEST = 'store-gateways';
/** Pod label naming a store gateway's shard (only when sharded). */
export const STORE_SHARD_LABEL = 'greenlang.io/store-shard';

/** One block shard of the store gateway: its StatefulSet and the labels selecting its pods. */
export interface StoreShard {
  readonly index: number;
  readonly count: number;
  /** `thanos-store` unsharded (the name deployments already have), `thanos-store-shard-<i>` otherwise. */
  readonly name: string;
  readonly matchLabels: Record<string, string>;
}

export function storeShards(config: Pick<EnvironmentConfig, 'sizing'>): StoreShard[] {
  const count = config.sizing.thanosStore.shards;
  return Array.from({ length: count }, (_, index) =>
    count === 1
      ? { index, count, name: THANOS_STORE, matchLabels: selectorLabels(THANOS_STORE) }
      : {
          index,
          count,
          name: `${THANOS_STORE}-shard-${index}`,
          matchLabels: { ...selectorLabels(THANOS_STORE), [STORE_SHARD_LABEL]: String(index) },
        },
  );
}

/**
 * `--selector.relabel-config` of one shard: Thanos' block filter gives each block's ULID as `__block_id` and drops a
 * block whose labels come out empty (pkg/block/fetcher.go `LabelShardedMetaFilter`, `BlockIDLabel`); hashmod over
 * the ULID with the shard count, keep the shard's own value (docs/sharding.md). Every block lands in exactly one shard.
 */
export function storeShardSelector(shard: Pick<StoreShard, 'index' | 'count'>) {
  return [
    { action: 'hashmod', source_labels: ['__block_id'], target_label: 'shard', modulus: shard.count },
    { action: 'keep', source_labels: ['shard'], regex: String(shard.index) },
  ];
}
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
 * The replicas of one shard serve the same blocks (all blocks when unsharded): each alone answers for its shard, so
 * losing one keeps the history readable; Query deduplicates the identical series they return. Query sends every
 * query to every store gateway, so only more shards split a query's work (`sizing.thanosStore.shards`).
 */
export function thanosStoreArgs(
  config: Pick<EnvironmentConfig, 'sizing'>,
  shard: Pick<StoreShard, 'index' | 'count'> = { index: 0, count: 1 },
): string[] {
  return [
    'store',
    '--log.format=json',
    `--data-dir=${DATA_DIR}`,
    `--objstore.config-file=${OBJSTORE_FILE}`,
    `--http-address=0.0.0.0:${PORTS.thanosHttp}`,
    `--grpc-address=0.0.0.0:${PORTS.thanosGrpc}`,
    `--index-cache.config=${stringify(indexCacheConfig(config))}`,
    `--store.caching-bucket.config=${stringify(cachingBucketConfig(config))}`,
    ...(shard.count > 1 ? [`--selector.relabel-config=${stringify(storeShardSelector(shard))}`] : []),
    ...grpcServerTlsArgs(),
    // HTTPS on 10902 (metrics, probes) with the same certificate (thanos-http-tls.ts).
    ...httpServerTlsArgs(),
  ];
}

/**
 * Store gateway: per block shard a StatefulSet of `components.thanosStore.replicas` (2) with 50Gi gp3 PVCs; one
 * headless Service and one PDB over all of them (one PDB: a pod under two PDBs cannot be evicted, and its name stays
 * when the shard count changes); IRSA (bucket read-only). No autoscaler: Query sends every query to every store
 * gateway, so a replica added on latency or CPU repeats the work instead of splitting it (the latency trigger asks
 * for another shard: ThanosStoreLatencyAboveScaleTrigger, the capacity report). The StatefulSets, whose number
 * follows the shard count, go into a manifest of their own (apply-plan.ts), so a shard change moves no other object.
 */
export function thanosStoreObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = thanosLabels(THANOS_STORE, 'store-gateway');
  const sizing = config.sizing.components.thanosStore;
  const account = irsaServiceAccount(config, 'thanosStore', SERVICE_ACCOUNTS.thanosStore, labels);
  return [
    // With the StatefulSets, which need it to create their pods (the own manifest applies before the chunks).
    {
      ...account,
      metadata: {
        ...account.metadata,
        annotations: { ...account.metadata.annotations, [OWN_MANIFEST_ANNOTATION]: STORE_GATEWAYS_MANIFEST },
      },
    },
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
    ...storeShards(config).map((shard): KubernetesObject => {
      const podLabels = { ...labels, ...shard.matchLabels };
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: {
          name: shard.name,
          namespace: MONITORING_NAMESPACE,
          labels: podLabels,
          annotations: { [OWN_MANIFEST_ANNOTATION]: STORE_GATEWAYS_MANIFEST },
        },
        spec: {
          replicas: sizing.replicas,
          serviceName: THANOS_STORE_SERVICE,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: shard.matchLabels },
          template: {
            metadata: { labels: podLabels },
            spec: {
              serviceAccountName: SERVICE_ACCOUNTS.thanosStore,
              securityContext: podSecurityContext(65534),
              affinity: requiredAntiAffinity(shard.matchLabels),
              containers: [
                {
                  name: 'store',
                  image: IMAGES.thanos,
                  args: thanosStoreArgs(config, shard),
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
      };
    }),
    podDisruptionBudget(THANOS_STORE, labels, selectorLabels(THANOS_STORE)),
  ];
}
