import type { MetricFamily, MetricType } from './exposition/parser';
import type { GroupingKey } from './grouping-key';

/**
 * What a Pushgateway does with a push (1.5.x, the binary we run): PUT replaces the whole group, POST replaces only
 * the metric families of the same name in it, DELETE removes the group (202 even when it did not exist). Labels of
 * the grouping key override the same labels in the body; a series without `instance` gets `instance=""`.
 */

export type PushMethod = 'PUT' | 'POST' | 'DELETE';

export const PUSH_METHODS: readonly PushMethod[] = ['PUT', 'POST', 'DELETE'];

/** Families every group carries, written by the Pushgateway itself. */
export const GROUP_META_FAMILIES: ReadonlySet<string> = new Set(['push_time_seconds', 'push_failure_time_seconds']);

export type Labels = Readonly<Record<string, string>>;

/** One family of one group, as far as consistency goes: its type, help and series (label sets). */
export interface FamilyState {
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string;
  /**
   * The series' label sets as {@link labelSetId}s, with the grouping labels and `instance` applied (no
   * `le`/`quantile`). Ids rather than objects: validation compares thousands of them per push.
   */
  readonly seriesIds: readonly string[];
}

export interface GroupState {
  readonly key: GroupingKey;
  readonly families: readonly FamilyState[];
}

/** Status the Pushgateway answers a successful push with. */
export function successStatus(method: PushMethod): 200 | 202 {
  return method === 'DELETE' ? 202 : 200;
}

/**
 * The families of a parsed push as the group will hold them: grouping labels override body labels, `instance`
 * defaults to "", histogram and summary samples folded into one series per label set (without `le`/`quantile`).
 */
export function pushedFamilies(families: readonly MetricFamily[], key: GroupingKey): FamilyState[] {
  const keyNames = new Set(Object.keys(key));
  const keyPairs: [string, string][] = Object.keys(key).map((name) => [name, key[name] ?? '']);
  const result: FamilyState[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue; // a HELP/TYPE without samples adds nothing to the group
    const folded = family.type === 'histogram' || family.type === 'summary' || family.type === 'gauge_histogram';
    const seriesIds: string[] = [];
    const seen = folded ? new Set<string>() : undefined;
    for (const sample of family.samples) {
      const pairs: [string, string][] = [];
      let hasInstance = keyNames.has('instance');
      for (const pair of sample.labels) {
        const name = pair[0];
        if (keyNames.has(name)) continue;
        if (folded && (name === 'le' || name === 'quantile')) continue;
        if (name === 'instance') hasInstance = true;
        pairs.push(pair as [string, string]);
      }
      for (const pair of keyPairs) pairs.push(pair);
      if (!hasInstance) pairs.push(['instance', '']);
      const id = pairsId(pairs);
      if (seen) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      seriesIds.push(id);
    }
    result.push({ name: family.name, type: family.type, help: family.help, seriesIds });
  }
  return result;
}

/** The group after the push: PUT replaces it, POST replaces the same-named families and keeps the others. */
export function applyPush(method: 'PUT' | 'POST', existing: GroupState | undefined, push: GroupState): GroupState {
  if (method === 'PUT' || !existing) return push;
  const replaced = new Set(push.families.map((f) => f.name));
  return { key: push.key, families: [...existing.families.filter((f) => !replaced.has(f.name)), ...push.families] };
}

/** A stable id of a label set (sorted pairs). */
export function labelSetId(labels: Labels): string {
  return pairsId(Object.keys(labels).map((name) => [name, labels[name] ?? '']));
}

function pairsId(pairs: [string, string][]): string {
  // Insertion sort: a handful of labels, usually already in order.
  for (let i = 1; i < pairs.length; i++) {
    const current = pairs[i] as [string, string];
    let j = i - 1;
    while (j >= 0 && (pairs[j] as [string, string])[0] > current[0]) {
      pairs[j + 1] = pairs[j] as [string, string];
      j--;
    }
    pairs[j + 1] = current;
  }
  let id = '';
  for (const [name, value] of pairs) id += `${name}\u0000${value}\u0001`;
  return id;
}

/** The label set of an id, for messages: `{a="1",job="x"}`. */
export function formatLabelSetId(id: string): string {
  const pairs = id
    .split('\u0001')
    .filter(Boolean)
    .map((pair) => {
      const [name, value = ''] = pair.split('\u0000');
      return `${name}=${JSON.stringify(value)}`;
    });
  return `{${pairs.join(',')}}`;
}
