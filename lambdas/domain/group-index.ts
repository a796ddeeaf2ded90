import type { MetricType } from './exposition/parser';
import { type GroupingKey, groupingKeyId, keyNamesOf } from './grouping-key';
import { type FamilyState, type GroupState, groupLabelSetId, sameSeriesIds } from './pushgateway-semantics';

/**
 * The groups the replicas hold, indexed by family name, so a push is checked only against the groups that hold
 * its family names, and the series of a name are gathered once and then kept up to date as groups change: checking
 * a push costs what the push holds, not what the Pushgateways hold (thousands of groups of the same batch job
 * share their family names).
 */
export class GroupIndex {
  /** Group id → its versions (one per replica whose copy differs; usually one). */
  private readonly groups = new Map<string, readonly GroupState[]>();
  /** Family name → group id → that family in each version holding it. */
  private readonly byName = new Map<string, Map<string, FamilyState[]>>();
  /**
   * Family name → series id → the group holding it (a list in the rare case of several); built for a name when a
   * push first needs it.
   */
  private readonly series = new Map<string, Map<string, Holders>>();
  /** The label set each group's own series (`push_time_seconds`...) carry → the group. */
  private readonly byLabelSet = new Map<string, string>();
  /**
   * Family name → the label names of the keys of the groups holding it (`keyNamesOf`) → how many. Groups whose keys
   * have the same names never expose one series: each series carries its group's key, and two keys with the same
   * names differ in a value (see `heldElsewhere`).
   */
  private readonly shapes = new Map<string, Map<string, number>>();

  /** An index of `groups`; several entries with the same key are versions of one group. */
  static of(groups: Iterable<GroupState>): GroupIndex {
    const versions = new Map<string, GroupState[]>();
    for (const group of groups) {
      const id = groupingKeyId(group.key);
      const known = versions.get(id);
      if (known) known.push(group);
      else versions.set(id, [group]);
    }
    const index = new GroupIndex();
    for (const [id, list] of versions) index.set(id, list);
    return index;
  }

  get size(): number {
    return this.groups.size;
  }

  /** The ids of the groups held. */
  ids(): IterableIterator<string> {
    return this.groups.keys();
  }

  /** The versions held of group `id` (empty when none). */
  versions(id: string): readonly GroupState[] {
    return this.groups.get(id) ?? [];
  }

  /** Replaces what is held of group `id`. */
  set(id: string, versions: readonly GroupState[]): void {
    const previous = this.groups.get(id);
    // A group pushed again with the same series (a batch job's every run): the maps of names and series stay as they
    // are, only the family objects (values, help, types) are swapped.
    if (previous && sameSeries(previous, versions)) {
      this.groups.set(id, versions);
      const byName = new Map<string, FamilyState[]>();
      for (const version of versions) {
        for (const family of version.families) {
          const families = byName.get(family.name);
          if (families) families.push(family);
          else byName.set(family.name, [family]);
        }
      }
      for (const [name, families] of byName) this.byName.get(name)?.set(id, families);
      return;
    }
    this.delete(id);
    this.groups.set(id, versions);
    const first = versions[0];
    if (first) this.byLabelSet.set(groupLabelSetId(first.key), id);
    const shape = first ? keyNamesOf(first.key) : '';
    for (const version of versions) {
      for (const family of version.families) {
        let holders = this.byName.get(family.name);
        if (!holders) {
          holders = new Map();
          this.byName.set(family.name, holders);
        }
        const families = holders.get(id);
        if (families) families.push(family);
        else {
          holders.set(id, [family]);
          this.countShape(family.name, shape, 1);
        }
        const series = this.series.get(family.name);
        if (series) addSeries(series, family, id);
      }
    }
  }

  delete(id: string): void {
    const versions = this.groups.get(id);
    if (!versions) return;
    this.groups.delete(id);
    const first = versions[0];
    if (first && this.byLabelSet.get(groupLabelSetId(first.key)) === id)
      this.byLabelSet.delete(groupLabelSetId(first.key));
    const names = new Set<string>();
    for (const version of versions) for (const family of version.families) names.add(family.name);
    const shape = first ? keyNamesOf(first.key) : '';
    for (const name of names) {
      const holders = this.byName.get(name);
      const families = holders?.get(id);
      if (!holders || !families) continue;
      holders.delete(id);
      this.countShape(name, shape, -1);
      if (holders.size === 0) {
        this.byName.delete(name);
        this.series.delete(name);
        continue;
      }
      const series = this.series.get(name);
      if (series)
        for (const family of families) for (const seriesId of family.seriesIds) removeHolder(series, seriesId, id);
    }
  }

