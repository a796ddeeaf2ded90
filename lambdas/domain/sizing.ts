import { compactorScratchPlan } from './compactor-scratch';

/**
 * The seed's sizing: replicas, resources ("Vertical Scaling"), scale triggers ("Horizontal Scaling") and the
 * storage numbers of each component. The Kubernetes builders render them and the capacity report measures
 * against them, so both read this one table (through the environment config).
 *
 * Pure: no I/O, no AWS SDK, no CDK.
 */

/** A CPU and memory pair as Kubernetes quantities, e.g. `{ cpu: '500m', memory: '2Gi' }`. */
export interface ResourceQuantities {
  readonly cpu: string;
  readonly memory: string;
}

export interface ComponentResources {
  readonly requests: ResourceQuantities;
  readonly limits: ResourceQuantities;
}

export interface ComponentSizing {
  readonly replicas: number;
  /** Upper bound for horizontal scaling (HPA max, or the capacity report's "scale out" ceiling). */
  readonly maxReplicas: number;
  readonly resources: ComponentResources;
}

export const COMPONENTS = [
  'prometheus',
  'thanosQuery',
  'thanosQueryFrontend',
  'thanosStore',
  'thanosRuler',
  'thanosCompactor',
  'alertmanager',
  'pushgateway',
  'grafana',
] as const;
export type Component = (typeof COMPONENTS)[number];

export interface StackSizing {
  readonly components: Readonly<Record<Component, ComponentSizing>>;
  readonly prometheus: {
    readonly scrapeInterval: string;
    readonly evaluationInterval: string;
    /** Local (hot tier) retention by size, the `retentionSize` of Prometheus. */
    readonly retentionSize: string;
    /** PVC per Prometheus replica: holds `retentionSize` plus WAL and compaction headroom. */
    readonly storage: string;
  };
  readonly thanosStore: {
    readonly indexCacheSize: string;
    readonly chunkCacheSize: string;
    readonly storage: string;
    /**
     * Block shards (hashmod of each block's ULID), each served by `components.thanosStore.replicas` replicas. Thanos
     * Query sends every query to every store gateway whose blocks it needs, so more replicas of one shard only repeat
     * the work; more shards split it. Shards × replicas may not exceed `components.thanosStore.maxReplicas`.
     */
    readonly shards: number;
  };
  readonly thanosCompactor: {
    /**
     * Fargate ephemeral storage for the compactor's scratch space (Fargate allows up to 175GiB). The seed's 100Gi
     * "PVC" cannot hold the 14-day blocks the 1h tier needs at its 500K-series trigger (~113GiB: compactor-scratch.ts).
     */
    readonly ephemeralStorage: string;
  };
  readonly alertmanager: { readonly storage: string };
  readonly pushgateway: { readonly storage: string };
  readonly scaleTriggers: ScaleTriggers;
}

/** The seed's "Scale Trigger" column. */
export interface ScaleTriggers {
  /** Prometheus: head series per replica above which to act (cut cardinality; see docs/runbooks/prometheus.md). */
  readonly prometheusSeriesPerReplica: number;
  /** Thanos Query: queries per second above which to add replicas. */
  readonly thanosQueryQps: number;
  /** Store gateway: historical query latency (seconds) above which to add a block shard (`thanosStore.shards`). */
  readonly storeGatewayLatencySeconds: number;
}

const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): ComponentResources => ({
  requests: { cpu: cpuReq, memory: memReq },
  limits: { cpu: cpuLim, memory: memLim },
});

/**
 * The seed's numbers. Components the seed gives no resources for (query-frontend, ruler, grafana) get values in
 * line with their neighbours; the compactor runs on Fargate, which needs requests equal to limits, so it gets the
 * seed's limits for both.
 */
