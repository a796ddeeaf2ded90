import { type MetricFamily, type MetricType, parseExposition } from './exposition/parser';
import { protobufMessage } from './exposition/protobuf';
import { delimitedBody, textFamilyMessage } from './exposition/protobuf-encode';
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
  /**
   * When the push this version came from was committed (ms; absent on records from before it was kept). Orders the
   * commits of instances that did not see each other when their records conflict (group-conflicts.ts).
   */
  readonly committedAt?: number;
}

/**
 * One metric family of a group. `text` is what validation reads back (HELP, TYPE and sample lines); a family pushed
 * as protobuf also keeps its message as pushed, since the text rendering loses what only protobuf carries (native
 * histograms, gauge histograms, exemplars): the replicas are sent that message, so they hold what a Pushgateway
 * sent the same push holds.
 */
export interface StoredFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly sampleCount: number;
  /** HELP, TYPE and sample lines, each ending in `\n`. */
  readonly text: string;
  /** Base64 of the `io.prometheus.client.MetricFamily` message as pushed (protobuf pushes only). */
  readonly protobuf?: string;
}

/** The families of a parsed push as the record stores them (text families without samples add nothing, as in expfmt). */
export function storedFamilies(families: readonly MetricFamily[]): StoredFamily[] {
  const stored: StoredFamily[] = [];
  for (const family of families) {
    const message = protobufMessage(family);
    // A protobuf family without metrics is stored by the Pushgateway (its API shows it): kept, with no text.
    if (family.sampleCount === 0 && message === undefined) continue;
    const text = family.sampleCount === 0 ? '' : familyText(family);
    stored.push(
      message === undefined
        ? { name: family.name, type: family.type, sampleCount: family.sampleCount, text }
        : {
            name: family.name,
            type: family.type,
            sampleCount: family.sampleCount,
            text,
            protobuf: Buffer.from(message).toString('base64'),
          },
    );
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
  committedAt?: number,
): GroupRecord {
  const id = previous?.id ?? groupingKeyId(key);
  const version = (previous?.version ?? 0) + 1;
  const at = committedAt === undefined ? {} : { committedAt };
  if (method === 'DELETE') return { id, key, version, deleted: true, families: [], ...at };
  if (method === 'PUT' || !previous || previous.deleted)
    return { id, key, version, deleted: false, families: pushed, ...at };
  const replaced = new Set(pushed.map((f) => f.name));
  return {
    id,
    key,
    version,
    deleted: false,
    families: [...previous.families.filter((f) => !replaced.has(f.name)), ...pushed],
    ...at,
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

/** What a replica is sent to hold the record (a PUT to the group's path). */
export interface RecordBody {
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** The delimited protobuf media type the Pushgateway reads (expfmt.FmtProtoDelim). */
export const PROTOBUF_DELIMITED =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/**
 * The record as one body: text when every family came as text (what it always was), else delimited protobuf, the
 * protobuf families as pushed and the text ones as the Pushgateway's text parser makes them (protobuf-encode.ts).
 */
export function recordBody(record: GroupRecord): RecordBody {
  if (!record.families.some((f) => f.protobuf !== undefined)) {
    return {
      body: Buffer.from(recordExposition(record), 'utf8'),
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    };
  }
  const messages = record.families.map((family) => {
    if (family.protobuf !== undefined) return new Uint8Array(Buffer.from(family.protobuf, 'base64'));
    return textFamilyMessage(textFamily(family));
  });
  return { body: delimitedBody(messages), contentType: PROTOBUF_DELIMITED };
}

function textFamily(family: StoredFamily): MetricFamily {
  const parsed = parseExposition(family.text);
  const found = parsed.ok ? parsed.families.find((f) => f.name === family.name) : undefined;
  if (!found) throw new Error(`stored family ${family.name} does not parse back`);
  return found;
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

/** A HELP text as the text format writes it (`\\` and newline escaped). */
export function escapeHelp(text: string): string {
  if (!needsEscape(text, false)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value as the text format writes it between quotes (`\\`, `"` and newline escaped). */
export function escapeLabelValue(text: string): string {
  if (!needsEscape(text, true)) return text;
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Whether `text` holds a backslash or newline (or, for label values, a double quote): most values hold none. */
function needsEscape(text: string, quote: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c || c === 0x0a || (quote && c === 0x22)) return true;
  }
  return false;
}
