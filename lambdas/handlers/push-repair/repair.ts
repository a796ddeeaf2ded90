import { type GroupStore, updateEntry } from '../../adapters/group-store';
import type { RepairMetricsSink } from '../../adapters/push-metrics';
import {
  groupExposition,
  type PushgatewayReplica,
  ReplicaUnavailableError,
  type StoredGroup,
} from '../../adapters/pushgateway';
import { isDirectPushGroup } from '../../domain/compactor-metrics';
import { decodePushBody } from '../../domain/exposition/decode';
import { type GroupFamilies, splitByGroup } from '../../domain/exposition/group-split';
import { type MetricFamily, type MetricType, parseExposition } from '../../domain/exposition/parser';
import { delimitedBody } from '../../domain/exposition/protobuf-encode';
import { resolveConflicts, resolvedRecord } from '../../domain/group-conflicts';
import { type GroupRecord, PROTOBUF_DELIMITED, type StoredFamily, storedFamilies } from '../../domain/group-record';
import {
  canBeAlone,
  condemnEntry,
  confirmReplica,
  type GroupEntry,
  invalidateReplica,
  isAcknowledged,
  isCollectable,
  owedReplicas,
  type SyncTiming,
} from '../../domain/group-sync';
import { formatGroupingPath, groupingKeyId } from '../../domain/grouping-key';
import { heldContents } from '../../domain/held-content';
import { validateGroupingLabels } from '../../domain/push-validation';
import { pushedFamilies } from '../../domain/pushgateway-semantics';
import { canonicalJson, newestCopies } from '../../domain/reconciliation';
import type { Logger } from '../push-ingest/handler';
import { syncGroup } from '../push-ingest/replica-writes';
import { MARKS_SEEDED, seedMarks } from './seed-marks';

export interface RepairDeps {
  readonly replicas: readonly PushgatewayReplica[];
  readonly store: GroupStore;
  readonly timing: SyncTiming;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Groups written at once. @default 16 */
  readonly concurrency?: number;
  /** Each pass's figures (CloudWatch EMF in AWS, adapters/push-metrics.ts). @default none */
  readonly metrics?: RepairMetricsSink;
}

export interface RepairReport {
  /** Groups brought to their record on every replica owing them. */
  readonly synced: number;
  /** Groups left for the next pass: someone was writing them, or a replica did not take them. */
  readonly deferred: number;
  /** Replicas found restarted (or seen for the first time) and fully resynchronised. */
  readonly restarted: string[];
  /** Groups a restarted replica held that no record has (deleted there). */
  readonly removedStray: number;
  /**
   * Groups a restarted replica was found holding as another replica proven to hold them does: proven, not rewritten
   * (their push and failure times stay as the replica's persistence file kept them).
   */
  readonly confirmed: number;
  /** Tombstones dropped once every replica was proven not to hold the group. */
  readonly collected: number;
  /**
   * Records cut back because they conflict with records committed before them by another ingestion instance
   * (group-conflicts.ts); replicas refusing a record is what prompts the check.
   */
  readonly resolved: number;
  readonly unreachable: string[];
  /** Groups of this pass some replica still owes after it. */
  readonly stillOwed: number;
  /** Writes of a group to a replica that did not apply. */
  readonly writeFailures: number;
}

const INITIALIZED = 'initialized';
/** After a check of the whole store found no conflict, refusals do not prompt another for this long. */
const RECHECK_INTERVAL_MS = 30_000;
const incarnationKey = (replica: string) => `incarnation/${replica}`;

/**
 * One repair pass: replicas that restarted since the last pass lose every proof (their content is whatever their
 * persistence file had) and drop groups no record has; then every group some replica owes is written to it, when
 * nobody else is writing it. Runs beside the pushes, never behind them: the store, not the order of arrival,
 * decides what a replica must hold.
 */
