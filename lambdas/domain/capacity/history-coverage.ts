/**
 * Whether the report's history is whole: which store gateways Thanos Query uses right now, against the shards the
 * environment has. `partial_response=false` makes Query fail a query when a store gateway it asks fails, but Query
 * finds store gateways by DNS SRV on a headless Service, which leaves a pod that is down or not ready out: Query
 * never asks it, and every figure older than the sidecars' local retention silently lacks that shard's blocks.
 * Pure: the store list in, a finding out.
 */

/**
 * One StoreAPI endpoint as Thanos Query lists it on `GET /api/v1/stores`: thanos-io/thanos pkg/query/endpointset.go
 * `EndpointStatus` (`name` is the endpoint's address: `IP:port` under `dnssrv+` discovery, the SRV target's host
 * name under `dnssrvnoa+`, pkg/discovery/dns/resolver.go; `lastError` is the last Info call's error, kept while
 * the endpoint stays in the set; `labelSets` are its external label sets; `minTime`/`maxTime` its data's range in
 * epoch ms, math.MinInt64/MaxInt64 for "unbounded").
 */
export interface StoreEndpointStatus {
  readonly name: string;
  readonly lastCheck: string;
  readonly lastError: string | null;
  readonly labelSets: readonly Readonly<Record<string, string>>[];
  readonly minTime: number;
  readonly maxTime: number;
}

/**
 * `/api/v1/stores` `data`: the endpoints grouped by component type (pkg/api/query/v1.go `QueryAPI.stores`, keyed by
 * pkg/component/component.go names: `store` for a store gateway, `sidecar`, `rule`, `query`, `receive`, `debug`).
 */
export type StoresByComponent = Readonly<Record<string, readonly StoreEndpointStatus[]>>;

/** Query's store list, or why there is none (a plain Prometheus has no `/api/v1/stores`: 404). */
export type StoreListAnswer =
  | { readonly kind: 'listed'; readonly stores: StoresByComponent }
  | { readonly kind: 'absent'; readonly reason: string };

/** The component type Thanos gives a store gateway (pkg/component/component.go `Store`). */
export const STORE_GATEWAY_COMPONENT = 'store';

export type HistoryCoverageStatus = 'complete' | 'incomplete' | 'unverified';

export interface StoreGatewayCoverage {
  /** `sizing.thanosStore.shards`: each shard holds its own blocks, so every one must answer. */
  readonly expectedShards: number;
  /** `components.thanosStore.replicas`: replicas of one shard hold the same blocks, so one answering is enough. */
  readonly replicasPerShard: number;
  /** Store gateways Query lists without an error. */
  readonly answering: number;
  /** Store gateways Query lists with an error: it does not query them. */
  readonly failing: readonly { readonly name: string; readonly lastError: string }[];
  /** Shards with an answering store gateway, when the names tell (pod DNS names); null when they do not (`IP:port`). */
  readonly answeringShards: readonly number[] | null;
  /** Shards without an answering store gateway, when the names tell; null when they do not. */
  readonly missingShards: readonly number[] | null;
  /** Shards certainly without an answering store gateway (also when the names do not tell which). */
  readonly missingAtLeast: number;
}

export type HistoryCoverage =
  | { readonly checked: false; readonly reason: string }
  | {
      readonly checked: true;
      /**
       * `complete`: every shard has an answering store gateway; `incomplete`: at least one shard has none;
       * `unverified`: fewer store gateways answer than configured and their names do not tell whether each shard has
       * one.
       */
      readonly status: HistoryCoverageStatus;
      readonly storeGateways: StoreGatewayCoverage;
      /** The oldest sample an answering StoreAPI holds (its `minTime`), ISO; null when none gives one. */
      readonly oldestDataAt: string | null;
    };

/**
 * Pod names of the store gateway (lib/k8s/thanos-store.ts `storeShards`): `thanos-store-<n>` unsharded,
 * `thanos-store-shard-<i>-<n>` sharded; a StatefulSet pod's SRV target is `<pod>.<service>.<namespace>.svc...`.
 * An optional `scheme://` as Thanos keeps it (pkg/discovery/dns/resolver.go `appendScheme`).
 */
const STORE_POD_NAME = /^(?:[a-z][a-z0-9+.-]*:\/\/)?thanos-store(?:-shard-(\d+))?-(\d+)(?:[.:]|$)/;

/** The shard a store gateway serves, when its name tells and fits `shards`; undefined otherwise. */
export function storeGatewayShard(name: string, shards: number): number | undefined {
  const match = STORE_POD_NAME.exec(name);
  if (!match) return undefined;
  const shard = match[1];
  // An unsharded pod holds every block: it names shard 0 only when there is one shard.
  if (shard === undefined) return shards === 1 ? 0 : undefined;
  const index = Number(shard);
  return shards > 1 && index < shards ? index : undefined;
}

/** Epoch ms a real sample can have: Thanos says "unbounded" with math.MinInt64/MaxInt64, and 0000-01-01 for none. */
const plausibleTime = (ms: number, now: number) => Number.isFinite(ms) && ms > 0 && ms <= now;

