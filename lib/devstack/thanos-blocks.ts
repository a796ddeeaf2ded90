/**
 * The blocks a Thanos bucket holds when everything works, as plain data: streams (one per Prometheus replica,
 * external labels cluster/region/prometheus/prometheus_replica) upload 2h blocks; a working compactor compacts them to
 * 8h, 2d and 14d (Thanos' default ranges), downsamples (raw >= 40h -> 5m twin, 5m >= 10d -> 1h twin), marks
 * compaction sources for deletion (kept `--delete-delay`) and applies retention (thanos docs/components/compact.md).
 * `npm start` seeds its S3 stand-in with these so the audit has blocks to judge; the audit tests and benchmarks
 * build their buckets from them.
 */
import type { ThanosBlockMeta } from '../../lambdas/domain/audit/block-meta';
import { makeUlid, ulidRandomness } from '../../lambdas/domain/audit/ulid';
import {
  RESOLUTION_MILLIS,
  type Resolution,
  type RetentionPolicy,
  SEED_RETENTION_POLICY,
} from '../../lambdas/domain/retention';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Thanos' default compaction ranges: 2h, 8h, 2d, 14d (levels 1..4). */
const RANGES = [2 * HOUR, 8 * HOUR, 2 * DAY, 14 * DAY];
const rangeAt = (level: number) => RANGES[level] ?? Number.NaN;
const LONGEST_RANGE = 14 * DAY;

export interface FixtureBlock {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly resolution: Resolution;
  readonly level: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: 'sidecar' | 'compactor' | 'ruler';
  /** Upload time of the block's objects (also its ULID time). */
  readonly createdAt: number;
  /** When the compactor marked it for deletion. */
  readonly markedAt?: number;
}

/** meta.json as Thanos writes it. */
export function blockMeta(block: FixtureBlock, sources: readonly string[] = [block.ulid]): ThanosBlockMeta {
  return {
    ulid: block.ulid,
    minTime: block.minTime,
    maxTime: block.maxTime,
    version: 1,
    stats: { numSamples: 1_200_000 * block.level, numSeries: 40_000, numChunks: 320_000 },
    compaction: { level: block.level, sources },
    thanos: {
      labels: block.labels,
      downsample: { resolution: RESOLUTION_MILLIS[block.resolution] },
      source: block.source,
      segment_files: ['000001'],
      files: [
        { rel_path: 'chunks/000001', size_bytes: 52_428_800 },
        { rel_path: 'index', size_bytes: 4_194_304 },
        { rel_path: 'meta.json' },
      ],
    },
  };
}

/** One object of a block as Thanos uploads it; `body` only for the JSON files (chunks and index are opaque). */
export interface BlockObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
  readonly body?: () => string;
}

/** A block's objects: chunks, index, meta.json (unless `meta: false`, an aborted upload) and its deletion mark. */
export function blockObjects(block: FixtureBlock, options: { meta?: boolean } = {}): BlockObject[] {
  const at = block.createdAt;
  const objects: BlockObject[] = [
    { key: `${block.ulid}/chunks/000001`, size: 52_428_800, lastModified: at },
    { key: `${block.ulid}/index`, size: 4_194_304, lastModified: at },
  ];
  if (options.meta !== false) {
    const render = () => JSON.stringify(blockMeta(block), null, '\t');
    objects.push({ key: `${block.ulid}/meta.json`, size: 900, lastModified: at + 1000, body: render });
  }
  if (block.markedAt !== undefined) {
    const text = JSON.stringify({ id: block.ulid, deletion_time: Math.floor(block.markedAt / 1000), version: 1 });
    objects.push({
      key: `${block.ulid}/deletion-mark.json`,
      size: Buffer.byteLength(text),
      lastModified: block.markedAt,
      body: () => text,
    });
  }
  return objects;
}

export interface HealthyBucketOptions {
  readonly now: Date;
  /** Streams (label sets), e.g. two Prometheus replicas. @default replicas 0 and 1 of one cluster */
  readonly streams?: readonly Readonly<Record<string, string>>[];
  /** Days of history written. @default the longest retention */
  readonly historyDays?: number;
  readonly policy?: RetentionPolicy;
}