export function makeRepair(deps: RepairDeps): () => Promise<RepairReport> {
  const now = deps.now ?? Date.now;
  const concurrency = deps.concurrency ?? 16;
  /** When a check of the whole store last found no conflict (a refusal that persists is then not re-checked each pass). */
  let quietSince = Number.NEGATIVE_INFINITY;
  /** The store's records all have their marks (seed-marks.ts): checked once per process. */
  let marksSeeded = false;
  return async () => {
    const initialized = (await deps.store.getMeta(INITIALIZED)) !== undefined || (await bootstrapStore(deps));
    if (initialized && !marksSeeded) {
      if ((await deps.store.getMeta(MARKS_SEEDED)) === undefined) {
        const marked = await seedMarks(deps.store);
        deps.logger.info('marks created for the records stored before them', { marked });
      }
      marksSeeded = true;
    }
    const restarted: string[] = [];
    const unreachable: string[] = [];
    let removedStray = 0;
    let confirmed = 0;
    const reachable: PushgatewayReplica[] = [];
    for (const replica of deps.replicas) {
      let incarnation: string;
      try {
        incarnation = await replica.incarnation();
      } catch (error) {
        if (!(error instanceof ReplicaUnavailableError)) throw error;
        unreachable.push(replica.name);
        continue;
      }
      // Before the store knows the replicas' groups, a resynchronisation would delete them: wait for it.
      if (!initialized) {
        unreachable.push(replica.name);
        continue;
      }
      if ((await deps.store.getMeta(incarnationKey(replica.name))) !== incarnation) {
        let resynchronised: { removed: number; confirmed: number };
        try {
          resynchronised = await resynchronise(replica);
        } catch (error) {
          if (!(error instanceof ReplicaUnavailableError)) throw error;
          unreachable.push(replica.name);
          continue;
        }
        removedStray += resynchronised.removed;
        confirmed += resynchronised.confirmed;
        await deps.store.putMeta(incarnationKey(replica.name), incarnation);
        restarted.push(replica.name);
        deps.logger.info('replica restarted: resynchronising it from the store', {
          replica: replica.name,
          removedStray: resynchronised.removed,
          keptAsHeld: resynchronised.confirmed,
        });
      }
      reachable.push(replica);
    }

    let synced = 0;
    let deferred = 0;
    let collected = 0;
    let stillOwed = 0;
    let writeFailures = 0;
    const owed = await deps.store.owed(Number.MAX_SAFE_INTEGER);
    const names = deps.replicas.map((r) => r.name);
    const refusing = new Set<string>();
    await forEachConcurrently(owed, concurrency, async (entry) => {
      // A record of a group the stack writes itself (the compactor's: compactor-metrics.ts), left by an import or a
      // push from before they were refused: a stale copy that must never be written over the compactor's newer
      // runs. Removed, not written.
      if (isDirectPushGroup(entry.record.key)) {
        if (await deps.store.remove(entry.record.id, entry.rev)) collected++;
        return;
      }
      const targets = reachable.filter((r) => owedReplicas(entry, names).includes(r.name));
      if (targets.length > 0) {
        const { result, results } = await syncGroup(deps.store, entry.record.id, targets, now, deps.timing);
        if (result === 'synced') synced++;
        else if (result !== 'gone') deferred++;
        writeFailures += results.filter((r) => r.outcome !== 'applied').length;
        for (const r of results) {
          if (r.answer && r.outcome === 'not-applied') {
            refusing.add(r.replica);
            deps.logger.error('replica refused a group record', {
              replica: r.replica,
              group: formatGroupingPath(entry.record.key),
              status: r.answer.status,
              body: r.answer.body,
            });
          }
        }
      }
      const current = await deps.store.get(entry.record.id);
      if (current && owedReplicas(current, names).length > 0) stillOwed++;
      if (current && isCollectable(current, names, now(), deps.timing)) {
        if (await deps.store.remove(current.record.id, current.rev)) collected++;
      }
    });
    let resolved = 0;
    if (refusing.size > 0 && now() - quietSince >= RECHECK_INTERVAL_MS) {
      resolved = await resolveStoreConflicts(reachable);
      if (resolved === 0) {
        // The records agree with each other: the refusing replica holds something no record has (a group pushed to
        // it directly). Such groups go, as after a restart.
        quietSince = now();
        for (const replica of reachable.filter((r) => refusing.has(r.name))) {
          try {
            removedStray += await removeStrays(replica);
          } catch (error) {
            if (!(error instanceof ReplicaUnavailableError)) throw error;
          }
        }
      }
    }
    const report = {
      synced,
      deferred,
      restarted,
      removedStray,
      confirmed,
      collected,
      resolved,
      unreachable,
      stillOwed,
      writeFailures,
    };
    deps.metrics?.pass(report);
    return report;
  };

  /**
   * Replays every record through the consistency check (acknowledged ones first, then commit order) and settles
   * those a single Pushgateway would have refused (group-conflicts.ts): a loser whose push is still in flight is
   * condemned (its instance answers it 400 and puts it back whole); any other is cut back, and the new version is
   * owed to every replica, which can each take it. Cutting an acknowledged record is logged as an error.
   */
  async function resolveStoreConflicts(replicas: readonly PushgatewayReplica[]): Promise<number> {
    let own: ReadonlyMap<string, MetricType> | undefined;
    for (const replica of replicas) {
      try {
        own = await replica.ownFamilies();
        break;
      } catch (error) {
        if (!(error instanceof ReplicaUnavailableError)) throw error;
      }
    }
    if (!own) return 0;
    const entries = await deps.store.all();
    const acknowledged = new Set(entries.filter(isAcknowledged).map((e) => e.record.id));
    const resolutions = resolveConflicts(
      entries.map((e) => e.record),
      own,
      (record) => acknowledged.has(record.id),
    );
    let applied = 0;
    for (const resolution of resolutions) {
      type Settled = 'condemned' | { readonly record: GroupRecord; readonly wasAcknowledged: boolean };
      const done = await updateEntry<Settled>(deps.store, resolution.id, (current) => {
        // A push changed the group meanwhile: the next check sees it.
        if (!current || current.record.deleted || current.record.version !== resolution.version) return undefined;
        // A push still in flight settles its own record: condemned, it is answered 400 and put back whole.
        if (!isAcknowledged(current) && !canBeAlone(current, now(), deps.timing)) {
          const condemned = condemnEntry(current, resolution.version, resolution.reason);
          return condemned ? { entry: condemned, result: 'condemned' as const } : undefined;
        }
        const record = resolvedRecord(current.record, resolution);
        const wasAcknowledged = isAcknowledged(current);
        return {
          entry: { ...current, rev: current.rev + 1, record, ...(wasAcknowledged ? { acked: record.version } : {}) },
          result: { record, wasAcknowledged },
        };
      });
      if (!done) continue;
      applied++;
      if (done.result === 'condemned') {
        deps.logger.info('a push in flight contradicts acknowledged records: condemned, its instance answers it 400', {
          group: formatGroupingPath(done.entry.record.key),
          reason: resolution.reason,
        });
        continue;
      }
      const { record, wasAcknowledged } = done.result;
      const details = {
        group: formatGroupingPath(record.key),
        dropped: resolution.dropped,
        deleted: record.deleted,
        reason: resolution.reason,
      };
      if (wasAcknowledged)
        deps.logger.error(
          'two ingestion instances committed conflicting groups; the later one loses what one Pushgateway would have refused of it',
          details,
        );
      // Never answered 2xx (its instance died before answering, or answered 5xx): nobody was told it is held.
      else deps.logger.warn('an unacknowledged record contradicting acknowledged ones was cut back', details);
    }
    return applied;
  }

  /**
   * Deletes the groups `replica` holds that no record has (not the trace of a refused push: not data); `groups` is its
   * listing when already read.
   */
  async function removeStrays(replica: PushgatewayReplica, groups?: readonly StoredGroup[]): Promise<number> {
    let removed = 0;
    for (const group of groups ?? (await replica.groups())) {
      // A group never pushed successfully (push_time_seconds 0) and holding nothing is the trace of a refused push
      // (refusal-recorder.ts): not data, and a Pushgateway keeps it, so it stays.
      if (group.families.length === 0 && group.pushTimeSeconds === 0) continue;
      // The compactor's results: written to every replica by the compactor itself, never a record (compactor-metrics.ts).
      if (isDirectPushGroup(group.key)) continue;
      if (await deps.store.get(groupingKeyId(group.key))) continue;
      const answer = await replica.push({
        method: 'DELETE',
        path: formatGroupingPath(group.key),
        body: new Uint8Array(),
      });
      if (answer.status === 202) removed++;
    }
    return removed;
  }

  /**
   * A restarted replica: drops the groups it holds that the store has no record of (left by an old persistence
   * file or written to it directly). Then a group counts as proven on it only when it holds exactly what another
   * replica proven to hold the group's version holds (`provenCopies`); the passes rewrite every other group.
   */
  async function resynchronise(replica: PushgatewayReplica): Promise<{ removed: number; confirmed: number }> {
    // The records as they stand before the replica is read: what it is found holding is judged against these. A
    // record created after this was first written after the restart was seen, so to the new process: nothing to undo.
    const since = now();
    const entries = await deps.store.all();
    const groups = await replica.groups();
    const removed = await removeStrays(replica, groups);
    const proven = await provenCopies(replica, groups, entries, since);
    let confirmed = 0;
    await forEachConcurrently(entries, concurrency, async (entry) => {
      const kept = await updateEntry(deps.store, entry.record.id, (current) => {
        if (!current) return undefined;
        const copy = proven.get(current.record.id);
        const same =
          copy !== undefined &&
          copy.version === current.record.version &&
          copy.begins === current.begins &&
          current.synced[copy.reference] === copy.version &&
          canBeAlone(current, now(), deps.timing);
        return same
          ? { entry: confirmReplica(current, replica.name), result: true }
          : { entry: invalidateReplica(current, replica.name), result: false };
      });
      if (kept?.result) confirmed++;
    });
    return { removed, confirmed };
  }

  /**
   * The groups `replica` (just restarted; `groups` its listing) holds exactly as another replica does that is proven
   * to hold the group's current version, with nobody writing the group: by id, the version and `begins` of `entries`
   * (read at `since`, before either replica was). A group whose `begins` is the same when it is confirmed had no
   * writer from before the reads until then, and no earlier write could still land (`canBeAlone`), so what was read
   * is still what both hold. The reference must not have restarted since its own resynchronisation (its incarnation
   * is the one the store knows, before and after it is read), or its proofs may be stale. Empty when no replica can
   * serve as reference.
   */
  async function provenCopies(
    replica: PushgatewayReplica,
    groups: readonly StoredGroup[],
    entries: readonly GroupEntry[],
    since: number,
  ): Promise<Map<string, { version: number; begins: number; reference: string }>> {
    const quiet = entries.filter((entry) => canBeAlone(entry, since, deps.timing));
    for (const reference of deps.replicas) {
      if (reference.name === replica.name) continue;
      const known = await deps.store.getMeta(incarnationKey(reference.name));
      if (known === undefined) continue;
      let mine: Map<string, string | undefined>;
      let theirs: Map<string, string | undefined>;
      try {
        if ((await reference.incarnation()) !== known) continue;
        [mine, theirs] = await Promise.all([
          replica.exposition().then((exposition) => heldContents(groups, exposition)),
          heldBy(reference),
        ]);
        if ((await reference.incarnation()) !== known) continue;
      } catch (error) {
        if (!(error instanceof ReplicaUnavailableError)) throw error;
        continue;
      }
      const proven = new Map<string, { version: number; begins: number; reference: string }>();
      for (const entry of quiet) {
        const { id, version, deleted } = entry.record;
        if (entry.synced[reference.name] !== version) continue;
        const same = deleted
          ? !mine.has(id) && !theirs.has(id)
          : mine.get(id) !== undefined && mine.get(id) === theirs.get(id);
        if (same) proven.set(id, { version, begins: entry.begins, reference: reference.name });
      }
      return proven;
    }
    return new Map();
  }
}

