import { randomUUID } from 'node:crypto';
import { type GroupStore, GroupTooLargeError, updateEntry } from '../../adapters/group-store';
import type { ErrorLogger } from '../../adapters/logger';
import type { PushMetricsSink } from '../../adapters/push-metrics';
import type { PushgatewayReplica } from '../../adapters/pushgateway';
import { recordRefusal } from '../../adapters/refusal-recorder';
import { isDirectPushGroup } from '../../domain/compactor-metrics';
import { introducedMarks } from '../../domain/conflict-marks';
import { decodePushBody, type RefusalStage } from '../../domain/exposition/decode';
import type { MetricType } from '../../domain/exposition/parser';
import { recordState } from '../../domain/group-conflicts';
import {
  type GroupRecord,
  nextRecord,
  recordSampleCount,
  revertedRecord,
  storedFamilies,
} from '../../domain/group-record';
import {
  acknowledgedUpTo,
  acknowledgeEntry,
  commitEntry,
  finishEntry,
  type GroupEntry,
  isAcknowledged,
  PUSH_WRITER_PREFIX,
  type SyncTiming,
  type Writer,
} from '../../domain/group-sync';
import { formatGroupingPath, type GroupingKey } from '../../domain/grouping-key';
import { checkGroupCount, checkGroupSize, checkPushLimits, type PushLimits } from '../../domain/push-limits';
import { REFUSAL_MARKER_METRIC } from '../../domain/push-refusal';
import {
  INCONSISTENT_PREFIX,
  validateConsistency,
  validateGroupingLabels,
  validatePushBody,
} from '../../domain/push-validation';
import {
  applyPush,
  type GroupState,
  PUSH_METHODS,
  type PushMethod,
  pushedFamilies,
  successStatus,
} from '../../domain/pushgateway-semantics';
import { introducedSeries, type SeriesByFamily } from '../../domain/series-crossings';
import { accepted, type PushResponse, redirectUncleanPath, refuse } from './answers';
import { makeConflictSettler, WINS } from './conflict-settlement';
import { type CrossingLookup, lookUpCrossings } from './crossing-lookup';
import { GroupPaths } from './group-paths';
import type { GroupView } from './group-view';
import { finishClaims, lookUpMarks, type MarkLookup } from './mark-lookup';
import { observePushes, seriesOf } from './push-figures';
import { finishWriter, outcomesOf, type WriteResult, writeAll } from './replica-writes';
import { untilSettled } from './settle-wait';
import { SettledEntries } from './settled-entries';

export { MISSED_HEADER, type PushResponse, REJECTED_HEADER } from './answers';

