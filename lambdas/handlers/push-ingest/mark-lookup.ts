import type { GroupStore } from '../../adapters/group-store';
import { finishedMark, type Mark, markStep } from '../../domain/conflict-marks';

/** A mark this push claimed (pending): it finishes it once the push is decided. */
export interface MarkClaim {
  readonly name: string;
  readonly mark: Mark;
  readonly found: Mark;
}

export interface MarkLookup {
  /** A mark held another value, or was pending: the push settles against the store before it is acknowledged. */
  readonly settle: boolean;
  readonly claims: readonly MarkClaim[];
  /** The marks kept changing under this push (see MARK_ATTEMPTS): it cannot be acknowledged. */
  readonly contended: boolean;
}

/** Rounds of reading and writing a push's marks, each lost to another push writing one of them first. */
const MARK_ATTEMPTS = 10;

const NOTHING: MarkLookup = { settle: false, claims: [], contended: false };

/**
 * The look at the marks a push introduced (conflict-marks.ts `introducedMarks`: mark name → the value it brings),
 * after its commit: creates the missing ones, claims those holding another value or pending. A push that cannot get
 * its look in (every round lost to other writers of its marks) is `contended`: not ordered against them, it must not
 * be acknowledged.
 */
export async function lookUpMarks(store: GroupStore, introduced: ReadonlyMap<string, string>): Promise<MarkLookup> {
  if (introduced.size === 0) return NOTHING;
  let pending = [...introduced];
  let settle = false;
  const claims: MarkClaim[] = [];
  for (let round = 0; round < MARK_ATTEMPTS; round++) {
    const marks = await store.getMarks(pending.map(([name]) => name));
    const again: [string, string][] = [];
    await Promise.all(
      pending.map(async ([name, value]) => {
        const step = markStep(value, marks.get(name));
        if (step.kind === 'agrees') return;
        if (step.kind === 'create') {
          if (!(await store.putMark(name, step.mark, undefined))) again.push([name, value]);
          return;
        }
        settle = true;
        if (await store.putMark(name, step.mark, step.found.epoch)) {
          claims.push({ name, mark: step.mark, found: step.found });
        } else again.push([name, value]);
      }),
    );
    if (again.length === 0) return { settle, claims, contended: false };
    pending = again;
  }
  return { settle: true, claims, contended: true };
}

/** Leaves each claimed mark as the push's outcome says (its value settled, or as found), unless claimed since. */
export async function finishClaims(
  store: GroupStore,
  claims: readonly MarkClaim[],
  acknowledged: boolean,
): Promise<void> {
  await Promise.all(
    claims.map((claim) =>
      store.putMark(claim.name, finishedMark(claim.mark, claim.found, acknowledged), claim.mark.epoch),
    ),
  );
}
