import type { GroupRecord } from './group-record';

/**
 * Which replicas hold which version of a group, kept next to the record, and the rule that decides when a
 * replica may be trusted to hold it. Replicas are caches written by whole-group PUTs; writes of one group may reach
 * a replica in any order, so a write alone proves nothing. A writer (a push, or the repair) proves its version is
 * on a replica only when it was alone on the group: no other writer in flight when it began, none begun before it
 * finished, and no abandoned write possibly still travelling. Then its PUT was the last one the replica applied.
 * Everything else leaves the replica owed, and the repair brings it to the record when it can be alone.
 */
export interface GroupEntry {
  readonly record: GroupRecord;
  /** Changes of the entry (optimistic concurrency of the store). */
  readonly rev: number;
  /** Writers begun so far. */
  readonly begins: number;
  /** Writers in flight: token → start time (ms). */
  readonly writers: Readonly<Record<string, number>>;
  /** Until then a write may still be travelling to a replica (a timed-out request, a crashed writer). */
  readonly abandonedUntil: number;
  /** Replica → the version it is proven to hold. */
  readonly synced: Readonly<Record<string, number>>;
  /**
   * The highest version whose push was acknowledged (answered 2xx), or whose content came from acknowledged ones (a
   * revert). Absent on entries from before it was kept: every version counts as acknowledged. See `acknowledgeEntry`.
   */
  readonly acked?: number;
  /**
   * Versions up to this one lost a conflict with another group before they were acknowledged: none of them ever
   * will be (their pushes are answered 400, `lostReason`). See `condemnEntry`.
   */
  readonly lost?: number;
  readonly lostReason?: string;
}

/** A writer's claim on a group: which version it writes and whether it began alone. */
export interface Writer {
  readonly token: string;
  readonly id: string;
  readonly version: number;
  readonly alone: boolean;
  /** `begins` after this writer began. */
  readonly begins: number;
}

/** What a write did on one replica. */
export type WriteOutcome =
  /** The replica answered 2xx. */
  | 'applied'
  /** The replica refused it (4xx) or could not be reached: it did not apply it. */
  | 'not-applied'
  /** No answer (timeout, connection reset): it may apply it later. */
  | 'unknown';

export interface SyncTiming {
  /** How long an unanswered write may still reach a replica (longer than the replica request timeout). */
  readonly leaseMs: number;
  /** A writer older than this is dead (its process crashed): longer than the longest push handling. */
  readonly writerExpiryMs: number;
}

/** Writers still alive at `now`; dead ones become abandoned writes. */
function live(
  entry: GroupEntry,
  now: number,
  timing: SyncTiming,
): { writers: Record<string, number>; abandonedUntil: number } {
  let abandonedUntil = entry.abandonedUntil;
  const writers = writerTable();
  for (const token in entry.writers) {
    const startedAt = entry.writers[token] as number;
    if (now - startedAt > timing.writerExpiryMs)
      abandonedUntil = Math.max(abandonedUntil, startedAt + timing.writerExpiryMs + timing.leaseMs);
    else writers[token] = startedAt;
  }
  return { writers, abandonedUntil };
}

/**
 * A table of writers by token: a null-prototype object, which V8 keeps as a hash table. Tokens are unique per write,
 * so as named properties of ordinary objects each would add a hidden class to V8's transition tree: that cost
 * ~20 us per push in place, growing with every push. JSON and the DynamoDB marshaller take it as a plain object.
 */
export function writerTable(from?: Readonly<Record<string, number>>, except?: string): Record<string, number> {
  const table = Object.create(null) as Record<string, number>;
  if (from) for (const token in from) if (token !== except) table[token] = Number(from[token]);
  return table;
}

/** Whether the record has a key (without listing them). */
function hasAny(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return true;
  return false;
}