  /**
   * Another group whose own series would carry the same labels as a group of `key` (`{job="p"}` and
   * `{job="p",instance=""}`: the Pushgateway adds `instance=""` to both), or undefined. `id`: the key's
   * `groupingKeyId`, when the caller has it.
   */
  collidingGroup(key: GroupingKey, id?: string): string | undefined {
    const other = this.byLabelSet.get(groupLabelSetId(key));
    return other === undefined || other === (id ?? groupingKeyId(key)) ? undefined : other;
  }

  /** The type of family `name` in some group other than `exceptId`, and that group's id. */
  typeElsewhere(name: string, exceptId: string): { type: MetricType; where: string } | undefined {
    const holders = this.byName.get(name);
    if (!holders) return undefined;
    for (const [id, families] of holders) {
      if (id !== exceptId) return { type: (families[0] as FamilyState).type, where: id };
    }
    return undefined;
  }

  /**
   * Whether series `seriesId` of family `name` is held by a group other than `exceptId`; undefined when no
   * other group can hold one of its series: none holds the name, or (given `keyNames`, the label names of
   * `exceptId`'s key) every group holding it has a key with those same names. A group's grouping labels are set on
   * every series it exposes, and two keys with the same names differ in some value, so those groups' series all
   * differ from the push's in that label: a fleet of instances pushing the same families is checked without
   * building a series id.
   */
  heldElsewhere(name: string, exceptId: string, keyNames?: string): ((seriesId: string) => boolean) | undefined {
    const holders = this.byName.get(name);
    if (!holders || (holders.size === 1 && holders.has(exceptId))) return undefined;
    if (keyNames !== undefined) {
      const shapes = this.shapes.get(name);
      if (shapes !== undefined && shapes.size === 1 && shapes.has(keyNames)) return undefined;
    }
    let series = this.series.get(name);
    if (!series) {
      series = new Map();
      for (const [id, families] of holders) for (const family of families) addSeries(series, family, id);
      this.series.set(name, series);
    }
    const held = series;
    return (seriesId) => {
      const groups = held.get(seriesId);
      return groups !== undefined && (typeof groups === 'string' ? groups !== exceptId : groups.length > 1);
    };
  }

  private countShape(name: string, shape: string, change: 1 | -1): void {
    let shapes = this.shapes.get(name);
    if (!shapes) {
      shapes = new Map();
      this.shapes.set(name, shapes);
    }
    const count = (shapes.get(shape) ?? 0) + change;
    if (count > 0) shapes.set(shape, count);
    else shapes.delete(shape);
    if (shapes.size === 0) this.shapes.delete(name);
  }
}

/** The group ids holding one series id: one id, or several (never an empty list). */
type Holders = string | string[];

/** Whether two lists of versions of one group hold the same family names and series, in the same order. */
function sameSeries(a: readonly GroupState[], b: readonly GroupState[]): boolean {
  if (a.length !== b.length) return false;
  for (let v = 0; v < a.length; v++) {
    const fa = (a[v] as GroupState).families;
    const fb = (b[v] as GroupState).families;
    if (fa.length !== fb.length) return false;
    for (let f = 0; f < fa.length; f++) {
      const x = fa[f] as FamilyState;
      const y = fb[f] as FamilyState;
      if (x.name !== y.name || !sameSeriesIds(x, y)) return false;
    }
  }
  return true;
}

function addSeries(series: Map<string, Holders>, family: FamilyState, id: string): void {
  for (const seriesId of family.seriesIds) {
    const groups = series.get(seriesId);
    if (groups === undefined) series.set(seriesId, id);
    else if (typeof groups === 'string') {
      if (groups !== id) series.set(seriesId, [groups, id]);
    } else if (!groups.includes(id)) groups.push(id);
  }
}

function removeHolder(series: Map<string, Holders>, seriesId: string, id: string): void {
  const groups = series.get(seriesId);
  if (groups === undefined) return;
  if (typeof groups === 'string') {
    if (groups === id) series.delete(seriesId);
    return;
  }
  const rest = groups.filter((g) => g !== id);
  series.set(seriesId, rest.length === 1 ? (rest[0] as string) : rest);
}