/** `count` streams: clusters of two replicas each. */
export function replicaStreams(count: number, region = 'eu-west-1'): Record<string, string>[] {
  return Array.from({ length: count }, (_, i) => ({
    cluster: i < 2 ? 'greenlang-prod' : `greenlang-prod-${Math.floor(i / 2)}`,
    region,
    prometheus: 'monitoring/prometheus',
    prometheus_replica: `prometheus-${i % 2}`,
  }));
}

/**
 * The blocks a working compactor leaves: for each stream, 14d windows compacted, later windows at 2d, 8h and 2h;
 * downsampled twins; compaction sources still inside `--delete-delay` present and marked; retention applied.
 */
export function healthyBlocks(options: HealthyBucketOptions): FixtureBlock[] {
  const now = options.now.getTime();
  const policy = options.policy ?? SEED_RETENTION_POLICY;
  const streams = options.streams ?? replicaStreams(2);
  const historyDays = options.historyDays ?? Math.max(...Object.values(policy.resolutionDays));
  const out: FixtureBlock[] = [];
  let serial = 0;
  const ulid = (createdAt: number) => makeUlid(createdAt, ulidRandomness(++serial * 7919));

  streams.forEach((labels, si) => {
    const jitter = (si % 13) * 60_000; // replicas upload a few minutes apart
    // Prometheus cuts the 2h block [T, T+2h) about 3h after T; the sidecar uploads it minutes later.
    const newestEnd = Math.floor((now - HOUR - 15 * 60_000 - jitter) / (2 * HOUR)) * 2 * HOUR;
    const start = Math.ceil((newestEnd - historyDays * DAY) / LONGEST_RANGE) * LONGEST_RANGE;

    const emit = (block: Omit<FixtureBlock, 'ulid'>) => {
      const full = { ...block, ulid: ulid(block.createdAt) };
      out.push(full);
      return full;
    };
    /** Emits window [w, w+range(li)) and what a working compactor left of it; `markedAt` when already compacted away. */
    const windowBlocks = (w: number, li: number, markedAt?: number) => {
      const range = rangeAt(li);
      const end = w + range;
      if (li === 0) {
        if (end > newestEnd) return;
        emit({
          minTime: w,
          maxTime: end,
          resolution: 'raw',
          level: 1,
          labels,
          source: 'sidecar',
          createdAt: end + HOUR + jitter,
          ...(markedAt ? { markedAt } : {}),
        });
        return;
      }
      const created = end + 2 * HOUR + jitter + li * 60_000;
      const compacted = end <= newestEnd && created <= now && (markedAt === undefined || created < markedAt);
      if (!compacted) {
        for (let c = w; c < end; c += rangeAt(li - 1)) windowBlocks(c, li - 1, markedAt);
        return;
      }
      const mark = markedAt ? { markedAt } : {};
      emit({
        minTime: w,
        maxTime: end,
        resolution: 'raw',
        level: li + 1,
        labels,
        source: 'compactor',
        createdAt: created,
        ...mark,
      });
      if (range >= 40 * HOUR) {
        const fiveM = emit({
          minTime: w,
          maxTime: end,
          resolution: '5m',
          level: li + 1,
          labels,
          source: 'compactor',
          createdAt: created + 10 * 60_000,
          ...mark,
        });
        if (range >= 10 * DAY) {
          emit({
            minTime: w,
            maxTime: end,
            resolution: '1h',
            level: li + 1,
            labels,
            source: 'compactor',
            createdAt: fiveM.createdAt + 10 * 60_000,
            ...mark,
          });
        }
      }
      // The sources of a compaction stay, marked, for --delete-delay.
      if (now - created < policy.deleteDelayHours * HOUR) {
        for (let c = w; c < end; c += rangeAt(li - 1)) windowBlocks(c, li - 1, created);
      }
    };
    for (let w = start; w < newestEnd; w += LONGEST_RANGE) windowBlocks(w, 3);
  });

  // Retention: the compactor deletes blocks whose data is older than their resolution's retention.
  return out.filter((b) => now - b.maxTime <= policy.resolutionDays[b.resolution] * DAY);
}
