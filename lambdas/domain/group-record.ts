import type { MetricFamily, MetricType } from './exposition/parser';
import { type GroupingKey, groupingKeyId } from './grouping-key';
import type { PushMethod } from './pushgateway-semantics';

/**
 * The ingestion's record of one group: what every replica must end up holding. The ingestion owns it (the repair
 * store keeps it, versioned); the Pushgateways are caches brought to it by PUTting its whole content. A push becomes
 * the next version of its group's record; a DELETE a tombstone (so a late copy of an older version is recognised).
 */
export interface GroupRecord {
  /** `groupingKeyId` of the key. */
  readonly id: string;
  readonly key: GroupingKey;
  /** 1 for the first write of the group; +1 per acknowledged change (PUT, POST, DELETE or a revert). */
  readonly version: number;
  /** A DELETE: the replicas must not hold the group. */
  readonly deleted: boolean;
  readonly families: readonly StoredFamily[];
}

/** One metric family of a group, as text the Pushgateway parses back to the same family. */
export interface StoredFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly sampleCount: number;
  /** HELP, TYPE and sample lines, each ending in `\n`. */
  readonly text: string;
}

/** The families of a parsed push as the record stores them (families without samples add nothing, as in expfmt). */
export function storedFamilies(families: readonly MetricFamily[]): StoredFamily[] {
  const stored: StoredFamily[] = [];
  for (const family of families) {
    if (family.sampleCount === 0) continue;
    stored.push({ name: family.name, type: family.type, sampleCount: family.sampleCount, text: familyText(family) });
  }
  return stored;
}

/**
 * The group's record after `method`: PUT replaces every family, POST the families of the same names, DELETE leaves
 * a tombstone. The version follows the previous record's, tombstones included.
 */
export function nextRecord(
  previous: GroupRecord | undefined,
  method: PushMethod,
  key: GroupingKey,
  pushed: readonly StoredFamily[],
): GroupRecord {
  const id = previous?.id ?? groupingKeyId(key);
  const version = (previous?.version ?? 0) + 1;
  if (method === 'DELETE') return { id, key, version, deleted: true, families: [] };
  if (method === 'PUT' || !previous || previous.deleted) return { id, key, version, deleted: false, families: pushed };
  const replaced = new Set(pushed.map((f) => f.name));
  return {
    id,
    key,
    version,
    deleted: false,
    families: [...previous.families.filter((f) => !replaced.has(f.name)), ...pushed],
  };
}

/** The record restored as it was before `undone` (a push no replica took): its content, the next version. */
export function revertedRecord(undone: GroupRecord, before: GroupRecord | undefined): GroupRecord {
  if (!before) return { id: undone.id, key: undone.key, version: undone.version + 1, deleted: true, families: [] };
  return { ...before, version: undone.version + 1 };
}

/** Samples in the record (the per-group limit counts these). */
export function recordSampleCount(record: GroupRecord): number {
  let count = 0;
  for (const family of record.families) count += family.sampleCount;
  return count;
}

/** The text exposition a replica is sent to hold the record (PUT to the group's path). */
export function recordExposition(record: GroupRecord): string {
  let text = '';
  for (const family of record.families) text += family.text;
  return text;
}

/** Text format 0.0.4 of one family (prometheus/common expfmt/text_create.go: HELP escapes `\\` and `\n`). */
export function familyText(family: MetricFamily): string {
  let out = '';
  if (family.help !== undefined) out += `# HELP ${family.name} ${escapeHelp(family.help)}\n`;
  // The text format has no gauge histogram; one only comes from a protobuf push, and is kept as a histogram.
  const type = family.type === 'gauge_histogram' ? 'histogram' : family.type;
  if (type !== 'untyped') out += `# TYPE ${family.name} ${type}\n`;
  for (const sample of family.samples) {
    out += sample.name;
    const labels = sample.labels;
    if (labels.length > 0) {
      out += '{';
      for (let i = 0; i < labels.length; i++) {
        const [name, value] = labels[i] as readonly [string, string];
        out += `${i === 0 ? '' : ','}${name}="${escapeLabelValue(value)}"`;
      }
      out += '}';
    }
    out += ` ${sample.value}\n`;
  }
  return out;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
