import type { GroupStore } from '../../adapters/group-store';
import type { PushMetricsSink } from '../../adapters/push-metrics';
import { type PushgatewayReplica, pushgatewayReplica } from '../../adapters/pushgateway';
import type { CredentialSource } from '../../domain/basic-credentials';
import type { SyncTiming } from '../../domain/group-sync';
import type { PushLimits } from '../../domain/push-limits';
import { bootstrapStore } from '../push-repair/repair';
import { registerKeyNames } from './crossing-lookup';
import { GroupView } from './group-view';
import { type Logger, makeHandler, type PushRequest, type PushResponse } from './handler';

/**
 * What both push functions (ingest and repair) are built from, in AWS (`./dependencies.ts`: DynamoDB) and in
 * `npm run local -- ingest` (`lambdas/local/ingest-server.ts`: a local file).
 */
export interface PushParts {
  readonly replicas: readonly PushgatewayReplica[];
  readonly store: GroupStore;
  readonly timing: SyncTiming;
  readonly logger: Logger;
}

/** A replica's name: its position in the URL list (`pushgateway-0`, `pushgateway-1`, ...), as the store records it. */
export function pushgatewayReplicaName(index: number): string {
  return `pushgateway-${index}`;
}

/** How the push functions reach every replica. */
export interface ReplicaLinks {
  /** How long a request waits for a replica's answer. */
  readonly timeoutMs: number;
  /** PEM: the only CA trusted for https replicas (the Private CA of the replicas' NLB certificates). */
  readonly ca?: string | undefined;
  /** The basic-auth credentials the replicas admit (none: no `Authorization` header). */
  readonly credentials?: CredentialSource | undefined;
}

/** One client per replica URL, named by position. */
export function pushgatewayReplicas(urls: readonly string[], links: ReplicaLinks): PushgatewayReplica[] {
  const { timeoutMs, ca, credentials } = links;
  return urls.map((url, i) =>
    pushgatewayReplica(pushgatewayReplicaName(i), url, {
      timeoutMs,
      ...(ca === undefined ? {} : { ca }),
      ...(credentials === undefined ? {} : { credentials }),
    }),
  );
}

/**
 * Lease and writer expiry for a replica timeout: a write unanswered after its timeout gets 2 s more to land; a
 * writer older than a minute is dead (the ingest function times out at 29 s).
 */
export function syncTiming(replicaTimeoutMs: number): SyncTiming {
  return { leaseMs: replicaTimeoutMs + 2000, writerExpiryMs: 60_000 };
}

/**
 * The push handler's object graph, the same in Lambda and locally: the store is bootstrapped from the replicas
 * on first use, then its groups are indexed for validation (kept current by this instance's commits), and their
 * key names registered for the crossing look (series-crossings.ts): records committed before the registry existed
 * are covered from the first instance started after the upgrade, before the repair seeds them.
 */
export async function composePushIngest(
  parts: PushParts,
  limits: PushLimits,
  metrics?: PushMetricsSink,
): Promise<(request: PushRequest) => Promise<PushResponse>> {
  const { replicas, store, timing, logger } = parts;
  await bootstrapStore({ replicas, store, logger });
  const view = await GroupView.load(store);
  if (!(await registerKeyNames(store, view.keyNames()))) {
    throw new Error('the registry of grouping-key names kept changing under this start; retry');
  }
  return makeHandler({ replicas, store, view, limits, timing, logger, ...(metrics === undefined ? {} : { metrics }) });
}