/** What a replica holds of each group (held-content.ts): its listing, then its protobuf exposition. */
async function heldBy(replica: PushgatewayReplica): Promise<Map<string, string | undefined>> {
  const groups = await replica.groups();
  return heldContents(groups, await replica.exposition());
}

/**
 * A store used for the first time in front of replicas that already hold groups (an upgrade, or a new store):
 * the groups become records (the newest copy of each, by `push_time_seconds`), so the first resynchronisation does
 * not delete them. Done once per store; true when this call did it.
 */
export async function bootstrapStore(deps: Pick<RepairDeps, 'replicas' | 'store' | 'logger'>): Promise<boolean> {
  if ((await deps.store.getMeta(INITIALIZED)) !== undefined) return false;
  const listings: Listing[] = [];
  for (const replica of deps.replicas) {
    try {
      // The run first: a restart after it shows as a new run on the next pass, and is resynchronised then.
      const incarnation = await replica.incarnation();
      const groups = await replica.groups();
      listings.push({ replica: replica.name, incarnation, groups, split: await exposedGroups(replica, groups, deps) });
    } catch (error) {
      if (!(error instanceof ReplicaUnavailableError)) throw error;
    }
  }
  if (listings.length === 0) return false; // nothing to learn from yet: try again on the next pass
  // Pushes already went through the store (it was used before this first pass): what a replica held then may have
  // been proven on a run that has since ended, so trust nothing and let the first pass resynchronise every replica.
  const fresh = (await deps.store.all()).length === 0;
  const copies = new Map(
    listings.map((l) => [l.replica, new Map(l.groups.map((g) => [groupingKeyId(g.key), canonicalJson(g.raw)]))]),
  );
  const listingOf = new Map<StoredGroup, Listing>();
  for (const listing of listings) for (const group of listing.groups) listingOf.set(group, listing);
  let imported = 0;
  /** Groups left out because no push through the ingestion could make them (`importedFamilies`). */
  const refused = new Set<string>();
  for (const group of newestCopies(listings.map((l) => l.groups))) {
    if (isDirectPushGroup(group.key)) continue; // not the ingestion's (compactor-metrics.ts DIRECT_PUSH_JOBS)
    const id = groupingKeyId(group.key);
    const families = importedFamilies(group, listingOf.get(group)?.split?.get(id), deps.logger);
    if (families === 'refused') {
      refused.add(id);
      continue;
    }
    if (families === undefined || families.length === 0) continue; // unreadable, or only the record of a failed push
    // Replicas holding this very content hold version 1: nothing was written through the store yet.
    const content = canonicalJson(group.raw);
    const synced: Record<string, number> = {};
    if (fresh) for (const [replica, held] of copies) if (held.get(id) === content) synced[replica] = 1;
    const entry: GroupEntry = {
      record: {
        id,
        key: group.key,
        version: 1,
        deleted: false,
        families,
        // Pushed then, as far as the replicas know: orders it among the records if two ever conflict.
        ...(group.pushTimeSeconds > 0 ? { committedAt: Math.round(group.pushTimeSeconds * 1000) } : {}),
      },
      rev: 1,
      begins: 0,
      writers: {},
      abandonedUntil: 0,
      synced,
    };
    if (await deps.store.put(entry, undefined)) imported++;
  }
  if (fresh) {
    for (const listing of listings) {
      // A replica holding a refused group is left unknown: the first pass resynchronises it, which drops the group
      // (no record has it) and so lets Prometheus scrape the replica again.
      const held = copies.get(listing.replica);
      if ([...refused].some((id) => held?.has(id))) continue;
      await deps.store.putMeta(incarnationKey(listing.replica), listing.incarnation);
    }
  }
  await deps.store.putMeta(INITIALIZED, new Date().toISOString());
  deps.logger.info('repair store initialised from the replicas', { imported });
  return true;
}