/**
 * Decides the coverage from Query's store list. A shard counts as present when a store gateway Query lists without
 * an error serves it. Names that do not tell the shard (`IP:port`, this stack's `dnssrv+` discovery) still prove a
 * shard present by counting: a shard has at most `replicasPerShard` pods, so `n` answering store gateways whose shard
 * is unknown cover at least ⌈(n − room left in the shards already seen) / replicasPerShard⌉ unseen shards and at most
 * `n`.
 */
export function assessHistoryCoverage(
  answer: StoreListAnswer | undefined,
  expected: { readonly shards: number; readonly replicasPerShard: number },
  now: Date,
): HistoryCoverage {
  if (answer === undefined) return { checked: false, reason: 'the store list was not asked for' };
  if (answer.kind === 'absent') return { checked: false, reason: answer.reason };
  const shards = expected.shards;
  const replicas = Math.max(1, expected.replicasPerShard);
  const gateways = answer.stores[STORE_GATEWAY_COMPONENT] ?? [];
  const answering = gateways.filter((s) => s.lastError === null);
  const failing = gateways.flatMap((s) => (s.lastError === null ? [] : [{ name: s.name, lastError: s.lastError }]));

  const seenCount = new Map<number, number>();
  let anonymous = 0;
  for (const s of answering) {
    const shard = storeGatewayShard(s.name, shards);
    if (shard === undefined) anonymous += 1;
    else seenCount.set(shard, (seenCount.get(shard) ?? 0) + 1);
  }
  const unseen = Array.from({ length: shards }, (_, i) => i).filter((i) => !seenCount.has(i));
  const roomInSeen = [...seenCount.values()].reduce((room, n) => room + Math.max(0, replicas - n), 0);
  const surelyCovered = Math.ceil(Math.max(0, anonymous - roomInSeen) / replicas);
  const missingAtLeast = Math.max(0, unseen.length - anonymous);
  const status: HistoryCoverageStatus =
    unseen.length === 0 || surelyCovered >= unseen.length
      ? 'complete'
      : missingAtLeast > 0
        ? 'incomplete'
        : 'unverified';
  const named = anonymous === 0;

  const nowMs = now.getTime();
  const minTimes = Object.values(answer.stores)
    .flat()
    .filter((s) => s.lastError === null && plausibleTime(s.minTime, nowMs))
    .map((s) => s.minTime);
  return {
    checked: true,
    status,
    storeGateways: {
      expectedShards: shards,
      replicasPerShard: replicas,
      answering: answering.length,
      failing,
      answeringShards: named ? [...seenCount.keys()].sort((a, b) => a - b) : null,
      missingShards: named ? unseen : null,
      missingAtLeast: status === 'complete' ? 0 : missingAtLeast,
    },
    oldestDataAt: minTimes.length ? new Date(Math.min(...minTimes)).toISOString() : null,
  };
}

/** `1` → `shard 1`, `[0, 2]` → `shards 0 and 2`. */
function shardList(shards: readonly number[]): string {
  const list =
    shards.length > 1 ? `${shards.slice(0, -1).join(', ')} and ${shards[shards.length - 1]}` : `${shards[0]}`;
  return `${shards.length === 1 ? 'shard' : 'shards'} ${list}`;
}

/** What is missing, in a few words: `store gateway shard 1 of 2 not answering`. */
export function describeMissing(c: Extract<HistoryCoverage, { checked: true }>): string {
  const g = c.storeGateways;
  if (c.status === 'unverified') {
    return `${g.answering} of ${g.expectedShards * g.replicasPerShard} store gateways answering, their shards unknown`;
  }
  if (g.answering === 0) return 'no store gateway answering';
  if (g.missingShards && g.missingShards.length > 0) {
    return `store gateway ${shardList(g.missingShards)} of ${g.expectedShards} not answering`;
  }
  return `at least ${g.missingAtLeast} of ${g.expectedShards} store gateway shards not answering`;
}

/** One line for the report's coverage section. */
export function describeHistoryCoverage(c: HistoryCoverage): string {
  if (!c.checked) return `Not checked: ${c.reason}.`;
  const g = c.storeGateways;
  const oldest = c.oldestDataAt ? `; oldest data ${c.oldestDataAt.slice(0, 10)}` : '';
  const failing = g.failing.length ? `; failing: ${g.failing.map((f) => `${f.name} (${f.lastError})`).join(', ')}` : '';
  const layout = `${g.expectedShards} shard${g.expectedShards === 1 ? '' : 's'} × ${g.replicasPerShard}`;
  switch (c.status) {
    case 'complete':
      return `Complete: ${g.answering} store gateway${g.answering === 1 ? '' : 's'} answering Thanos Query cover every shard (${layout})${oldest}${failing}.`;
    case 'incomplete':
      return `Incomplete: ${describeMissing(c)} (${layout} configured, ${g.answering} answering)${oldest}${failing}.`;
    case 'unverified':
      return `Unverified: ${describeMissing(c)} (${layout} configured): a whole shard may be missing${oldest}${failing}.`;
  }
}