export const SEED_SIZING: StackSizing = {
  components: {
    prometheus: { replicas: 2, maxReplicas: 4, resources: res('500m', '2Gi', '2000m', '8Gi') },
    thanosQuery: { replicas: 2, maxReplicas: 4, resources: res('250m', '512Mi', '1000m', '2Gi') },
    thanosQueryFrontend: { replicas: 2, maxReplicas: 4, resources: res('100m', '256Mi', '500m', '1Gi') },
    thanosStore: { replicas: 2, maxReplicas: 4, resources: res('250m', '1Gi', '1000m', '4Gi') },
    thanosRuler: { replicas: 2, maxReplicas: 2, resources: res('250m', '512Mi', '1000m', '2Gi') },
    thanosCompactor: { replicas: 1, maxReplicas: 1, resources: res('1000m', '4Gi', '1000m', '4Gi') },
    alertmanager: { replicas: 2, maxReplicas: 3, resources: res('100m', '256Mi', '500m', '512Mi') },
    pushgateway: { replicas: 2, maxReplicas: 2, resources: res('100m', '128Mi', '500m', '512Mi') },
    grafana: { replicas: 2, maxReplicas: 2, resources: res('100m', '256Mi', '500m', '1Gi') },
  },
  prometheus: { scrapeInterval: '15s', evaluationInterval: '15s', retentionSize: '50GB', storage: '100Gi' },
  // The seed's 1GB index + 2GB chunk cache do not fit its own 4Gi store gateway limit with a working set
  // (storeGatewayMemoryProblems): the index cache keeps the seed's 1GB, the chunk cache gives up 1GB.
  thanosStore: { indexCacheSize: '1GB', chunkCacheSize: '1GB', storage: '50Gi', shards: 1 },
  thanosCompactor: { ephemeralStorage: '140Gi' },
  alertmanager: { storage: '2Gi' },
  pushgateway: { storage: '2Gi' },
  scaleTriggers: { prometheusSeriesPerReplica: 500_000, thanosQueryQps: 100, storeGatewayLatencySeconds: 10 },
};

const BINARY_SUFFIX: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};
// Kubernetes quantities use k, M, G; Prometheus/Thanos sizes (50GB, 1GB) use KB, MB, GB. Both are powers of 1000
// for Kubernetes; Prometheus' units are powers of 1024 (see parseByteSize).
const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/**
 * Parses a Kubernetes quantity (`2Gi`, `512Mi`, `500m`, `1.5`, `1G`) into its base unit (bytes or cores).
 * Returns undefined when the text is not a quantity.
 */
export function parseQuantity(text: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|m|k|M|G|T|P)?$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const suffix = match[2];
  if (suffix === undefined) return value;
  if (suffix === 'm') return value / 1000;
  return value * (BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix] ?? Number.NaN);
}

/**
 * Parses a Prometheus/Thanos byte size (`50GB`, `1GB`, `512MB`): units are powers of 1024, as Prometheus'
 * `--storage.tsdb.retention.size` and Thanos' cache `max_size` read them. Returns undefined when invalid.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^([0-9]+)(B|KB|MB|GB|TB|PB)$/.exec(text);
  if (!match) return undefined;
  const power = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'].indexOf(match[2] ?? '');
  return Number(match[1]) * 1024 ** power;
}

/**
 * The store gateway's memory budget. Thanos' in-memory caches count only their entries against `max_size`
 * (thanos-io/thanos pkg/store/cache/inmemory.go `InMemoryIndexCacheConfig`, pkg/cache/inmemory.go
 * `InMemoryCacheConfig`: "overall maximum number of bytes cache can contain"), and the caches are live memory the
 * garbage collector cannot free. Next to them a Series call needs postings, series and chunks buffers and gRPC
 * frames: {@link STORE_GATEWAY_WORKING_SET_BYTES}. `GOMEMLIMIT` at {@link STORE_GATEWAY_GOMEMLIMIT_RATIO} of the
 * container limit makes the Go GC work harder before the kernel OOM-kills the pod, leaving the rest for
 * non-heap memory (goroutine stacks, mmap'd index-headers' touched pages).
 */
export const STORE_GATEWAY_GOMEMLIMIT_RATIO = 0.9;
/** Working set of concurrent Series requests next to the caches (a judgement: 1 GiB for the seed's query load). */
export const STORE_GATEWAY_WORKING_SET_BYTES = 2 ** 30;

/** Pods of a component: replicas, times the block shards for the store gateway (each shard has `replicas`). */
export function componentPods(sizing: Pick<StackSizing, 'components' | 'thanosStore'>, name: Component): number {
  const { replicas } = sizing.components[name];
  return name === 'thanosStore' ? replicas * sizing.thanosStore.shards : replicas;
}

