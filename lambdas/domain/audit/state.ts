/**
 * The audit state: what earlier runs read from each block (blocks are immutable, so a meta.json read once never
 * needs reading again while its ETag is unchanged). Stored compactly (one JSON document, label sets interned)
 * in the reports bucket. Pure: no I/O.
 */
import { RESOLUTIONS } from '../retention';
import { type BlockRecord, labelsKey } from './block-meta';

export const AUDIT_STATE_VERSION = 1;

export interface StoredBlock {
  /** Version (ETag) of the meta.json the record was read from. */
  readonly metaVersion: string;
  readonly record: BlockRecord;
  /** Version of the deletion-mark.json read, and its deletion time (ms). */
  readonly mark?: { readonly version: string; readonly deletionTime: number };
}

export interface AuditState {
  readonly blocks: ReadonlyMap<string, StoredBlock>;
}

export const EMPTY_AUDIT_STATE: AuditState = { blocks: new Map() };

/** [ulid, metaVersion, minTime, maxTime, resolution index, level, source index, labels index, markVersion?, deletionTime?] */
type EncodedBlock = [string, string, number, number, number, number, number, number, string?, number?];

interface EncodedState {
  version: number;
  savedAt: string;
  sources: string[];
  labels: Record<string, string>[];
  blocks: EncodedBlock[];
}

/** Serializes the state; `savedAt` is informative only. */
export function encodeAuditState(state: AuditState, savedAt: Date): string {
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const labels: Record<string, string>[] = [];
  const labelIndex = new Map<string, number>();
  const intern = <T>(list: T[], index: Map<string, number>, key: string, value: T) => {
    let i = index.get(key);
    if (i === undefined) {
      i = list.push(value) - 1;
      index.set(key, i);
    }
    return i;
  };
  const blocks: EncodedBlock[] = [];
  for (const { metaVersion, record, mark } of state.blocks.values()) {
    const encoded: EncodedBlock = [
      record.ulid,
      metaVersion,
      record.minTime,
      record.maxTime,
      RESOLUTIONS.indexOf(record.resolution),
      record.level,
      intern(sources, sourceIndex, record.source, record.source),
      intern(labels, labelIndex, record.labelsKey, { ...record.labels }),
    ];
    if (mark) encoded.push(mark.version, mark.deletionTime);
    blocks.push(encoded);
  }
  const doc: EncodedState = { version: AUDIT_STATE_VERSION, savedAt: savedAt.toISOString(), sources, labels, blocks };
  return JSON.stringify(doc);
}

/** Reads a state written by {@link encodeAuditState}; throws with the reason on anything else. */
export function decodeAuditState(text: string): AuditState {
  let doc: EncodedState;
  try {
    doc = JSON.parse(text) as EncodedState;
  } catch (error) {
    throw new Error(`audit state: not valid JSON (${(error as Error).message})`);
  }
  if (doc?.version !== AUDIT_STATE_VERSION) {
    throw new Error(`audit state: version must be ${AUDIT_STATE_VERSION}, got ${JSON.stringify(doc?.version)}`);
  }
  if (!Array.isArray(doc.blocks) || !Array.isArray(doc.labels) || !Array.isArray(doc.sources)) {
    throw new Error('audit state: blocks, labels and sources must be arrays');
  }
  const labelSets = doc.labels.map((l) => ({ labels: l, key: labelsKey(l) }));
  const blocks = new Map<string, StoredBlock>();
  doc.blocks.forEach((entry, i) => {
    const [ulid, metaVersion, minTime, maxTime, res, level, src, lab, markVersion, deletionTime] = entry;
    const resolution = RESOLUTIONS[res];
    const labelSet = labelSets[lab];
    const source = doc.sources[src];
    if (
      typeof ulid !== 'string' ||
      typeof metaVersion !== 'string' ||
      typeof minTime !== 'number' ||
      typeof maxTime !== 'number' ||
      typeof level !== 'number' ||
      resolution === undefined ||
      labelSet === undefined ||
      source === undefined
    ) {
      throw new Error(`audit state: blocks[${i}] is malformed: ${JSON.stringify(entry).slice(0, 200)}`);
    }
    const record: BlockRecord = {
      ulid,
      minTime,
      maxTime,
      resolution,
      level,
      source,
      labels: labelSet.labels,
      labelsKey: labelSet.key,
    };
    const mark =
      typeof markVersion === 'string' && typeof deletionTime === 'number'
        ? { version: markVersion, deletionTime }
        : undefined;
    blocks.set(ulid, mark ? { metaVersion, record, mark } : { metaVersion, record });
  });
  return { blocks };
}