/** The entry of a new record version, with its writer begun. `previous` is the stored entry (none for a new group). */
export function commitEntry(
  previous: GroupEntry | undefined,
  record: GroupRecord,
  token: string,
  now: number,
  timing: SyncTiming,
): { entry: GroupEntry; writer: Writer } {
  const base: GroupEntry = previous ?? {
    record,
    rev: 0,
    begins: 0,
    writers: {},
    abandonedUntil: 0,
    synced: {},
  };
  // The new version is not acknowledged until its writer says so; what came before keeps its standing.
  return begin({ ...base, record, acked: acknowledgedUpTo(previous) }, token, now, timing);
}

/** A writer begins on the current record (the repair, bringing replicas to it). */
export function beginEntry(
  entry: GroupEntry,
  token: string,
  now: number,
  timing: SyncTiming,
): { entry: GroupEntry; writer: Writer } {
  return begin(entry, token, now, timing);
}

function begin(
  entry: GroupEntry,
  token: string,
  now: number,
  timing: SyncTiming,
): { entry: GroupEntry; writer: Writer } {
  const { writers, abandonedUntil } = live(entry, now, timing);
  const alone = !hasAny(writers) && now >= abandonedUntil;
  const begins = entry.begins + 1;
  writers[token] = now;
  return {
    entry: {
      ...entry,
      rev: entry.rev + 1,
      begins,
      writers,
      abandonedUntil,
    },
    writer: { token, id: entry.record.id, version: entry.record.version, alone, begins },
  };
}

/**
 * The writer is done. Replicas it proved (alone throughout, answered 2xx) are marked as holding its version; a
 * write left unanswered may still land, so the group counts as possibly written until the lease runs out.
 */
export function finishEntry(
  entry: GroupEntry,
  writer: Writer,
  outcomes: Readonly<Record<string, WriteOutcome>>,
  now: number,
  timing: SyncTiming,
): GroupEntry {
  const writers = writerTable(entry.writers, writer.token);
  let abandonedUntil = entry.abandonedUntil;
  const proven = writer.alone && entry.begins === writer.begins && entry.record.version === writer.version;
  const synced: Record<string, number> = { ...entry.synced };
  for (const replica in outcomes) {
    const outcome = outcomes[replica];
    if (outcome === 'unknown') abandonedUntil = Math.max(abandonedUntil, now + timing.leaseMs);
    else if (outcome === 'applied' && proven) synced[replica] = writer.version;
  }
  return { ...entry, rev: entry.rev + 1, writers, abandonedUntil, synced };
}

/** The highest acknowledged version of the entry (0 for none; an entry from before acks were kept: its version). */
export function acknowledgedUpTo(entry: GroupEntry | undefined): number {
  if (!entry) return 0;
  return entry.acked ?? entry.record.version;
}

/** Whether the entry's current version is acknowledged (its content is something a client was told is held). */
export function isAcknowledged(entry: GroupEntry): boolean {
  return acknowledgedUpTo(entry) >= entry.record.version;
}

/**
 * The writer of a push is done and would answer 2xx: the entry finished as `finishEntry` does, and its version
 * acknowledged, unless a conflict already condemned it (`condemnEntry`): then `ok` is false, with the reason, and
 * the push must be answered 400. One conditional write decides between the two, so a version is never both
 * acknowledged and condemned: an acknowledged push is never the one a conflict cuts.
 */
export function acknowledgeEntry(
  entry: GroupEntry,
  writer: Writer,
  outcomes: Readonly<Record<string, WriteOutcome>>,
  now: number,
  timing: SyncTiming,
): { entry: GroupEntry; ok: true } | { entry: GroupEntry; ok: false; reason: string } {
  const finished = finishEntry(entry, writer, outcomes, now, timing);
  if ((entry.lost ?? 0) >= writer.version) {
    return { entry: finished, ok: false, reason: entry.lostReason ?? 'inconsistent with another group' };
  }
  return { entry: { ...finished, acked: Math.max(acknowledgedUpTo(entry), writer.version) }, ok: true };
}

/**
 * Whether the entry's current version may still be put back: a push's writer is on it and it is not acknowledged (its
 * push may yet lose a conflict with another instance's group, or was condemned for one, and be reverted).
 * The next push to the group waits for it to settle (handler.ts `settledBase`): a POST built on it would carry a
 * losing push's content on, and a push that is then put back itself would restore it.
 */
