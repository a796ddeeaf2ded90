import type { Mark } from './conflict-marks';
import { type GroupingKey, groupingKeyId, keyNamesOf } from './grouping-key';
import { type FamilyState, type GroupState, isGroupMetaFamily, sameSeriesIds } from './pushgateway-semantics';

/**
 * Crossings: how two ingestion instances that have not seen each other's groups still find out, before either push
 * is acknowledged, that they put one series in two groups. `{job="a"}` pushing `m{instance="x"}` and
 * `{job="a",instance="x"}` pushing `m` both expose `m{job="a",instance="x"}`: a Pushgateway holding one refuses the
 * other, but when each push reached only replicas lacking the other, both were acknowledged and the repair had to cut
 * one. Family and key marks (conflict-marks.ts) cannot see it: same name, same type, two keys.
 *
 * What makes it findable: a group's grouping labels override the same labels of every series it exposes (prometheus/
 * pushgateway storage/diskmetricstore.go `sanitizeLabels`: set "in each Metric, no matter what"), so a
 * series `s` exposed by group B carries B's key: projected onto the names of B's key, `s` gives B's key, hence B's
 * id. A push that brings series its group's acknowledged version did not expose (`introducedSeries`) projects each
 * onto every grouping-key name set in use (the store's registry of them, `KEY_NAMES_MARK`, which it first adds its
 * own to) and reads the records of the groups those projections name (`crossingCandidates`): one exposing such a
 * series, or one whose push is still in flight on an acknowledged version, makes it settle against the store
 * (conflict-settlement.ts), as a mark holding another value does.
 *
 * Why no two pushes A and B putting `s` in two groups can both be acknowledged without one having settled against a
 * store holding the other: each commits its record, then registers its key's names (or finds them registered) and
 * reads the registry in one step, then reads the records its projections name. The registry item orders the two
 * steps; say A's comes first. B's step then finds A's names, so B projects `s` onto them, which gives A's id, and reads
 * A's record after its own step, so after A's step, so after A's commit: B finds `s` there, or A's version still
 * unsettled on an acknowledged one that may be put back, and settles. Each look is at the version built on the
 * group's acknowledged one: a push built on an unacknowledged version (its writer may have died before looking) takes
 * every series as introduced.
 *
 * Cost: a push that exposes the same series as its group's acknowledged version (a batch job's every run) makes no
 * store call here; one that brings new series makes one read of the registry (and one write, the first time its
 * key's names are used), plus one record read per group its new series could belong to, usually none, at most a
 * bound past which it settles against the whole store instead (crossing-lookup.ts `MAX_CANDIDATE_READS`).
 * A grouping label named `le` or `quantile` on a histogram or summary (whose folded series drop those labels before
 * they are compared) never reaches a record: such pushes are refused (push-validation.ts `validateGroupingLabels`).
 */

/** The store item listing every grouping-key name set in use (a mark: read strongly consistent, written by CAS). */
export const KEY_NAMES_MARK = 'n:grouping-key-names';

/** The name sets the registry holds. */
export function registeredKeyNames(mark: Mark | undefined): string[] {
  return mark && mark.value !== '' ? mark.value.split(' ') : [];
}

/** The registry with `names` added (over the found mark's epoch), or undefined when it holds them all already. */
export function withKeyNames(found: Mark | undefined, names: Iterable<string>): Mark | undefined {
  const registered = registeredKeyNames(found);
  const missing = [...new Set(names)].filter((n) => !registered.includes(n));
  if (missing.length === 0) return undefined;
  return { value: [...registered, ...missing].sort().join(' '), epoch: (found?.epoch ?? 0) + 1, pending: false };
}

/** Series ids by family name. */
export type SeriesByFamily = Map<string, string[]>;

/**
 * The series `state` exposes that `base` (the group as last acknowledged; undefined: nothing) did not, by family name.
 * Empty for a push exposing the same series again, found without building a set while families and series come in
 * the same order. The Pushgateway's meta families are left out (key marks cover them).
 */