/** The request shape both API Gateway (v2 events) and the local HTTP server adapt to. */
export interface PushRequest {
  readonly method: string;
  /** Percent-decoded path, as the Pushgateway's router sees it. */
  readonly path: string;
  /** The path as received (still percent-encoded). */
  readonly rawPath: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

/** The logger port of every function (lambdas/adapters/logger.ts): Powertools' Logger fits it as it is. */
export type Logger = ErrorLogger;

export interface PushIngestDeps {
  readonly replicas: readonly PushgatewayReplica[];
  /** The truth: every group's record, and what each replica is proven to hold. */
  readonly store: GroupStore;
  /** The store's groups as validation sees them (loaded at start-up, kept current by this handler). */
  readonly view: GroupView;
  readonly limits: PushLimits;
  readonly timing: SyncTiming;
  readonly logger: Logger;
  readonly now?: () => number;
  /** The ingestion's own figures (CloudWatch EMF in AWS, push-figures.ts). @default none */
  readonly metrics?: PushMetricsSink;
}

/** Where the refusal of a push with a malformed path is recorded (a parse-stage marker: no group is touched). */
export const PATH_REFUSAL_TARGET = `/metrics/job/${REFUSAL_MARKER_METRIC}`;

/** Commit attempts before answering 503 (each lost to a concurrent writer of the same group). */
const COMMIT_ATTEMPTS = 20;

/** A push's record, committed as the next version of its group, and what it was built on. */
interface Commit {
  readonly record: GroupRecord;
  readonly before: GroupEntry | undefined;
  readonly writer: Writer;
  /** The entry the commit stored (what the acknowledgement is first built on, `acknowledge`). */
  readonly entry: GroupEntry;
  /** The group as the view shows it after the push; `record`'s own state when `shownExact`. */
  readonly shown: GroupState | undefined;
  readonly shownExact: boolean;
  /** The group as the view showed it before, and the record version that was (undefined: not known). */
  readonly previous: GroupState | undefined;
  readonly previousVersion: number | undefined;
}

/** A DELETE introduces no mark. */
const NO_MARKS: MarkLookup = { settle: false, claims: [], contended: false };

/**
 * The version a push's new families and series are told against (its marks and crossings are looked at for what
 * that version did not hold): the one it was built on when acknowledged. One never acknowledged (a push whose writer
 * died after its commit, maybe before its look, then taken for dead) may have brought them unseen: nothing then.
 */
function acknowledgedBase(commit: Commit): GroupEntry | undefined {
  return commit.before && isAcknowledged(commit.before) ? commit.before : undefined;
}

/**
 * The series `commit` exposes that its group's acknowledged version did not (series-crossings.ts), from the view's
 * states where they are the records' own (the common push parses nothing here). A version built on one never
 * acknowledged brings every series (see `acknowledgedBase`).
 */
function seriesIntroducedBy(commit: Commit): SeriesByFamily {
  const { record } = commit;
  if (record.deleted) return new Map();
  const state = commit.shownExact ? commit.shown : recordState(record);
  const before = acknowledgedBase(commit);
  if (!before || before.record.deleted) return introducedSeries(state, undefined);
  const base = commit.previousVersion === before.record.version ? commit.previous : recordState(before.record);
  return introducedSeries(state, base);
}

/** A conflict's reason as the Pushgateway words a refusal (with its prefix, once). */
function prefixed(reason: string): string {
  return reason.startsWith(INCONSISTENT_PREFIX) ? reason : `${INCONSISTENT_PREFIX}${reason}`;
}

/**
 * The push API. A push is checked completely (path, limits, format, consistency with every group the store
 * holds), then committed as the next version of its group's record in the store (the linearisation point: the
 * store serialises writers of one group), then written to every replica as the whole group. 2xx once a replica
 * applied it or may have (the store holds it and the repair owns the rest); refused pushes touch nothing; a 5xx
 * only when no replica can have applied it, after the record is put back as it was.
 */
export function makeHandler(deps: PushIngestDeps): (request: PushRequest) => Promise<PushResponse> {
  const now = deps.now ?? Date.now;
  const { store, view, limits, timing } = deps;
  /** Groups with a commit of this process between being shown in the view and the store's answer (id → count). */
  const committing = new Map<string, number>();
  const settledEntries = new SettledEntries();
  const groupPaths = new GroupPaths();
  /** Writer tokens: unique to this process (a random part), then counted (no random draw per push). */
  const tokenPrefix = `${PUSH_WRITER_PREFIX}${randomUUID()}-`;
  let tokens = 0;
  const settleConflict = makeConflictSettler({
    store,
    view,
    logger: deps.logger,
    isCommitting: (id) => committing.has(id),
    timing,
  });
  return observePushes(deps.metrics, deps.logger, async (request, notes) => {
    const method = request.method.toUpperCase() as PushMethod;
    /**
     * The one way a push is answered 400 by the ingestion itself: nothing is committed (the record is untouched),
     * and every replica is left as a Pushgateway refusing the push at `stage` would be (refusal-recorder.ts): the
     * 400 counted, and for `storage` the group's failure time set. The markers are pushes the replicas refuse, so
     * they never become content, and the repair, which writes only records, never copies them. 405, 413 and 301
     * leave no trace, as on a Pushgateway (they are answered before its push handler).
     */
    const badRequest = async (
      stage: RefusalStage,
      message: string,
      rawPath = request.rawPath,
    ): Promise<PushResponse> => {
      if (PUSH_METHODS.includes(method)) {
        // A storage-stage refusal creates its group on the replicas (with its failure time). Beside a held group
        // exposing the same push_time_seconds series (`{job="p"}` and `{job="p",instance=""}`) that group makes
        // every replica's /metrics fail and refuse every push, so it is recorded at the parse stage (counted, no
        // group), as the key collision itself is.
        const colliding =
          stage === 'storage' &&
          refusedKey !== undefined &&
          view.index.collidingGroup(refusedKey.key, refusedKey.id) !== undefined;
        const recorded = colliding ? 'parse' : stage;
        await recordRefusal(deps.replicas, { method, rawPath, stage: recorded, message }, deps.logger);
        if (recorded === 'storage' && refusedKey && rawPath === request.rawPath) {
          view.noteTrace(refusedKey.key, refusedKey.id);
        }
      }
      return refuse(400, message);
    };
    /** The group a refusal is recorded on, once the path has named it. */
    let refusedKey: { key: GroupingKey; id: string } | undefined;
    const parsedKey = groupPaths.parse(request.path);
    if ('redirect' in parsedKey) return redirectUncleanPath(request.path, parsedKey.redirect);
    if (!parsedKey.ok) {
      // A path the replicas would refuse gets its marker on a valid path: the refusal is counted the same
      // (handler "push"), and no malformed path reaches a replica (after a push to `/metrics/job@base64/!!`,
      // Pushgateway 1.5.1 leaves every later push to a `job@base64` path, the form the records are written in,
      // without an answer; checked against the binary).
      return parsedKey.status === 400
        ? badRequest('parse', parsedKey.message, PATH_REFUSAL_TARGET)
        : refuse(parsedKey.status, parsedKey.message);
    }
    const key = parsedKey.key;
    refusedKey = { key, id: parsedKey.id };
    if (!PUSH_METHODS.includes(method)) return refuse(405, 'Method Not Allowed', { allow: PUSH_METHODS.join(', ') });
    if (isDirectPushGroup(key)) {
      return refuse(
        403,
        `job "${key.job}" is written by the stack itself (the Thanos compactor, straight to the Pushgateways); push under another job name`,
      );
    }
    if (request.body.byteLength > limits.maxBodyBytes) {
      return refuse(
        413,
        `push body of ${request.body.byteLength} bytes exceeds the limit of ${limits.maxBodyBytes} bytes`,
      );
    }
    const id = parsedKey.id;
    let pushState: GroupState | undefined;
    let families: ReturnType<typeof storedFamilies> = [];
    if (method !== 'DELETE') {
      const body = decodePushBody(request.headers['content-type'], request.headers['content-encoding'], request.body, {
        maxDecodedBytes: limits.maxDecompressedBytes,
        // The record keeps every sample (storedFamilies).
        allSamples: true,
        // A body holding more series than a push may is refused before its samples are built.
        maxSamples: limits.maxSeriesPerPush,
      });
      if (!body.ok)
        return body.status === 400 ? badRequest(body.stage, body.message) : refuse(body.status, body.message);
      const limited = checkPushLimits(body.families, limits);
      if (!limited.ok) {
        return limited.status === 400
          ? badRequest('storage', limited.message)
          : refuse(limited.status, limited.message);
      }
      const bodyCheck = validatePushBody(body.families);
      if (!bodyCheck.ok) return badRequest('storage', bodyCheck.message);
      pushState = { key, families: pushedFamilies(body.families, key) };
      const grouping = validateGroupingLabels(key, pushState.families);
      if (!grouping.ok) return badRequest(grouping.stage, grouping.message);
      families = storedFamilies(body.families);
      notes.series = seriesOf(families);
    }
    // Read once, then known (no turn of the event loop on a push's path).
    let own = method === 'DELETE' ? undefined : view.knownOwnFamilies();
    if (method !== 'DELETE' && !own) {
      const failures: string[] = [];
      own = await view.ownFamilies(deps.replicas, failures);
      if (!own) {
        deps.logger.error('no replica answered; answered 503, nothing applied', {
          method,
          group: formatGroupingPath(key),
          replicas: failures,
        });
        return refuse(503, 'no Pushgateway replica answered; nothing was applied');
      }
    }

    // Commit: validate against the view and take the next version, in one turn; retry if another writer of the
    // group committed first.
    let commit: Commit;
    /** The store's entry as read after a lost attempt: the next attempt starts from it. */
    let lastRead: { entry: GroupEntry | undefined } | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= COMMIT_ATTEMPTS) {
        return refuse(503, `group ${id} is being written by others without pause; nothing was applied, retry`);
      }
      // The entry this process acknowledged last for the group, if any, else the store's once settled; a commit on a
      // remembered entry someone has since replaced fails, and the next attempt reads the store.
      const before = (attempt === 0 ? settledEntries.take(id) : undefined) ?? (await settledBase(id, lastRead));
      const record = nextRecord(before?.record, method, key, families, now());
      const previousState = view.current(id);
      const previousVersion = view.versionShown(id);
      // The view's state of the group is that of `before` (a POST's result is then the record's own state).
      const baseShown = before
        ? before.record.deleted || previousVersion === before.record.version
        : previousState === undefined;
      let shown: GroupState | undefined;
      if (method !== 'DELETE' && pushState && own) {
        const colliding = view.index.collidingGroup(key, id) ?? view.collidingTrace(key, id);
        if (colliding !== undefined) {
          // Recorded at the parse stage: counted as a 400, but no group created. A Pushgateway refusing this push
          // creates the group with its failure time, and that group alone makes every replica's /metrics fail.
          return badRequest(
            'parse',
            `pushed metrics are invalid or inconsistent with existing metrics: group {${id}} would expose the same push_time_seconds series as group {${colliding}} (the Pushgateway adds instance="" to the one without instance); delete one of them first`,
          );
        }
        const size = checkGroupSize(recordSampleCount(record), limits);
        if (!size.ok)
          return size.status === 400 ? badRequest('storage', size.message) : refuse(size.status, size.message);
        if (!before || before.record.deleted) {
          const count = checkGroupCount(view.index.size + 1, limits);
          if (!count.ok) return refuse(count.status, count.message);
        }
        const consistency = validateConsistency({
          method,
          key,
          id,
          pushed: pushState.families,
          groups: view.index,
          ownFamilies: own,
        });
        if (!consistency.ok) return badRequest('storage', consistency.message);
        shown = applyPush(method, before?.record.deleted ? undefined : previousState, pushState);
      }
      const { entry, writer } = commitEntry(before, record, `${tokenPrefix}${++tokens}`, now(), timing);
      const shownExact = method !== 'POST' || baseShown;
      view.showState(id, shown, shownExact ? record.version : undefined);
      committing.set(id, (committing.get(id) ?? 0) + 1);
      let stored: boolean;
      try {
        // The replicas are written only once the store holds the record, never overlapping it: a replica that got a
        // version the store then lost (a crash between the two) would hold something no record says, while the
        // store still proves it holds the version before; nothing would ever rewrite it. In this order every write a
        // replica sees is of a record the store keeps (locally `write(2)` returned, surviving a kill; fsynced too
        // with --store-sync always; in AWS acknowledged by DynamoDB), so the repair can always bring it back.
        stored = await store.put(entry, before?.rev);
      } catch (error) {
        view.show(before?.record, id);
        if (error instanceof GroupTooLargeError) return refuse(413, error.message);
        throw error;
      } finally {
        const left = (committing.get(id) ?? 1) - 1;
        if (left > 0) committing.set(id, left);
        else committing.delete(id);
      }
      if (stored) {
        commit = { record, before, writer, entry, shown, shownExact, previous: previousState, previousVersion };
        break;
      }
      // Lost to a concurrent writer: show what the store holds now, and start over from it.
      lastRead = { entry: await store.get(id) };
      view.show(lastRead.entry?.record, id);
    }

    // While the replicas are written, the push looks at the marks it introduced (conflict-marks.ts: its new families,
    // and its key when it creates the group) and at the groups its new series could also belong to
    // (series-crossings.ts): a mark holding another value or pending, or such a group exposing one of those series,
    // makes it settle against the store before it is acknowledged.
    const [results, marks, crossings] = await Promise.all([
      writeAll(deps.replicas, commit.record),
      own ? lookUpMarks(store, introducedMarks(commit.record, acknowledgedBase(commit)?.record, own)) : NO_MARKS,
      lookUpCrossings(store, commit.record, seriesIntroducedBy(commit)),
    ]);
    const answer = await decide({ method, key, own }, commit, results, marks, crossings);
    // Only once the push is decided: a mark left settled as its value before its acknowledgement could let a push
    // bringing that value skip settling against one that then condemned this one.
    if (marks.claims.length > 0) await finishClaims(store, marks.claims, answer.status < 300);
    return answer;
  });

  /**
   * The answer to a committed push once every replica answered (or timed out): 2xx when a replica has it or may get it
   * by itself and no conflict with another instance's group makes it lose; otherwise the record is put back.
   */
  async function decide(
    push: { method: PushMethod; key: GroupingKey; own: ReadonlyMap<string, MetricType> | undefined },
    commit: Commit,
    results: readonly WriteResult[],
    marks: MarkLookup,
    crossings: CrossingLookup,
  ): Promise<PushResponse> {
    const { method, key, own } = push;
    const id = commit.record.id;
    const applied = results.filter((r) => r.outcome === 'applied');
    const unknown = results.filter((r) => r.outcome === 'unknown');
    const rejected = results.filter((r) => r.outcome === 'not-applied' && r.answer !== undefined);
    // A replica answering 400 to a record this process validated: its consistency check saw a group this process
    // has not (another instance's commit). The rare path; see `settleConflict`.
    const inconsistent = rejected.find((r) => r.answer?.status === 400)?.answer;
    if (applied.length === 0 && unknown.length === 0) {
      // No replica has it or can get it by itself: put the record back as it was (unless a later version already
      // replaced it, see below), and say so.
      if (!(await revert(commit, results))) {
        await finishWriter(store, commit.writer, results, now, timing);
        view.show((await store.get(id))?.record, id);
      }
      // The replicas refused the record themselves, so each already holds the trace of it: not recorded again.
      const first = rejected[0]?.answer;
      if (first) return refuse(first.status, first.body);
      // Every replica unreachable or refusing this function (a 5xx, refused credentials): an outage to look at.
      deps.logger.error('no replica took the push; answered 503, nothing applied', {
        method,
        group: formatGroupingPath(key),
        replicas: results.map((r) => ({ replica: r.replica, outcome: r.outcome, error: r.error })),
      });
      return refuse(503, 'no Pushgateway replica took the push; nothing was applied, retry');
    }
    const settled =
      (inconsistent || marks.settle || crossings.settle) && own
        ? await settleConflict(commit.record, own, {
            refused: inconsistent !== undefined,
            claims: marks.claims,
            crossed: crossings.waitFor,
          })
        : WINS;
    if (marks.contended || !settled.wins) {
      const reverted = await revert(commit, results);
      if (!reverted) {
        // A later version replaced the record meanwhile (a push waits for this one to settle, `settledBase`, so only
        // the repair cutting it, or a push that took this one's writer for dead): its writer is finished, never
        // acknowledged.
        await finishWriter(store, commit.writer, results, now, timing);
        view.show((await store.get(id))?.record, id);
      }
      if (marks.contended) {
        deps.logger.warn('push put back: its marks kept changing under other pushes', {
          method,
          group: formatGroupingPath(key),
        });
        return refuse(
          503,
          'the families of this push were being changed by others without pause; nothing was kept, retry',
        );
      }
      // A replica's refusal is answered as it was; a conflict only the store showed, in the Pushgateway's words.
      const reason = inconsistent?.body ?? prefixed(settled.wins ? '' : settled.reason);
      deps.logger.info('push refused: it contradicts a group another ingestion instance committed first', {
        method,
        group: formatGroupingPath(key),
        reason,
        ...(reverted ? {} : { replacedBy: 'a later push' }),
      });
      return refuse(inconsistent?.status ?? 400, reason);
    }
    // The acknowledgement: one conditional write, which fails only if another instance's conflicting push (or the
    // repair) condemned this one first (group-sync.ts `acknowledgeEntry`).
    const acknowledged = await acknowledge(commit, results);
    if (acknowledged !== true) {
      // The reason is the consistency check's message (it names the Pushgateway's prefix) or a key collision's.
      const message = prefixed(acknowledged);
      // Put back, unless a later version already replaced it (see above).
      const reverted = await revert(commit, results);
      if (!reverted) view.show((await store.get(id))?.record, id);
      deps.logger.info('push refused: it contradicts a group another ingestion instance acknowledged first', {
        method,
        group: formatGroupingPath(key),
        reason: acknowledged,
        ...(reverted ? {} : { replacedBy: 'a later push' }),
      });
      return refuse(400, message);
    }
    const missed = results.filter((r) => r.outcome !== 'applied');
    for (const miss of missed) {
      const extra = {
        replica: miss.replica,
        group: formatGroupingPath(key),
        outcome: miss.outcome,
        status: miss.answer?.status,
        body: miss.answer?.body,
        error: miss.error,
      };
      // A replica refusing what the record holds had diverged (an error); one unreachable is an outage (a warning).
      if (miss.answer)
        deps.logger.error('replica refused a push the others took; the repair will bring it to the record', extra);
      else deps.logger.warn('replica missed a push; the repair will bring it to the record', extra);
    }
    return accepted(
      successStatus(method),
      missed.map((m) => m.replica),
      rejected.map((r) => r.replica),
    );
  }

  /**
   * The group's entry once the version a push would follow is settled (`isUnsettled`: acknowledged, condemned, or no
   * push writing it any more), read again after each pause: pushes to one group take turns while one of them may
   * still lose a conflict and be put back. Built on an unsettled version, a POST would carry a losing push's content
   * on, and any push that is then put back itself would restore it. A push's writer settles within its replica
   * timeout plus a few store writes; one still there after the lease is taken for dead (its process crashed) and
   * followed, as before this wait existed.
   */
  async function settledBase(
    id: string,
    read?: { readonly entry: GroupEntry | undefined },
  ): Promise<GroupEntry | undefined> {
    const { entry, settled } = await untilSettled(store, id, performance.now() + timing.leaseMs, read);
    if (!settled && entry) {
      deps.logger.warn('a push follows a version still unsettled after the lease (its writer is taken for dead)', {
        group: id,
        version: entry.record.version,
      });
    }
    return entry;
  }

  /**
   * Finishes the writer and acknowledges its version: true, or the reason it was condemned. Built first on the entry
   * the commit stored: unless the repair or another push wrote the group meanwhile, no read of the store.
   */
  async function acknowledge(commit: Commit, results: readonly WriteResult[]): Promise<true | string> {
    const outcomes = outcomesOf(results);
    const { writer } = commit;
    const done = await updateEntry(
      store,
      writer.id,
      (current) => {
        if (!current) return undefined;
        const next = acknowledgeEntry(current, writer, outcomes, now(), timing);
        const result: true | string = next.ok ? true : next.reason;
        return { entry: next.entry, result };
      },
      { known: commit.entry },
    );
    if (done?.result === true) settledEntries.remember(done.entry);
    return done?.result ?? true;
  }

  /**
   * Puts the group's record back as it was before `commit`, unless a later write already built on it (then false, and
   * the writer is left for `acknowledge` to finish). The restored content keeps the standing it had: acknowledged if
   * the version it came from was.
   */
  async function revert(
    commit: { record: GroupRecord; before: GroupEntry | undefined; writer: Writer },
    results: readonly WriteResult[],
  ): Promise<boolean> {
    const outcomes = outcomesOf(results);
    const done = await updateEntry(deps.store, commit.writer.id, (current) => {
      if (!current || current.record.version !== commit.record.version) return undefined;
      const finished = finishEntry(current, commit.writer, outcomes, now(), timing);
      const record = revertedRecord(commit.record, commit.before?.record);
      const restoredAcknowledged = acknowledgedUpTo(current) >= (commit.before?.record.version ?? 0);
      return {
        entry: { ...finished, record, ...(restoredAcknowledged ? { acked: record.version } : {}) },
        result: true,
      };
    });
    if (!done) return false;
    const restored = done.entry.record;
    deps.view.showState(restored.id, restored.deleted ? undefined : recordState(restored), restored.version);
    return true;
  }
}
