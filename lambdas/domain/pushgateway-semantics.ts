import { isFolded, type MetricFamily, type MetricType } from './exposition/parser';
import { type GroupingKey, perKey } from './grouping-key';

/**
 * What a Pushgateway does with a push (1.5.x, the binary we run): PUT replaces the whole group, POST replaces only
 * the metric families of the same name in it, DELETE removes the group (202 even when it did not exist). Labels of
 * the grouping key override the same labels in the body; a series without `instance` gets `instance=""`.
 */

export type PushMethod = 'PUT' | 'POST' | 'DELETE';

export const PUSH_METHODS: readonly PushMethod[] = ['PUT', 'POST', 'DELETE'];

/** Families every group carries, written by the Pushgateway itself. */
export function isGroupMetaFamily(name: string): boolean {
  // Compared, not looked up in a set (that would hash every pushed family name); lengths first, as they mostly differ.
  const length = name.length;
  return (length === 17 && name === 'push_time_seconds') || (length === 25 && name === 'push_failure_time_seconds');
}

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
  /** True when `seriesIds` is known to hold no id twice (so it need not be built to check). */
  readonly unique?: boolean;
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
  const pushKey = pushKeyOf(key);
  const keyNames = pushKey.names;
  const keyPairs = pushKey.pairs;
  const result: FamilyState[] = [];
  // Families mostly share their label-name lists (one per label-name sequence): one found free of grouping
  // labels need not be checked again.
  let free: readonly string[] | undefined;
  for (const family of families) {
    if (family.sampleCount === 0) continue; // a HELP/TYPE without samples adds nothing to the group
    const facts = family.facts;
    if (facts?.seriesDistinct && facts.labelNames === free) {
      result.push(new KnownUniqueFamily(family, pushKey));
      continue;
    }
    const folded = isFolded(family.type);
    const fast = uniqueWithoutIds(family, folded, keyNames);
    if (fast) {
      if (facts?.seriesDistinct) free = facts.labelNames;
      result.push(new KnownUniqueFamily(family, pushKey));
      continue;
    }
    result.push({
      name: family.name,
      type: family.type,
      help: family.help,
      seriesIds: seriesIdsOf(family, folded, keyNames, keyPairs),
    });
  }
  return result;
}

/**
 * Whether the family's series are known to be distinct without building their ids, from the parser's canonical
 * label keys: the ids are a one-to-one function of the keys as long as no body label is overridden by the
 * grouping key and no sample writes `instance=""` (the value a missing `instance` gets). Folded families
 * merge equal keys anyway; others must have no key twice.
 */
function uniqueWithoutIds(family: MetricFamily, folded: boolean, keyNames: ReadonlySet<string>): boolean {
  const facts = family.facts;
  if (facts?.seriesDistinct) {
    // Proven while scanning (no `instance=""` either): only a grouping label written in the body can merge series.
    const names = facts.labelNames;
    for (let i = 0; i < names.length; i++) if (keyNames.has(names[i] as string)) return false;
    return true;
  }
  const keys = family.seriesKeys;
  const samples = family.samples;
  if (keys === undefined || keys.length !== samples.length) return false;
  for (const sample of samples) {
    const labels = sample.labels;
    for (let i = 0; i < labels.length; i++) {
      const pair = labels[i] as readonly [string, string];
      const name = pair[0];
      if (keyNames.has(name) || (name === 'instance' && pair[1] === '')) return false;
    }
  }
  if (folded) return true;
  // Exporters mostly write a family's series in label order: strictly ascending keys are distinct.
  let ascending = true;
  for (let i = 1; i < keys.length; i++) {
    if (!((keys[i - 1] as string) < (keys[i] as string))) {
      ascending = false;
      break;
    }
  }
  if (ascending) return true;
  const seen = new Set<string>();
  for (const k of keys) {
    const size = seen.size;
    seen.add(k);
    if (seen.size === size) return false; // a duplicate series: the slow path names it
  }
  return true;
}

/** The grouping key of a push, as `seriesIdsOf` needs it. */
interface PushKey {
  readonly names: ReadonlySet<string>;
  readonly pairs: readonly (readonly [string, string])[];
}