interface Listing {
  readonly replica: string;
  readonly incarnation: string;
  readonly groups: StoredGroup[];
  /** The groups' families as the replica exposes them in protobuf (undefined when it could not be read so). */
  readonly split: Map<string, GroupFamilies> | undefined;
}

/**
 * The replica's groups from its protobuf `/metrics`: what `/api/v1/metrics` shows loses native histograms, gauge
 * histograms and exemplars. Undefined when that cannot be read (a replica whose `/metrics` fails: its groups are
 * imported from the API then, as text).
 */
async function exposedGroups(
  replica: PushgatewayReplica,
  groups: readonly StoredGroup[],
  deps: Pick<RepairDeps, 'logger'>,
): Promise<Map<string, GroupFamilies> | undefined> {
  try {
    const helps = new Map(groups.map((g) => [groupingKeyId(g.key), g.raw]));
    return splitByGroup(
      await replica.exposition(),
      groups.map((g) => g.key),
      (id, family) => {
        const help = (helps.get(id)?.[family] as { help?: unknown } | undefined)?.help;
        return typeof help === 'string' && help !== '' ? help : undefined;
      },
    );
  } catch (error) {
    deps.logger.warn('could not read a replica as protobuf; importing its groups as text', {
      replica: replica.name,
      error: String(error),
    });
    return undefined;
  }
}

