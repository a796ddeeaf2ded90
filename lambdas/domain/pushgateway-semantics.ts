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
  /** Label sets of the series, with the grouping labels and `instance` applied (no `le`/`quantile`). */
  readonly series: readonly Labels[];
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
  const result: FamilyState[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue; // a HELP/TYPE without samples adds nothing to the group
    const folded = family.type === 'histogram' || family.type === 'summary' || family.type === 'gauge_histogram';
    const series: Labels[] = [];
    const seen = new Set<string>();
    for (const sample of family.samples) {
      const labels: Record<string, string> = { instance: '' };
      for (const [name, value] of sample.labels) {
        if (folded && (name === 'le' || name === 'quantile')) continue;
        labels[name] = value;
      }
      Object.assign(labels, key);
      if (folded) {
        const id = labelSetId(labels);
        if (seen.has(id)) continue;
        seen.add(id);
      }
      series.push(labels);
    }
    result.push({ name: family.name, type: family.type, help: family.help, series });
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
  let id = '';
  for (const name of Object.keys(labels).sort()) id += `${name}\u0000${labels[name]}\u0001`;
  return id;
}
