import {
  groupExposition,
  type PushgatewayReplica,
  ReplicaUnavailableError,
  type StoredGroup,
} from '../../adapters/pushgateway';
import { recordRefusal } from '../../adapters/refusal-recorder';
import { DELETE_TOMBSTONE_MS, type JournalEntry, journalId, type RepairJournal } from '../../adapters/repair-journal';
import { decodePushBody, type RefusalStage } from '../../domain/exposition/decode';
import type { MetricType } from '../../domain/exposition/parser';
import { GroupIndex } from '../../domain/group-index';
import { formatGroupingPath, groupingKeyId, parseGroupingPath } from '../../domain/grouping-key';
import { validateConsistency, validatePushBody } from '../../domain/push-validation';
import {
  applyPush,
  type GroupState,
  PUSH_METHODS,
  type PushMethod,
  pushedFamilies,
  successStatus,
} from '../../domain/pushgateway-semantics';
import { canonicalJson, planReconciliation, type ReconcileAction, type ReplicaView } from '../../domain/reconciliation';

/** The request shape both API Gateway (v2 events) and the local HTTP server adapt to. */
export interface PushRequest {
  readonly method: string;
  /** Percent-decoded path, as the Pushgateway's router sees it. */
  readonly path: string;
  /** The path as received (still percent-encoded), forwarded to the replicas. */
  readonly rawPath: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export interface PushResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface PushIngestDeps {
  readonly replicas: readonly PushgatewayReplica[];
  readonly journal: RepairJournal;
  /** Largest body accepted (compressed as sent); larger → 413. */
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  /**
   * How old the snapshot of the replicas' groups may be for validation. Our own writes are applied to it as they
   * succeed; a push it finds inconsistent is checked again against a fresh read before the 400, and a push it
   * wrongly accepts is refused by the replicas themselves (their check is atomic), so nothing wrong is applied.
   * @default 0 (read the replicas on every push)
   */
  readonly stateMaxAgeMs?: number;
}

/** Names the replicas that did not take the push now; the repair brings them in step. */
export const MISSED_HEADER = 'x-greenlang-replicas-missed';
/** Names replicas that refused a push the others took (their state had diverged; logged as an error). */
export const REJECTED_HEADER = 'x-greenlang-replicas-rejected';

/** Decompressed bodies are capped too (a small gzip can inflate to gigabytes). */
const MAX_INFLATE_FACTOR = 16;

function text(status: number, body: string, headers: Record<string, string> = {}): PushResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/**
 * The push API: validates fully (path, size, encoding, text format, consistency with what the replicas hold),
 * then writes every replica in parallel; 2xx once one replica applied it, with the misses journaled durably first.
 */
export function makeHandler(deps: PushIngestDeps): (request: PushRequest) => Promise<PushResponse> {
  const now = deps.now ?? (() => new Date());
  const maxAgeMs = deps.stateMaxAgeMs ?? 0;
  let snapshot: Snapshot | undefined;
  const currentState = async (fresh: boolean): Promise<Snapshot | undefined> => {
    if (!fresh && snapshot && Date.now() - snapshot.takenAt <= maxAgeMs) return snapshot;
    const read = await readState(deps.replicas);
    if (!read) return undefined;
    snapshot = { groups: GroupIndex.of(read.groups), ownFamilies: read.ownFamilies, takenAt: Date.now() };
    return snapshot;
  };
  return async (request) => {
    const method = request.method.toUpperCase() as PushMethod;
    /** The one way a push is refused with 400: every replica is left as a Pushgateway refusing it would be. */
    const refuse = async (stage: RefusalStage, message: string): Promise<PushResponse> => {
      if (PUSH_METHODS.includes(method)) {
        await recordRefusal(deps.replicas, { method, rawPath: request.rawPath, stage, message }, deps.logger);
      }
      return text(400, `${message}\n`);
    };
    const key = parseGroupingPath(request.path);
    if (!key.ok) return key.status === 400 ? refuse('parse', key.message) : text(key.status, `${key.message}\n`);
    let pushState: GroupState | undefined;
    if (!PUSH_METHODS.includes(method)) return text(405, 'Method Not Allowed\n', { allow: PUSH_METHODS.join(', ') });
    if (request.body.byteLength > deps.maxPayloadBytes) {
      return text(
        413,
        `push body of ${request.body.byteLength} bytes exceeds the limit of ${deps.maxPayloadBytes} bytes\n`,
      );
    }
    const contentType = request.headers['content-type'];
    const contentEncoding = request.headers['content-encoding'];

    if (method !== 'DELETE') {
      const parsed = decodePushBody(contentType, contentEncoding, request.body, {
        maxDecodedBytes: deps.maxPayloadBytes * MAX_INFLATE_FACTOR,
      });
      if (!parsed.ok) {
        return parsed.status === 400
          ? refuse(parsed.stage, parsed.message)
          : text(parsed.status, `${parsed.message}\n`);
      }
      const bodyCheck = validatePushBody(parsed.families);
      if (!bodyCheck.ok) return refuse('storage', bodyCheck.message);

      pushState = { key: key.key, families: pushedFamilies(parsed.families, key.key) };
      const check = (state: Snapshot) =>
        validateConsistency({
          method,
          key: key.key,
          pushed: pushState?.families ?? [],
          groups: state.groups,
          ownFamilies: state.ownFamilies,
        });
      let state = await currentState(false);
      if (!state) return text(503, 'no Pushgateway replica answered; nothing was applied\n');
      let consistency = check(state);
      if (!consistency.ok && maxAgeMs > 0) {
        // Refuse only on what the replicas hold now, not on a snapshot.
        state = await currentState(true);
        if (!state) return text(503, 'no Pushgateway replica answered; nothing was applied\n');
        consistency = check(state);
      }
      if (!consistency.ok) return refuse('storage', consistency.message);
    }

    if (method === 'DELETE') {
      // Before any replica deletes it, so the reconciliation never copies the group back from a slower replica.
      await deps.journal.noteDeleted(groupingKeyId(key.key), now());
    }
    const forwarded = {
      method,
      path: request.rawPath,
      body: request.body,
      contentType,
      contentEncoding,
    };
    const results = await Promise.all(
      deps.replicas.map(async (replica) => {
        // A replica that still owes journaled pushes gets this one after them, in order.
        if (await deps.journal.hasPending(replica.name)) return { replica, outcome: 'deferred' as const };
        try {
          const answer = await replica.push(forwarded);
          if (answer.status >= 200 && answer.status < 300) return { replica, outcome: 'applied' as const, answer };
          return { replica, outcome: 'rejected' as const, answer };
        } catch (error) {
          if (!(error instanceof ReplicaUnavailableError)) throw error;
          deps.logger.warn('replica missed a push', { replica: replica.name, error: error.message });
          return { replica, outcome: 'unavailable' as const };
        }
      }),
    );
    const applied = results.filter((r) => r.outcome === 'applied');
    const rejected = results.filter((r) => r.outcome === 'rejected');
    if (applied.length === 0) {
      snapshot = undefined;
      const first = rejected[0];
      if (first?.answer) return text(first.answer.status, first.answer.body);
      return text(503, 'no Pushgateway replica took the push; nothing was acknowledged, retry\n');
    }
    if (rejected.length > 0) snapshot = undefined;
    else if (snapshot) {
      const id = groupingKeyId(key.key);
      if (method === 'DELETE') snapshot.groups.delete(id);
      else if (pushState) {
        const push = pushState;
        const versions = snapshot.groups.versions(id);
        snapshot.groups.set(
          id,
          versions.length === 0 ? [push] : versions.map((existing) => applyPush(method, existing, push)),
        );
      }
    }
    const missed = results.filter((r) => r.outcome === 'unavailable' || r.outcome === 'deferred');
    if (missed.length > 0) {
      const receivedAt = now();
      const entries: JournalEntry[] = missed.map((m) => ({
        id: journalId(receivedAt),
        replica: m.replica.name,
        method,
        path: request.rawPath,
        body: Buffer.from(request.body).toString('base64'),
        contentType,
        contentEncoding,
        receivedAt: receivedAt.toISOString(),
      }));
      try {
        await deps.journal.append(entries);
      } catch (error) {
        deps.logger.error('could not journal a missed push; not acknowledging it', {
          error: (error as Error).message,
          replicas: missed.map((m) => m.replica.name),
        });
        return text(503, 'the push reached some replicas but could not be journaled for the others; retry it\n');
      }
    }
    if (rejected.length > 0) {
      deps.logger.error('replicas diverged: some refused a push others applied', {
        rejected: rejected.map((r) => ({ replica: r.replica.name, status: r.answer?.status, body: r.answer?.body })),
      });
    }
    const headers: Record<string, string> = {};
    if (missed.length > 0) headers[MISSED_HEADER] = missed.map((m) => m.replica.name).join(', ');
    if (rejected.length > 0) headers[REJECTED_HEADER] = rejected.map((r) => r.replica.name).join(', ');
    return { status: successStatus(method), headers, body: '' };
  };
}

interface Snapshot {
  readonly groups: GroupIndex;
  readonly ownFamilies: ReadonlyMap<string, MetricType>;
  readonly takenAt: number;
}

interface ReplicaState {
  readonly groups: StoredGroup[];
  readonly ownFamilies: ReadonlyMap<string, MetricType>;
}

/** What the replicas hold, as a union (a lagging replica may miss groups the other has). */
async function readState(replicas: readonly PushgatewayReplica[]): Promise<ReplicaState | undefined> {
  const answers = await Promise.allSettled(
    replicas.map(async (r) => ({ groups: await r.groups(), own: await r.ownFamilies() })),
  );
  const groups: StoredGroup[] = [];
  let ownFamilies: ReadonlyMap<string, MetricType> | undefined;
  for (const answer of answers) {
    if (answer.status !== 'fulfilled') continue;
    groups.push(...answer.value.groups);
    ownFamilies ??= answer.value.own;
  }
  return ownFamilies ? { groups, ownFamilies } : undefined;
}

export interface RepairReport {
  readonly replayed: number;
  readonly dropped: number;
  /** Groups copied by the state-based reconciliation. */
  readonly reconciled: number;
  /** Replicas still owing entries after this run (unreachable). */
  readonly behind: string[];
}

/**
 * Replays journaled pushes to the replicas that missed them, oldest first; stops at a replica's first failure so
 * order is kept. An entry the replica refuses (4xx) is dropped with an error log: replaying it again cannot help.
 */
export function makeRepair(
  deps: Pick<PushIngestDeps, 'replicas' | 'journal' | 'logger' | 'now'>,
): () => Promise<RepairReport> {
  const now = deps.now ?? (() => new Date());
  return async () => {
    let replayed = 0;
    let dropped = 0;
    const behind: string[] = [];
    await Promise.all(
      deps.replicas.map(async (replica) => {
        for (;;) {
          const entries = await deps.journal.pending(replica.name, 100);
          if (entries.length === 0) return;
          for (const entry of entries) {
            try {
              const answer = await replica.push({
                method: entry.method,
                path: entry.path,
                body: Buffer.from(entry.body, 'base64'),
                contentType: entry.contentType,
                contentEncoding: entry.contentEncoding,
              });
              if (answer.status < 200 || answer.status >= 300) {
                dropped++;
                deps.logger.error('replica refused a journaled push; dropped', {
                  replica: replica.name,
                  id: entry.id,
                  status: answer.status,
                  body: answer.body,
                });
              } else {
                replayed++;
              }
              await deps.journal.remove(entry);
            } catch (error) {
              if (!(error instanceof ReplicaUnavailableError)) throw error;
              behind.push(replica.name);
              return;
            }
          }
        }
      }),
    );
    let reconciled = 0;
    if (behind.length === 0) {
      const owing = await Promise.all(deps.replicas.map((r) => deps.journal.hasPending(r.name)));
      if (!owing.some(Boolean)) reconciled = await reconcile(deps.replicas, deps.journal, deps.logger, now);
    }
    return { replayed, dropped, reconciled, behind };
  };
}

async function readAll(replicas: readonly PushgatewayReplica[]): Promise<Map<string, StoredGroup[]> | undefined> {
  try {
    const all = await Promise.all(replicas.map(async (r) => [r.name, await r.groups()] as const));
    return new Map(all);
  } catch (error) {
    if (error instanceof ReplicaUnavailableError) return undefined;
    throw error;
  }
}

function views(state: Map<string, StoredGroup[]>): ReplicaView[] {
  return [...state].map(([replica, groups]) => ({
    replica,
    groups: groups.map((g) => ({
      id: groupingKeyId(g.key),
      pushTimeSeconds: g.pushTimeSeconds,
      fingerprint: canonicalJson(g.raw),
    })),
  }));
}

const actionId = (a: ReconcileAction) => `${a.groupId}|${a.source}|${a.target}|${a.sourcePushTimeSeconds}`;

/**
 * Copies groups to replicas that lack them or hold older content. Two reads must agree before anything is copied
 * (a push being fanned out looks like a difference for a moment), and recently deleted groups are left alone.
 */
async function reconcile(
  replicas: readonly PushgatewayReplica[],
  journal: RepairJournal,
  logger: Logger,
  now: () => Date,
): Promise<number> {
  const first = await readAll(replicas);
  if (!first) return 0;
  const since = new Date(now().getTime() - DELETE_TOMBSTONE_MS);
  const planned = planReconciliation(views(first), await journal.recentlyDeleted(since));
  if (planned.length === 0) return 0;
  const second = await readAll(replicas);
  if (!second) return 0;
  const confirmed = new Set(planned.map(actionId));
  const actions = planReconciliation(views(second), await journal.recentlyDeleted(since)).filter((a) =>
    confirmed.has(actionId(a)),
  );
  let copied = 0;
  for (const action of actions) {
    const source = second.get(action.source)?.find((g) => groupingKeyId(g.key) === action.groupId);
    const target = replicas.find((r) => r.name === action.target);
    if (!source || !target) continue;
    try {
      const answer = await target.push({
        method: 'PUT',
        path: formatGroupingPath(source.key),
        body: Buffer.from(groupExposition(source), 'utf8'),
        contentType: 'text/plain; version=0.0.4',
      });
      if (answer.status >= 200 && answer.status < 300) copied++;
      else logger.error('reconciliation copy refused', { ...action, status: answer.status, body: answer.body });
    } catch (error) {
      if (!(error instanceof ReplicaUnavailableError)) throw error;
      return copied;
    }
  }
  if (copied > 0) logger.info('reconciled replicas', { copied, actions: actions.length });
  return copied;
}
