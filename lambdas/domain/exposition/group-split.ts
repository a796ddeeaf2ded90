import type * as Protobuf from 'protobufjs/light';
import { type GroupingKey, groupingKeyId } from '../grouping-key';
import { metricFamilyType } from './protobuf';

/**
 * A Pushgateway's `/metrics` as delimited protobuf, cut back into its groups: every family the Pushgateway holds,
 * native histograms, gauge histograms and exemplars included, which `/api/v1/metrics` (JSON) and the text format
 * cannot show. The Pushgateway merges the families of every group into one family per name, each metric carrying
 * its group's labels (`instance=""` added where the key has none); a metric belongs to the group whose every key
 * label it carries with the same value, the one with most labels when several do (`{job="a"}` and
 * `{job="a",instance="i"}`: its consistency check refuses two groups exposing the same series, so that settles it).
 * The groups' own `push_time_seconds` and `push_failure_time_seconds` families, and the Pushgateway's own families
 * (no `job` label), belong to no group.
 */
export interface GroupFamilies {
  readonly key: GroupingKey;
  /** One `io.prometheus.client.MetricFamily` message per family of the group, as a push would carry it. */
  readonly messages: Uint8Array[];
}

/** Families the Pushgateway adds to every group: not pushed, never imported. */
const PUSH_TIME_FAMILIES = new Set(['push_time_seconds', 'push_failure_time_seconds']);

interface LabelPair {
  readonly name: string;
  readonly value: Uint8Array;
}
interface FamilyMessage {
  readonly name: string;
  readonly metric: readonly { readonly label: readonly LabelPair[] }[];
}

const UTF8 = new TextDecoder('utf-8');

/**
 * Splits `body` (a Pushgateway's `/metrics` read with the delimited protobuf Accept header) into the groups `keys`
 * name. `helpOf` gives a family's HELP as the group holds it (groups may differ; the merged family shows one).
 * Metrics of no known group are dropped. Throws when the body is not delimited MetricFamily messages.
 */
export function splitByGroup(
  body: Uint8Array,
  keys: readonly GroupingKey[],
  helpOf: (groupId: string, family: string) => string | undefined = () => undefined,
): Map<string, GroupFamilies> {
  const type = metricFamilyType();
  const protobuf = require('protobufjs/light') as typeof Protobuf;
  const reader = protobuf.Reader.create(body);
  // The label-name sets the keys use, most names first: a metric's group is found by one lookup per set.
  const ids = new Map(keys.map((key) => [groupingKeyId(key), key]));
  const nameSets = [...new Set(keys.map((key) => Object.keys(key).sort().join('\u0000')))]
    .map((joined) => joined.split('\u0000'))
    .sort((a, b) => b.length - a.length);
  const groups = new Map<string, { key: GroupingKey; families: Map<string, Protobuf.Message[]> }>();
  const order: Protobuf.Message[] = [];
  while (reader.pos < reader.len) {
    const length = reader.uint32();
    const family = type.decode(reader, length);
    const { name, metric } = family as unknown as FamilyMessage;
    if (PUSH_TIME_FAMILIES.has(name)) continue;
    order.push(family);
    metric.forEach((m, i) => {
      const labels = new Map(m.label.map((pair) => [pair.name, UTF8.decode(pair.value)]));
      for (const names of nameSets) {
        if (!names.every((n) => labels.has(n))) continue;
        const key: Record<string, string> = {};
        for (const n of names) key[n] = labels.get(n) as string;
        const id = groupingKeyId(key);
        const known = ids.get(id);
        if (!known) continue;
        let group = groups.get(id);
        if (!group) {
          group = { key: known, families: new Map() };
          groups.set(id, group);
        }
        const metrics = group.families.get(name) ?? [];
        metrics.push((family as unknown as { metric: Protobuf.Message[] }).metric[i] as Protobuf.Message);
        group.families.set(name, metrics);
        return;
      }
    });
  }
  const split = new Map<string, GroupFamilies>();
  for (const [id, group] of groups) {
    const messages: Uint8Array[] = [];
    // In the order the Pushgateway served the families (sorted by name).
    for (const family of order) {
      const { name } = family as unknown as FamilyMessage;
      const metrics = group.families.get(name);
      if (!metrics) continue;
      const message: Record<string, unknown> = { name, metric: metrics };
      if (isSet(family, 'type')) message.type = (family as unknown as { type: number }).type;
      const help = helpOf(id, name) ?? (isSet(family, 'help') ? (family as unknown as { help: string }).help : '');
      if (help !== '') message.help = help;
      messages.push(type.encode(message).finish());
    }
    split.set(id, { key: group.key, messages });
  }
  return split;
}

function isSet(message: object, field: string): boolean {
  return Object.hasOwn(message, field) && (message as Record<string, unknown>)[field] != null;
}