export interface StoreGatewayMemoryBudget {
  readonly limitBytes: number;
  readonly cacheBytes: number;
  readonly goMemLimitBytes: number;
  /** What is left for the working set under GOMEMLIMIT. */
  readonly headroomBytes: number;
}

export function storeGatewayMemoryBudget(sizing: StackSizing): StoreGatewayMemoryBudget {
  const limitBytes = parseQuantity(sizing.components.thanosStore.resources.limits.memory) ?? Number.NaN;
  const cacheBytes =
    (parseByteSize(sizing.thanosStore.indexCacheSize) ?? Number.NaN) +
    (parseByteSize(sizing.thanosStore.chunkCacheSize) ?? Number.NaN);
  const goMemLimitBytes = Math.floor(limitBytes * STORE_GATEWAY_GOMEMLIMIT_RATIO);
  return { limitBytes, cacheBytes, goMemLimitBytes, headroomBytes: goMemLimitBytes - cacheBytes };
}

/** The `GOMEMLIMIT` value of the store gateway container (whole MiB, as the Go runtime reads it). */
export function storeGatewayGoMemLimit(sizing: StackSizing): string {
  return `${Math.floor(storeGatewayMemoryBudget(sizing).goMemLimitBytes / 2 ** 20)}MiB`;
}