/**
 * A group's families as a record holds them: from the protobuf exposition when read, else from the API as text;
 * undefined when unreadable. `refused` for a group no push through the ingestion could have made
 * (validateGroupingLabels: a histogram in a group keyed by `le`, which makes Prometheus refuse every scrape of the
 * replica): left out of the store, so the ingestion starts, and logged; the replica's resynchronisation drops it.
 */
function importedFamilies(
  group: StoredGroup,
  exposed: GroupFamilies | undefined,
  logger: Logger,
): StoredFamily[] | 'refused' | undefined {
  const families = decodedFamilies(group, exposed, logger);
  if (families === undefined) return undefined;
  const grouping = validateGroupingLabels(group.key, pushedFamilies(families, group.key));
  if (!grouping.ok) {
    logger.error('a replica holds a group the ingestion refuses; not imported, and dropped from the replica', {
      group: group.key,
      reason: grouping.message,
    });
    return 'refused';
  }
  return storedFamilies(families);
}

function decodedFamilies(
  group: StoredGroup,
  exposed: GroupFamilies | undefined,
  logger: Logger,
): MetricFamily[] | undefined {
  if (exposed && exposed.messages.length > 0) {
    const decoded = decodePushBody(PROTOBUF_DELIMITED, undefined, delimitedBody(exposed.messages), {
      maxDecodedBytes: Number.MAX_SAFE_INTEGER,
    });
    if (decoded.ok) return decoded.families;
    logger.warn('a group read as protobuf does not decode; importing it as text', {
      group: group.key,
      error: decoded.message,
    });
  }
  const parsed = parseExposition(groupExposition(group));
  if (!parsed.ok) {
    logger.error('could not import a group from a replica', { group: group.key, error: parsed.error.message });
    return undefined;
  }
  return parsed.families;
}

async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(workers);
}
