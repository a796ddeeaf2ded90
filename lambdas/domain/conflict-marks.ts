import type { MetricType } from './exposition/parser';
import type { GroupRecord, StoredFamily } from './group-record';
import type { GroupingKey } from './grouping-key';
import { groupLabelSetId, isGroupMetaFamily } from './pushgateway-semantics';

/**
 * Marks in the store: how two ingestion instances that have not seen each other's groups still find out, before
 * either push is acknowledged, that they give one family name two types (a family mark: the name's type), or create
 * two groups a Pushgateway cannot hold together, `{job="p"}` and `{job="p",instance=""}` (a key mark: the group
 * exposing that label set). The family case is told below; a key mark works the same way, with the group id as its
 * value, looked at by a push that creates its group.
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
 * checked against them locally. One series in two groups is found by another look (series-crossings.ts).
 */
export interface Mark {
  /** A family mark: the type the name is held as. A key mark: the id of the group exposing the label set. */
  readonly value: string;
  /** Raised by every change; marks are written only over the epoch read (undefined: over none). */
  readonly epoch: number;
  /** Claimed by a push that may still lose: a later push bringing the name settles too, whatever its type. */
  readonly pending: boolean;
}

const FAMILY_PREFIX = 'f:';
const KEY_PREFIX = 'k:';

/** The mark of a family name (names of the two kinds never meet: each has its own prefix). */
export function familyMarkName(name: string): string {
  return `${FAMILY_PREFIX}${name}`;
}

/** The mark of the label set a group's series carry (`instance=""` added when the key has no instance). */
export function keyMarkName(key: GroupingKey): string {
  return `${KEY_PREFIX}${groupLabelSetId(key)}`;
}

/**
 * The marks `record`'s push must look at, with the value it brings: each family `before` (the version it was built
 * on) did not hold with the same type, and its key when it creates the group (no `before`, or a tombstone).
 * Tombstones bring nothing; the Pushgateway's meta families and its own (checked locally) are left out.
 */
export function introducedMarks(
  record: GroupRecord,
  before: GroupRecord | undefined,
  ownFamilies: ReadonlyMap<string, MetricType>,
): Map<string, string> {
  const introduced = new Map<string, string>();
  if (record.deleted) return introduced;
  const created = !before || before.deleted;
  if (created) introduced.set(keyMarkName(record.key), record.id);
  // The common push: the same families again, in the same order (no map built on the push path).
  if (before && !created && sameFamilyTypes(before.families, record.families)) return introduced;
  const held = new Map<string, MetricType>();
  if (before && !created) for (const family of before.families) held.set(family.name, family.type);
  for (const family of record.families) {
    if (held.get(family.name) === family.type) continue;
    if (isGroupMetaFamily(family.name) || ownFamilies.has(family.name)) continue;
    introduced.set(familyMarkName(family.name), family.type);
  }
  return introduced;
}

function sameFamilyTypes(a: readonly StoredFamily[], b: readonly StoredFamily[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as StoredFamily;
    const y = b[i] as StoredFamily;
    if (x.name !== y.name || x.type !== y.type) return false;
  }
  return true;
}

/** What a push bringing `value` does with the mark it found. */
export type MarkStep =
  /** The mark is settled as this value: nothing to do. */
  | { readonly kind: 'agrees' }
  /** No mark yet: create it settled (conditional on there still being none). */
  | { readonly kind: 'create'; readonly mark: Mark }
  /** Claim it (conditional on `found`'s epoch) and settle the push against the store. */
  | { readonly kind: 'claim'; readonly mark: Mark; readonly found: Mark };

export function markStep(value: string, found: Mark | undefined): MarkStep {
  if (!found) return { kind: 'create', mark: { value, epoch: 1, pending: false } };
  if (found.value === value && !found.pending) return { kind: 'agrees' };
  return { kind: 'claim', mark: { value, epoch: found.epoch + 1, pending: true }, found };
}

/**
 * The mark a claimant leaves once its push is decided: its type settled when acknowledged, otherwise the mark it
 * found (pending included: that claimant has not finished). A new epoch either way, written over the claim's.
 */
export function finishedMark(claim: Mark, found: Mark, acknowledged: boolean): Mark {
  const epoch = claim.epoch + 1;
  return acknowledged ? { value: claim.value, epoch, pending: false } : { ...found, epoch };
}

/**
 * Whether `records` (live records of the store, the settling push's own left out) account for the value a push found
 * on mark `name`: a record holding that family with that type, or the group a key mark names, live. A value nobody
 * accounts for was left by a push whose group has moved on since: deleted or replaced for good (the value is free
 * then), or replaced by a newer version still in flight, which may yet be put back to the one that holds it
 * (conflict-settlement.ts waits for those before deciding).
 */
export function markAccountedFor(name: string, value: string, records: readonly GroupRecord[]): boolean {
  if (name.startsWith(KEY_PREFIX)) return records.some((r) => !r.deleted && r.id === value);
  const family = name.slice(FAMILY_PREFIX.length);
  return records.some((r) => !r.deleted && r.families.some((f) => f.name === family && f.type === value));
}