export function isUnsettled(entry: GroupEntry): boolean {
  // A condemned version is not settled until its writer has put it back: followed before that, it would live on.
  if (isAcknowledged(entry)) return false;
  return Object.keys(entry.writers).some((token) => token.startsWith(PUSH_WRITER_PREFIX));
}

/**
 * Whether the group may still go back to an acknowledged version the store no longer holds: a push is writing a newer
 * version that may yet be put back (`isUnsettled`) on top of one that was acknowledged.
 */
export function mayBePutBack(entry: GroupEntry): boolean {
  return acknowledgedUpTo(entry) > 0 && isUnsettled(entry);
}

/** The token prefix of a push's writer (the repair's writers begin with `repair-`). */
export const PUSH_WRITER_PREFIX = 'push-';

/**
 * Marks the entry's current version as the loser of a conflict, so its push can never be acknowledged; undefined
 * when it cannot be (it is acknowledged already, or the group has moved to another version) or need not be (it is
 * condemned already).
 */
export function condemnEntry(entry: GroupEntry, version: number, reason: string): GroupEntry | undefined {
  if (entry.record.version !== version || isAcknowledged(entry) || (entry.lost ?? 0) >= version) return undefined;
  return { ...entry, rev: entry.rev + 1, lost: version, lostReason: reason };
}

/** The replica lost what it held (it restarted): nothing on it is proven any more, and no writer in flight can prove it. */
export function invalidateReplica(entry: GroupEntry, replica: string): GroupEntry {
  const { [replica]: _lost, ...synced } = entry.synced;
  return { ...entry, rev: entry.rev + 1, begins: entry.begins + 1, synced };
}

/**
 * The replica restarted, and was found holding this very version as another replica proven to hold it holds it
 * (held-content.ts), with no writer of the group since before it was read: it is proven too, and is not rewritten
 * (a rewrite would stamp the group with a new `push_time_seconds` and clear its failure time). Like
 * `invalidateReplica`, no writer in flight can prove anything on it afterwards.
 */
export function confirmReplica(entry: GroupEntry, replica: string): GroupEntry {
  return {
    ...entry,
    rev: entry.rev + 1,
    begins: entry.begins + 1,
    synced: { ...entry.synced, [replica]: entry.record.version },
  };
}

/**
 * After a restart of the process that wrote the group: its writers are dead and any write it sent may still be
 * travelling, recorded or not (a writer's begin need not reach the disk), so nothing is proven for a lease.
 */
export function abandonWriters(entry: GroupEntry, now: number, timing: SyncTiming): GroupEntry {
  return {
    ...entry,
    rev: entry.rev + 1,
    writers: {},
    abandonedUntil: Math.max(entry.abandonedUntil, now + timing.leaseMs),
  };
}

/** Replicas not proven to hold the record's version. */
export function owedReplicas(entry: GroupEntry, replicas: readonly string[]): string[] {
  return replicas.filter((r) => (entry.synced[r] ?? 0) !== entry.record.version);
}

/** Whether a writer beginning now would be alone (the repair only writes then: otherwise it could prove nothing). */
export function canBeAlone(entry: GroupEntry, now: number, timing: SyncTiming): boolean {
  const { writers, abandonedUntil } = live(entry, now, timing);
  return Object.keys(writers).length === 0 && now >= abandonedUntil;
}

/**
 * A tombstone every replica is proven not to hold, with nobody writing: it can go (a later push starts the group
 * again at version 1, and no older write can still arrive).
 */
export function isCollectable(
  entry: GroupEntry,
  replicas: readonly string[],
  now: number,
  timing: SyncTiming,
): boolean {
  return entry.record.deleted && owedReplicas(entry, replicas).length === 0 && canBeAlone(entry, now, timing);
}

/** Whether the repair has work on the entry: a replica owes it, or it is a tombstone to drop once proven. */
export function needsRepair(entry: GroupEntry, replicas: readonly string[]): boolean {
  return entry.record.deleted || owedReplicas(entry, replicas).length > 0;
}
