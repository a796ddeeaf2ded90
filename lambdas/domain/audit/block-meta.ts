/**
 * Thanos block metadata: the `meta.json` every block folder holds (Prometheus TSDB meta plus the `thanos`
 * section) and the `deletion-mark.json` the compactor writes before deleting a block. Pure: no I/O.
 */
import { RESOLUTION_MILLIS, type Resolution } from '../retention';

/** A block's meta.json as Thanos writes it (fields the audit reads; others are ignored). */
export interface ThanosBlockMeta {
  readonly ulid: string;
  /** Inclusive start of the block, ms. */
  readonly minTime: number;
  /** Exclusive end of the block, ms. */
  readonly maxTime: number;
  readonly version: number;
  readonly stats?: { readonly numSamples?: number; readonly numSeries?: number; readonly numChunks?: number };
  readonly compaction: {
    /** 1 for a block a sidecar uploaded; +1 per compaction. */
    readonly level: number;
    /** ULIDs of the level-1 blocks this one was built from. */
    readonly sources?: readonly string[];
  };
  readonly thanos: {
    /** External labels of the Prometheus (or ruler) that produced the data. */
    readonly labels: Readonly<Record<string, string>>;
    /** 0 (raw), 300000 (5m) or 3600000 (1h): {@link RESOLUTION_MILLIS}. */
    readonly downsample: { readonly resolution: number };
    /** Who wrote the block: `sidecar`, `compactor`, `ruler`, `receive`, ... */
    readonly source: string;
    readonly segment_files?: readonly string[];
    readonly files?: readonly { readonly rel_path: string; readonly size_bytes?: number }[];
  };
}

/** `deletion-mark.json`: the compactor deletes the block `--delete-delay` after `deletion_time`. */
export interface ThanosDeletionMark {
  readonly id: string;
  /** Unix seconds. */
  readonly deletion_time: number;
  readonly version: number;
  readonly details?: string;
}

/** What the audit keeps of a block: small, so 100k of them fit in memory and in the audit state. */
export interface BlockRecord {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly resolution: Resolution;
  readonly level: number;
  readonly source: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Canonical form of `labels` (sorted): blocks of one stream share it. */
  readonly labelsKey: string;
}

/** The canonical key of an external label set: sorted `name="value"` pairs. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

const RESOLUTION_BY_MILLIS = new Map<number, Resolution>(
  (Object.entries(RESOLUTION_MILLIS) as [Resolution, number][]).map(([r, ms]) => [ms, r]),
);

function fail(where: string, problem: string): never {
  throw new Error(`${where}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object in `text`, or an error naming `where` and what is wrong. */
function jsonObject(where: string, text: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(where, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(raw)) fail(where, 'must be a JSON object');
  return raw;
}

function integerField(where: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(where, `${path} must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Parses and checks a block's meta.json. `ulid` is the block folder; a meta.json naming another block, a time
 * range that is empty or reversed, or an unknown resolution is an error naming the field.
 */
export function parseBlockMeta(text: string, ulid: string): BlockRecord {
  const where = `${ulid}/meta.json`;
  const raw = jsonObject(where, text);
  if (raw.ulid !== ulid) fail(where, `ulid must be the block folder "${ulid}", got ${JSON.stringify(raw.ulid)}`);
  const minTime = integerField(where, 'minTime', raw.minTime);
  const maxTime = integerField(where, 'maxTime', raw.maxTime);
  if (maxTime <= minTime) fail(where, `maxTime (${maxTime}) must be after minTime (${minTime})`);
  const compaction = raw.compaction;
  if (!isObject(compaction)) fail(where, 'compaction must be an object');
  const level = integerField(where, 'compaction.level', compaction.level);
  if (level < 1) fail(where, `compaction.level must be at least 1, got ${level}`);
  const thanos = raw.thanos;
  if (!isObject(thanos)) fail(where, 'thanos must be an object (a block Thanos did not write?)');
  const labels = thanos.labels;
  if (!isObject(labels)) fail(where, 'thanos.labels must be an object');
  for (const [name, value] of Object.entries(labels)) {
    if (typeof value !== 'string') fail(where, `thanos.labels.${name} must be a string, got ${JSON.stringify(value)}`);
  }
  const downsample = thanos.downsample;
  const millis = isObject(downsample) ? downsample.resolution : undefined;
  const resolution = typeof millis === 'number' ? RESOLUTION_BY_MILLIS.get(millis) : undefined;
  if (resolution === undefined) {
    fail(where, `thanos.downsample.resolution must be 0, 300000 or 3600000, got ${JSON.stringify(millis)}`);
  }
  const source = typeof thanos.source === 'string' ? thanos.source : '';
  const stringLabels = labels as Record<string, string>;
  return {
    ulid,
    minTime,
    maxTime,
    resolution,
    level,
    source,
    labels: stringLabels,
    labelsKey: labelsKey(stringLabels),
  };
}

/** Parses a deletion-mark.json; returns the deletion time in ms. */
export function parseDeletionMark(text: string, ulid: string): number {
  const where = `${ulid}/deletion-mark.json`;
  const raw = jsonObject(where, text);
  const seconds = integerField(where, 'deletion_time', raw.deletion_time);
  return seconds * 1000;
}
