import { type GroupStore, updateEntry } from '../../adapters/group-store';
import type { ErrorLogger } from '../../adapters/logger';
import { markAccountedFor } from '../../domain/conflict-marks';
import type { MetricType } from '../../domain/exposition/parser';
import { resolveConflicts } from '../../domain/group-conflicts';
import type { GroupRecord } from '../../domain/group-record';
import {
  acknowledgedUpTo,
  condemnEntry,
  type GroupEntry,
  mayBePutBack,
  type SyncTiming,
} from '../../domain/group-sync';
import type { GroupView } from './group-view';
import type { MarkClaim } from './mark-lookup';
import { untilSettled } from './settle-wait';

/** How a conflict with other instances' records ends for a push. */
export type Settled = { readonly wins: true } | { readonly wins: false; readonly reason: string };
export const WINS: Settled = { wins: true };

/** Replays of the store while settling one conflict (each after a condemned record was acknowledged meanwhile). */
const SETTLE_ATTEMPTS = 5;

export interface ConflictSettlementDeps {
  readonly store: GroupStore;
  /** The instance's view of the groups, brought to the store on the way. */
  readonly view: GroupView;
  readonly logger: ErrorLogger;
  /** Whether this process is committing the group right now (its view entry is newer than the store's). */
  readonly isCommitting: (id: string) => boolean;
  /** Waits on other pushes are bounded by the lease (a writer still there after it is taken for dead). */
  readonly timing: SyncTiming;
}

/** What made a push settle: a replica's refusal, marks it claimed, groups its new series may cross. */
export interface SettleCause {
  /** A replica refused the push (its content is unknown here). */
  readonly refused: boolean;
  readonly claims: readonly MarkClaim[];
  /** Groups crossing-lookup.ts named (`all`: it could not look). */
  readonly crossed: readonly string[] | 'all';
}

/**
 * Groups whose push in flight may still be put back to an acknowledged version the store no longer holds, when that
 * version may be what this push contradicts: every such group when a replica refused this push and no mark explains
 * it (its content is unknown here), a value the push found on a mark is accounted for by no record
 * (`markAccountedFor`), or the crossing look could not be made; otherwise those the crossing look named.
 */
function unsettledHolders(entries: readonly GroupEntry[], ownId: string, cause: SettleCause): GroupEntry[] {
  const others = entries.filter((e) => e.record.id !== ownId && mayBePutBack(e));
  if (others.length === 0) return others;
  const records = entries.filter((e) => e.record.id !== ownId).map((e) => e.record);
  const unaccounted = cause.claims.some((claim) => !markAccountedFor(claim.name, claim.found.value, records));
  // Marks that account for what they found explain a refusal too (as before crossings were looked at).
  if ((cause.refused && cause.claims.length === 0) || unaccounted || cause.crossed === 'all') return others;
  const crossed = new Set(cause.crossed);
  return others.filter((e) => crossed.has(e.record.id));
}

export function makeConflictSettler(
  deps: ConflictSettlementDeps,
): (record: GroupRecord, own: ReadonlyMap<string, MetricType>, cause?: SettleCause) => Promise<Settled> {
  /**
   * Decides a conflict a replica's 400 (or a mark holding another value, or a crossing) revealed between `record`, just
   * committed, and records other instances committed: whether this push loses (it is put back and answered 400) or
   * wins. Reads the whole store, so only then: an ordinary push never comes here. Brings this process's view to the
   * store on the way (the refusal proves it stale).
   *
   * The store's records are replayed through the Pushgateway's consistency check (group-conflicts.ts), those whose
   * pushes were acknowledged first, then the others in commit order; records already condemned are left out (they
   * are on their way back). This push loses to any acknowledged record it contradicts, and to an unacknowledged one
   * committed before it. When it wins, every unacknowledged record the replay names a loser is condemned before this
   * push is acknowledged: each in one conditional write that fails if that record was acknowledged meanwhile (then
   * the replay runs again on what the store holds now). A condemned push can no longer be acknowledged
   * (`acknowledgeEntry`): its own instance answers it 400 and puts it back. So of two contradicting pushes at most one
   * is ever answered 2xx, whatever the instances' clocks say and however their writes interleave, as long as one of
   * them meets the other on a replica (a replica holding one refuses the other, which brings its instance here).
   *
   * Pushes that give a family name another type, or create a group exposing another's label set, come here too,
   * whether a replica refused them or not: the store's marks (conflict-marks.ts) make one of any two such pushes
   * settle against a store holding the other. So do two pushes putting one series in two groups, through the look at
   * the groups a push's new series could belong to (series-crossings.ts). A later
   * push to the same group cannot carry this one's content on, nor bring it back by being put back itself: it waits
   * for this one to settle (handler.ts `settledBase`).
   */
  return async function settleConflict(
    record: GroupRecord,
    own: ReadonlyMap<string, MetricType>,
    cause: SettleCause = { refused: true, claims: [], crossed: [] },
  ): Promise<Settled> {
    const deadline = performance.now() + deps.timing.leaseMs;
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
      const entries = (await deps.store.all()).filter((e) => (e.lost ?? 0) < e.record.version);
      // Pushes in flight on acknowledged versions, when one may hold what this push contradicts (a mark's value no
      // record accounts for, or a replica's refusal of unknown cause): put back (failing everywhere, or losing), it
      // would restore the old version. Decided now, this push could win against the newer content and be
      // acknowledged beside the old one put back. It waits for them to settle, then replays.
      const holders = performance.now() < deadline ? unsettledHolders(entries, record.id, cause) : [];
      if (holders.length > 0) {
        await Promise.all(holders.map((holder) => untilSettled(deps.store, holder.record.id, deadline)));
        attempt--;
        continue;
      }
      // The repair may have cut this push's record meanwhile (a new version): its own version is replayed in that
      // one's place (would a Pushgateway have refused it?), never as acknowledged, and its losers are condemned all
      // the same.
      const records = entries.filter((e) => e.record.id !== record.id).map((e) => e.record);
      records.push(record);
      deps.view.refresh(records, (group) => group === record.id || deps.isCommitting(group));
      // Another group counts as acknowledged when any version of it was: a push in flight on top of an acknowledged
      // version may still be put back to it, whose content the store no longer holds. This push then loses to it
      // rather than condemn it (never both answered 2xx); it is never a loser this push condemns.
      const acknowledged = new Set(
        entries.filter((e) => e.record.id !== record.id && acknowledgedUpTo(e) > 0).map((e) => e.record.id),
      );
      const losers = resolveConflicts(records, own, (r) => acknowledged.has(r.id));
      const lost = losers.find((loser) => loser.id === record.id);
      if (lost) return { wins: false, reason: lost.reason };
      let settled = true;
      for (const loser of losers) {
        if (acknowledged.has(loser.id)) continue; // two acknowledged records: the repair's backstop
        const condemned = await updateEntry(deps.store, loser.id, (current) => {
          const next = current && condemnEntry(current, loser.version, loser.reason);
          return next ? { entry: next, result: true } : undefined;
        });
        if (!condemned) settled = false;
      }
      if (settled) return WINS;
    }
    deps.logger.error('conflicting pushes kept changing while this one was settled; the repair owns it', {
      group: record.id,
    });
    return WINS;
  };
}
