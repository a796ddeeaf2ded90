import type { GroupStore } from '../../adapters/group-store';
import { recordState } from '../../domain/group-conflicts';
import type { GroupRecord } from '../../domain/group-record';
import { mayBePutBack } from '../../domain/group-sync';
import { keyNamesOf } from '../../domain/grouping-key';
import {
  crossingCandidates,
  exposesAny,
  KEY_NAMES_MARK,
  registeredKeyNames,
  type SeriesByFamily,
  withKeyNames,
} from '../../domain/series-crossings';

export interface CrossingLookup {
  /** Another group may expose a series this push introduced: it settles against the store before acknowledging. */
  readonly settle: boolean;
  /**
   * The groups to wait for before settling (pushes in flight on an acknowledged version that may be put back), or
   * `all` when the look could not be ordered against other pushes (every unsettled group is waited for then).
   */
  readonly waitFor: readonly string[] | 'all';
}

const NOTHING: CrossingLookup = { settle: false, waitFor: [] };

/** Rounds of reading and writing the registry of key names, each lost to another push registering first. */
const REGISTRY_ATTEMPTS = 10;

/**
 * Records a push reads at most to find its crossings. A push whose new series project onto more groups (a big push
 * whose series each carry another label named like a grouping label, e.g. one `instance` per host) settles against
 * the whole store instead, as a replica's refusal does: one read of the store rather than one per group.
 */
export const MAX_CANDIDATE_READS = 64;

/**
 * The look at the groups a push's new series could also belong to (series-crossings.ts), after its commit: registers
 * its key's names, reads the registry, then the record of each group a new series projects onto. A group exposing one
 * of them, or whose version is unsettled on top of an acknowledged one, makes the push settle. A push that cannot get
 * its registration in, or whose series name more than MAX_CANDIDATE_READS groups, settles anyway (settling is sound
 * without the look), waiting for every unsettled group.
 */
export async function lookUpCrossings(
  store: GroupStore,
  record: GroupRecord,
  introduced: SeriesByFamily,
): Promise<CrossingLookup> {
  if (introduced.size === 0) return NOTHING;
  const registered = await registerKeyNames(store, [keyNamesOf(record.key)]);
  if (!registered) return { settle: true, waitFor: 'all' };
  const candidates = crossingCandidates(record.key, introduced, registered, MAX_CANDIDATE_READS);
  if (!candidates) return { settle: true, waitFor: 'all' };
  if (candidates.size === 0) return NOTHING;
  const crossed = await Promise.all(
    [...candidates].map(async ([id, series]) => {
      const entry = await store.get(id);
      if (!entry) return undefined;
      if (mayBePutBack(entry)) return id;
      return exposesAny(recordState(entry.record), series) ? id : undefined;
    }),
  );
  const waitFor = crossed.filter((id): id is string => id !== undefined);
  return waitFor.length > 0 ? { settle: true, waitFor } : NOTHING;
}

/**
 * Adds `names` to the store's registry of grouping-key names (compare-and-set, retried while others register):
 * every registered name set, these among them; undefined when every round lost to another registration.
 */
export async function registerKeyNames(store: GroupStore, names: Iterable<string>): Promise<string[] | undefined> {
  const wanted = [...names];
  for (let round = 0; round < REGISTRY_ATTEMPTS; round++) {
    const found = (await store.getMarks([KEY_NAMES_MARK])).get(KEY_NAMES_MARK);
    const next = withKeyNames(found, wanted);
    if (!next) return registeredKeyNames(found);
    if (await store.putMark(KEY_NAMES_MARK, next, found?.epoch)) return registeredKeyNames(next);
  }
  return undefined;
}