const pushKeyOf = perKey(
  (key): PushKey => ({
    names: new Set(Object.keys(key)),
    pairs: Object.keys(key).map((name) => [name, key[name] ?? '']),
  }),
);

/** A pushed family whose series are known distinct; their ids are built only if something asks for them. */
class KnownUniqueFamily implements FamilyState {
  readonly unique = true;
  private ids: string[] | undefined;

  constructor(
    private readonly family: MetricFamily,
    private readonly key: PushKey,
  ) {}

  get name(): string {
    return this.family.name;
  }

  get type(): MetricType {
    return this.family.type;
  }

  get help(): string | undefined {
    return this.family.help;
  }

  get seriesIds(): readonly string[] {
    this.ids ??= seriesIdsOf(this.family, isFolded(this.family.type), this.key.names, this.key.pairs);
    return this.ids;
  }

  /**
   * Whether `other` has the same series ids in the same order, told without building them: same type, the same
   * grouping labels in the same order, and the same canonical label keys per sample (the ids are a function of
   * those). False means only "not shown here" (a family the fast scanner read, keys not canonical, labels in
   * another order).
   */
  sameKeysAs(other: KnownUniqueFamily): boolean {
    const a = this.family;
    const b = other.family;
    if (a.type !== b.type || a.facts !== undefined || b.facts !== undefined) return false;
    const x = a.seriesKeys;
    const y = b.seriesKeys;
    if (x === undefined || y === undefined || x.length !== y.length) return false;
    const p = this.key.pairs;
    const q = other.key.pairs;
    if (p !== q) {
      if (p.length !== q.length) return false;
      for (let i = 0; i < p.length; i++) {
        const m = p[i] as readonly [string, string];
        const n = q[i] as readonly [string, string];
        if (m[0] !== n[0] || m[1] !== n[1]) return false;
      }
    }
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
}

/**
 * Whether two states of one family hold the same series in the same order (equal `seriesIds`). A group pushed
 * again with the same series (a batch job's every run) is told so from its label keys, building no ids.
 */
export function sameSeriesIds(a: FamilyState, b: FamilyState): boolean {
  if (a === b) return true;
  if (a instanceof KnownUniqueFamily && b instanceof KnownUniqueFamily && a.sameKeysAs(b)) return true;
  const x = a.seriesIds;
  const y = b.seriesIds;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function seriesIdsOf(
  family: MetricFamily,
  folded: boolean,
  keyNames: ReadonlySet<string>,
  keyPairs: readonly (readonly [string, string])[],
): string[] {
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
    for (const pair of keyPairs) pairs.push(pair as [string, string]);
    if (!hasInstance) pairs.push(['instance', '']);
    const id = pairsId(pairs);
    if (seen) {
      if (seen.has(id)) continue;
      seen.add(id);
    }
    seriesIds.push(id);
  }
  return seriesIds;
}

/** The group after the push: PUT replaces it, POST replaces the same-named families and keeps the others. */
export function applyPush(method: 'PUT' | 'POST', existing: GroupState | undefined, push: GroupState): GroupState {
  if (method === 'PUT' || !existing) return push;
  const replaced = new Set(push.families.map((f) => f.name));
  return { key: push.key, families: [...existing.families.filter((f) => !replaced.has(f.name)), ...push.families] };
}

/**
 * The labels of a group's own series (`push_time_seconds`, `push_failure_time_seconds`): its grouping key with
 * `instance=""` added when absent, as for every pushed series. Two groups with the same id make every gather of
 * the Pushgateway fail ("collected before with the same name and label values": 500 on `/metrics`, 400 on every
 * later push), so no push may create the second one.
 */
export const groupLabelSetId = perKey((key) => labelSetId(key.instance === undefined ? { ...key, instance: '' } : key));

/**
 * The path as Go's `http.ServeMux` cleans it before routing (net/http/server.go `cleanPath`: `path.Clean`, keeping
 * a trailing slash): the Pushgateway answers 301 to the cleaned path for any other (dot segments `.`/`..`, `//`),
 * so a push to such a path never reaches its handler. Checked against prometheus-pushgateway 1.5.1 (Go 1.19).
 */
export function cleanRequestPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const segment of rooted.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  let cleaned = `/${out.join('/')}`;
  if (rooted.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
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
