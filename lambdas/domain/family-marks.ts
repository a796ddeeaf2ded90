import type { MetricType } from './exposition/parser';
import type { GroupRecord } from './group-record';
import { isGroupMetaFamily } from './pushgateway-semantics';

/**
 * Marks of family types in the store: how two ingestion instances that have not seen each other's groups still find
 * out, before either push is acknowledged, that they give one family name two types.
 *
 * Each instance validates a push against the groups it has seen. Another instance's group holding `shared` as a
 * counter is unknown to it until a replica holding that group refuses the push (conflict-settlement.ts `settleConflict`). When
 * every replica holding one of two contradicting pushes missed the other, neither was refused, and both were
 * acknowledged: the repair then had to cut one (an acknowledged push lost). The store item of a family name closes
 * that by construction, for type conflicts:
 *
 * - A push that brings a family (name, type) its group's previous version did not hold (`introducedFamilies`) looks up
 *   the name's mark after its commit. The mark holds the type last settled for the name and an epoch (compare and
 *   set). No mark: it creates one with its type. Its own type, settled: nothing to do. Anything else (another type,
 *   or a change still pending) may be a conflict: it claims the mark for its type, pending, and settles the push
 *   against every record in the store (`settleConflict`, as for a replica's refusal) before acknowledging it.
 * - The claimant then finishes the mark (`finishedMark`): its type, settled, if its push was acknowledged; the mark as
 *   it found it if the push lost. Either only over its own epoch: a mark claimed after it is left to that claimant.
 *
 * Why no two contradicting pushes A and B (on name n) can both be acknowledged without one of them having settled
 * against a store that already held the other: each looks at n's mark after its own commit, and the item orders the
 * two looks; say A's comes first. After it the mark is A's type, settled, or pending. B skips settling only if it
 * then reads its own type, settled: someone changed n's type after A's look, which only a claim followed by an
 * acknowledged push can do (that push settled after A's commit and won against A, so A was condemned before it could
 * be acknowledged), or a losing claimant putting back the mark it found (which, found after A's look, was not B's
 * type settled; found before, its claim was what A's look saw, pending, and A settled itself). `settleConflict` is
 * sound when one side of a pair runs it.
 *
 * The Pushgateway's own families (`go_*`, `process_*`...) are never marked: their types are fixed and every push is
 * checked against them locally. Other conflicts between groups (one series in two groups, `{job="p"}` beside
 * `{job="p",instance=""}`) are still found only on a replica (docs/facts.md).
 */
export interface FamilyMark {
  readonly type: MetricType;
  /** Raised by every change; marks are written only over the epoch read (undefined: over none). */
  readonly epoch: number;
  /** Claimed by a push that may still lose: a later push bringing the name settles too, whatever its type. */
  readonly pending: boolean;
}

/**
 * The families `record` holds that `before` (the version it was built on) did not hold with the same type, by
 * name: the ones its push must look up. Tombstones hold nothing; the Pushgateway's meta families are left out.
 */
export function introducedFamilies(
  record: GroupRecord,
  before: GroupRecord | undefined,
  ownFamilies: ReadonlyMap<string, MetricType>,
): Map<string, MetricType> {
  const introduced = new Map<string, MetricType>();
  if (record.deleted) return introduced;
  const held = new Map<string, MetricType>();
  if (before && !before.deleted) for (const family of before.families) held.set(family.name, family.type);
  for (const family of record.families) {
    if (held.get(family.name) === family.type) continue;
    if (isGroupMetaFamily(family.name) || ownFamilies.has(family.name)) continue;
    introduced.set(family.name, family.type);
  }
  return introduced;
}

/** What a push bringing `type` does with the mark it found. */
export type MarkStep =
  /** The name is settled as this type: nothing to do. */
  | { readonly kind: 'agrees' }
  /** No mark yet: create it settled (conditional on there still being none). */
  | { readonly kind: 'create'; readonly mark: FamilyMark }
  /** Claim it (conditional on `found`'s epoch) and settle the push against the store. */
  | { readonly kind: 'claim'; readonly mark: FamilyMark; readonly found: FamilyMark };

export function markStep(type: MetricType, found: FamilyMark | undefined): MarkStep {
  if (!found) return { kind: 'create', mark: { type, epoch: 1, pending: false } };
  if (found.type === type && !found.pending) return { kind: 'agrees' };
  return { kind: 'claim', mark: { type, epoch: found.epoch + 1, pending: true }, found };
}

/**
 * The mark a claimant leaves once its push is decided: its type settled when acknowledged, otherwise the mark it
 * found (pending included: that claimant has not finished). A new epoch either way, written over the claim's.
 */
export function finishedMark(claim: FamilyMark, found: FamilyMark, acknowledged: boolean): FamilyMark {
  const epoch = claim.epoch + 1;
  return acknowledged ? { type: claim.type, epoch, pending: false } : { ...found, epoch };
}