export function introducedSeries(state: GroupState | undefined, base: GroupState | undefined): SeriesByFamily {
  const introduced: SeriesByFamily = new Map();
  if (!state) return introduced;
  const before = base?.families ?? [];
  let byName: Map<string, FamilyState> | undefined;
  for (let i = 0; i < state.families.length; i++) {
    const family = state.families[i] as FamilyState;
    if (isGroupMetaFamily(family.name)) continue;
    let previous = before[i];
    if (previous?.name !== family.name) {
      byName ??= new Map(before.map((f) => [f.name, f]));
      previous = byName.get(family.name);
    }
    if (previous && sameSeriesIds(previous, family)) continue;
    const ids = family.seriesIds;
    const held = previous ? new Set(previous.seriesIds) : undefined;
    const fresh = held ? ids.filter((id) => !held.has(id)) : [...ids];
    if (fresh.length > 0) introduced.set(family.name, fresh);
  }
  return introduced;
}

/**
 * The groups other than `key`'s whose key is the projection of an introduced series onto a registered name set, each
 * with the series that could be its (any group exposing one of them must be one of these). None when every
 * registered name set is `key`'s own; undefined when there would be more than `limit` (the caller settles against the
 * whole store instead of reading that many records).
 *
 * A name set's labels that are in `key` have `key`'s values in every series (grouping labels override), so a set
 * within `key`'s names names one group for all of them; only the others are read from each series.
 */
export function crossingCandidates(
  key: GroupingKey,
  introduced: SeriesByFamily,
  registered: readonly string[],
  limit = Number.POSITIVE_INFINITY,
): Map<string, SeriesByFamily> | undefined {
  const own = keyNamesOf(key);
  const nameSets = registered.filter((names) => names !== own).map((names) => names.split(','));
  /** Projection (name set index, then each value from a series) → the series projecting onto it. */
  const projections = new Map<string, SeriesByFamily>();
  for (let set = 0; set < nameSets.length; set++) {
    const names = nameSets[set] as string[];
    // Own properties only: a label may be named `constructor` or `toString`, which a plain object inherits.
    const fromSeries = names.filter((name) => !Object.hasOwn(key, name));
    for (const [family, ids] of introduced) {
      for (const id of ids) {
        let projection = `${set}`;
        let carried = true;
        for (const name of fromSeries) {
          const value = labelValue(id, name);
          if (value === undefined) {
            carried = false;
            break;
          }
          projection += `\u0001${value}`;
        }
        if (!carried) continue;
        let series = projections.get(projection);
        if (!series) {
          if (projections.size >= limit) return undefined;
          series = new Map();
          projections.set(projection, series);
        }
        const list = series.get(family);
        if (list) list.push(id);
        else series.set(family, [id]);
      }
    }
  }
  const candidates = new Map<string, SeriesByFamily>();
  const ownId = groupingKeyId(key);
  for (const [projection, series] of projections) {
    const [set, ...values] = projection.split('\u0001');
    const names = nameSets[Number(set)] as string[];
    const group: Record<string, string> = {};
    let next = 0;
    for (const name of names)
      group[name] = Object.hasOwn(key, name) ? (key[name] as string) : (values[next++] as string);
    const id = groupingKeyId(group);
    if (id !== ownId) candidates.set(id, series);
  }
  return candidates;
}

/** The value of label `name` in a series id (pushgateway-semantics.ts `labelSetId`: `name\0value\1` pairs, sorted). */
function labelValue(id: string, name: string): string | undefined {
  let start: number;
  if (id.startsWith(`${name}\u0000`)) start = name.length + 1;
  else {
    const at = id.indexOf(`\u0001${name}\u0000`);
    if (at < 0) return undefined;
    start = at + name.length + 2;
  }
  return id.slice(start, id.indexOf('\u0001', start));
}

/** Whether `state` (a group as stored; undefined for none) exposes any of `series`. */
export function exposesAny(state: GroupState | undefined, series: SeriesByFamily): boolean {
  if (!state) return false;
  for (const family of state.families) {
    const wanted = series.get(family.name);
    if (!wanted) continue;
    const held = new Set(family.seriesIds);
    if (wanted.some((id) => held.has(id))) return true;
  }
  return false;
}
