/**
 * Realistic Thanos buckets for tests and benchmarks: streams (one per Prometheus replica, external labels
 * cluster/region/prometheus_replica) upload 2h blocks; a working compactor compacts them to 8h, 2d and 14d,
 * downsamples (raw >= 40h -> 5m twin, 5m >= 10d -> 1h twin), marks compaction sources for deletion (kept
 * `--delete-delay`) and applies retention. Plus an in-memory implementation of the audit's S3 port.
 */
import type { AuditStore } from '../../lambdas/adapters/s3-audit-store';
import { auditReportKey, auditStateKey } from '../../lambdas/adapters/s3-audit-store';
import type { ThanosBucketReader } from '../../lambdas/adapters/s3-thanos-bucket';
import type { ThanosBlockMeta } from '../../lambdas/domain/audit/block-meta';
import type { BucketConfiguration } from '../../lambdas/domain/audit/bucket-config';
import type { BucketAuditReport } from '../../lambdas/domain/audit/findings';
import type { ListedObject } from '../../lambdas/domain/audit/listing';
import { makeUlid, ulidRandomness } from '../../lambdas/domain/audit/ulid';
import { AUDIT_LATEST_KEY } from '../../lambdas/domain/capacity/report-keys';
import {
  lifecycleTransitions,
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

export interface FakeObject {
  size: number;
  lastModified: number;
  etag: string;
  storageClass?: string;
  body?: () => string;
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The configuration the ThanosBucket construct gives the bucket (the healthy one). */
export function healthyConfiguration(policy: RetentionPolicy = SEED_RETENTION_POLICY): BucketConfiguration {
  return {
    lifecycle: {
      state: 'present',
      value: [
        {
          id: 'thanos-storage-tiers',
          enabled: true,
          prefix: '',
          hasTagFilter: false,
          transitions: lifecycleTransitions(policy).map((t) => ({ days: t.afterDays, storageClass: t.storageClass })),
        },
        {
          id: 'abort-incomplete-multipart-uploads',
          enabled: true,
          prefix: '',
          hasTagFilter: false,
          transitions: [],
          abortIncompleteMultipartUploadDays: policy.abortIncompleteMultipartUploadDays,
        },
      ],
    },
    encryption: { state: 'present', value: [{ algorithm: 'aws:kms', kmsKeyId: 'alias/greenlang-test-thanos' }] },
    publicAccessBlock: {
      state: 'present',
      value: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
    },
  };
}

/**
 * An in-memory bucket implementing the audit's read-only port; counts GetObject calls and can add latency per
 * call (a stand-in for S3 round trips in benchmarks).
 */
export class FakeThanosBucket implements ThanosBucketReader {
  readonly objects = new Map<string, FakeObject>();
  configurationValue: BucketConfiguration;
  getCalls = 0;
  getKeys: string[] = [];
  listCalls = 0;
  private sorted: string[] | undefined;

  constructor(
    configuration: BucketConfiguration = healthyConfiguration(),
    private readonly latencyMs = 0,
  ) {
    this.configurationValue = configuration;
  }

  put(key: string, object: Omit<FakeObject, 'etag'> & { etag?: string }): void {
    this.objects.set(key, { ...object, etag: object.etag ?? `"${hash(`${key}@${object.lastModified}`)}"` });
    this.sorted = undefined;
  }

  /** Writes a text object (its body is kept). */
  putText(key: string, text: string, lastModified: number, storageClass?: string): void {
    this.put(key, {
      size: Buffer.byteLength(text),
      lastModified,
      etag: `"${hash(text)}"`,
      body: () => text,
      ...(storageClass ? { storageClass } : {}),
    });
  }

  delete(key: string): void {
    this.objects.delete(key);
    this.sorted = undefined;
  }

  /** Keys under `prefix`. */
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix));
  }

  resetCounters(): void {
    this.getCalls = 0;
    this.getKeys = [];
    this.listCalls = 0;
  }

  async *list(): AsyncIterable<readonly ListedObject[]> {
    this.sorted ??= [...this.objects.keys()].sort();
    const keys = this.sorted;
    for (let i = 0; i < keys.length; i += 1000) {
      this.listCalls += 1;
      yield keys.slice(i, i + 1000).flatMap((key) => {
        const o = this.objects.get(key);
        return o
          ? [
              {
                key,
                size: o.size,
                lastModified: o.lastModified,
                etag: o.etag,
                ...(o.storageClass ? { storageClass: o.storageClass } : {}),
              },
            ]
          : [];
      });
    }
  }

  async getText(key: string): Promise<string | undefined> {
    this.getCalls += 1;
    this.getKeys.push(key);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const o = this.objects.get(key);
    if (!o) return undefined;
    return o.body ? o.body() : '';
  }

  async configuration(): Promise<BucketConfiguration> {
    return this.configurationValue;
  }
}

export interface FixtureBlock {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly resolution: Resolution;
  readonly level: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: 'sidecar' | 'compactor';
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

/** Puts a block's objects (chunks, index, meta.json, and its deletion mark if marked) into the bucket. */
export function putBlock(bucket: FakeThanosBucket, block: FixtureBlock, options: { meta?: boolean } = {}): void {
  const at = block.createdAt;
  bucket.put(`${block.ulid}/chunks/000001`, { size: 52_428_800, lastModified: at });
  bucket.put(`${block.ulid}/index`, { size: 4_194_304, lastModified: at });
  if (options.meta !== false) {
    const render = () => JSON.stringify(blockMeta(block), null, '\t');
    bucket.put(`${block.ulid}/meta.json`, { size: 900, lastModified: at + 1000, body: render });
  }
  if (block.markedAt !== undefined) {
    const text = JSON.stringify({ id: block.ulid, deletion_time: Math.floor(block.markedAt / 1000), version: 1 });
    bucket.putText(`${block.ulid}/deletion-mark.json`, text, block.markedAt);
  }
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

/** A bucket with {@link healthyBlocks} and the healthy configuration. */
export function healthyBucket(options: HealthyBucketOptions & { latencyMs?: number }): {
  bucket: FakeThanosBucket;
  blocks: FixtureBlock[];
} {
  const bucket = new FakeThanosBucket(healthyConfiguration(options.policy), options.latencyMs ?? 0);
  const blocks = healthyBlocks(options);
  for (const block of blocks) putBlock(bucket, block);
  return { bucket, blocks };
}

/** The reports bucket in memory (same keys as the S3 store). */
export class MemoryAuditStore implements AuditStore {
  readonly objects = new Map<string, string>();

  async readState(thanosBucket: string): Promise<string | undefined> {
    return this.objects.get(auditStateKey(thanosBucket));
  }

  async writeState(thanosBucket: string, state: string): Promise<void> {
    this.objects.set(auditStateKey(thanosBucket), state);
  }

  async writeReport(report: BucketAuditReport): Promise<string> {
    const key = auditReportKey(new Date(report.generatedAt));
    const body = JSON.stringify(report);
    this.objects.set(key, body);
    this.objects.set(AUDIT_LATEST_KEY, body);
    return `memory://reports/${key}`;
  }
}