/** Caches + working set must fit under GOMEMLIMIT; empty when they do (or when a size is unparseable: reported elsewhere). */
export function storeGatewayMemoryProblems(sizing: StackSizing): string[] {
  const budget = storeGatewayMemoryBudget(sizing);
  if (Number.isNaN(budget.headroomBytes)) return [];
  if (budget.headroomBytes >= STORE_GATEWAY_WORKING_SET_BYTES) return [];
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)}GiB`;
  return [
    `thanosStore: caches ${sizing.thanosStore.indexCacheSize} + ${sizing.thanosStore.chunkCacheSize} leave ${gib(budget.headroomBytes)} under GOMEMLIMIT ${gib(budget.goMemLimitBytes)} (${STORE_GATEWAY_GOMEMLIMIT_RATIO * 100}% of the ${sizing.components.thanosStore.resources.limits.memory} limit); queries need ${gib(STORE_GATEWAY_WORKING_SET_BYTES)}: shrink the caches, raise the limit or move the caches to memcached`,
  ];
}

/** Seconds of a Prometheus duration like `15s`, `1m`, `500ms`; undefined when invalid. */
export function durationSeconds(text: string): number | undefined {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

/** The compactor's scratch space for 14-day blocks must fit its ephemeral storage (compactor-scratch.ts). */
function compactorScratchProblem(sizing: StackSizing, availableBytes: number): string | undefined {
  const scrapeIntervalSeconds = durationSeconds(sizing.prometheus.scrapeInterval);
  if (scrapeIntervalSeconds === undefined) return undefined; // reported below
  try {
    compactorScratchPlan({
      seriesPerReplica: sizing.scaleTriggers.prometheusSeriesPerReplica,
      scrapeIntervalSeconds,
      availableBytes,
    });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Checks the sizing invariants. Returns problems as `path: message` strings; empty means valid. */
export function sizingProblems(sizing: StackSizing): string[] {
  const problems: string[] = [];
  for (const name of COMPONENTS) {
    const c = sizing.components[name];
    const path = `components.${name}`;
    if (c.replicas < 1) problems.push(`${path}.replicas: must be at least 1, got ${c.replicas}`);
    if (c.maxReplicas < c.replicas) {
      problems.push(`${path}.maxReplicas: must be at least replicas (${c.replicas}), got ${c.maxReplicas}`);
    }
    for (const kind of ['cpu', 'memory'] as const) {
      const request = parseQuantity(c.resources.requests[kind]);
      const limit = parseQuantity(c.resources.limits[kind]);
      if (request === undefined)
        problems.push(`${path}.resources.requests.${kind}: not a Kubernetes quantity: "${c.resources.requests[kind]}"`);
      if (limit === undefined)
        problems.push(`${path}.resources.limits.${kind}: not a Kubernetes quantity: "${c.resources.limits[kind]}"`);
      if (request !== undefined && limit !== undefined && request > limit) {
        problems.push(
          `${path}.resources.requests.${kind}: ${c.resources.requests[kind]} exceeds the limit ${c.resources.limits[kind]}`,
        );
      }
    }
  }
  const compactor = sizing.components.thanosCompactor;
  if (compactor.replicas !== 1 || compactor.maxReplicas !== 1) {
    problems.push(
      'components.thanosCompactor.replicas: the compactor must be a singleton (object storage has no lock): use 1',
    );
  }
  for (const kind of ['cpu', 'memory'] as const) {
    if (parseQuantity(compactor.resources.requests[kind]) !== parseQuantity(compactor.resources.limits[kind])) {
      problems.push(`components.thanosCompactor.resources.requests.${kind}: Fargate needs requests equal to limits`);
    }
  }
  const { shards } = sizing.thanosStore;
  const storeReplicas = sizing.components.thanosStore;
  if (!Number.isInteger(shards) || shards < 1) {
    problems.push(`thanosStore.shards: must be a whole number of at least 1, got ${shards}`);
  } else if (componentPods(sizing, 'thanosStore') > storeReplicas.maxReplicas) {
    problems.push(
      `thanosStore.shards: ${shards} shards × ${storeReplicas.replicas} replicas = ${componentPods(sizing, 'thanosStore')} store gateways, above components.thanosStore.maxReplicas (${storeReplicas.maxReplicas})`,
    );
  }
  const prometheusHa = sizing.components.prometheus.replicas;
  if (prometheusHa < 2)
    problems.push(`components.prometheus.replicas: HA needs at least 2 replicas, got ${prometheusHa}`);
  const ephemeral = parseQuantity(sizing.thanosCompactor.ephemeralStorage);
  if (ephemeral === undefined) {
    problems.push(
      `thanosCompactor.ephemeralStorage: not a Kubernetes quantity: "${sizing.thanosCompactor.ephemeralStorage}"`,
    );
  } else if (ephemeral > 175 * 2 ** 30) {
    problems.push(
      `thanosCompactor.ephemeralStorage: Fargate allows at most 175Gi, got ${sizing.thanosCompactor.ephemeralStorage}`,
    );
  } else {
    const problem = compactorScratchProblem(sizing, ephemeral);
    if (problem) problems.push(problem);
  }
  for (const [path, value] of [
    ['prometheus.retentionSize', sizing.prometheus.retentionSize],
    ['thanosStore.indexCacheSize', sizing.thanosStore.indexCacheSize],
    ['thanosStore.chunkCacheSize', sizing.thanosStore.chunkCacheSize],
  ] as const) {
    if (parseByteSize(value) === undefined) problems.push(`${path}: not a byte size like "50GB": "${value}"`);
  }
  for (const [path, value] of [
    ['prometheus.storage', sizing.prometheus.storage],
    ['thanosStore.storage', sizing.thanosStore.storage],
    ['alertmanager.storage', sizing.alertmanager.storage],
    ['pushgateway.storage', sizing.pushgateway.storage],
  ] as const) {
    if (parseQuantity(value) === undefined) problems.push(`${path}: not a Kubernetes quantity: "${value}"`);
  }
  problems.push(...storeGatewayMemoryProblems(sizing));
  const retention = parseByteSize(sizing.prometheus.retentionSize);
  const volume = parseQuantity(sizing.prometheus.storage);
  if (retention !== undefined && volume !== undefined && volume < retention) {
    problems.push(
      `prometheus.storage: ${sizing.prometheus.storage} is smaller than retentionSize ${sizing.prometheus.retentionSize}`,
    );
  }
  for (const [path, value] of [
    ['prometheus.scrapeInterval', sizing.prometheus.scrapeInterval],
    ['prometheus.evaluationInterval', sizing.prometheus.evaluationInterval],
  ] as const) {
    if (!/^[0-9]+(ms|s|m|h)$/.test(value)) problems.push(`${path}: not a Prometheus duration like "15s": "${value}"`);
  }
  return problems;
}
