/**
 * Realistic Thanos buckets for tests and benchmarks: the blocks of lib/devstack/thanos-blocks.ts (what a working
 * sidecar and compactor leave) in an in-memory implementation of the audit's S3 port.
 */
import type { AuditStore } from '../../lambdas/adapters/s3-audit-store';
import { auditReportKey, auditStateKey } from '../../lambdas/adapters/s3-audit-store';
import type { ThanosBucketReader } from '../../lambdas/adapters/s3-thanos-bucket';
import type { BucketConfiguration } from '../../lambdas/domain/audit/bucket-config';
import type { BucketAuditReport } from '../../lambdas/domain/audit/findings';
import type { ListedObject } from '../../lambdas/domain/audit/listing';
import { AUDIT_LATEST_KEY } from '../../lambdas/domain/capacity/report-keys';
import { lifecycleTransitions, type RetentionPolicy, SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import {
  blockObjects,
  type FixtureBlock,
  type HealthyBucketOptions,
  healthyBlocks,
} from '../../lib/devstack/thanos-blocks';

export {
  blockMeta,
  DAY,
  type FixtureBlock,
  type HealthyBucketOptions,
  HOUR,
  healthyBlocks,
  replicaStreams,
} from '../../lib/devstack/thanos-blocks';

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
    // S3 refuses GetObject on an object archived to GLACIER or DEEP_ARCHIVE until it is restored (403
    // InvalidObjectState, S3 API reference GetObject).
    if (o.storageClass === 'GLACIER' || o.storageClass === 'DEEP_ARCHIVE') {
      throw Object.assign(new Error("The operation is not valid for the object's storage class"), {
        name: 'InvalidObjectState',
      });
    }
    return o.body ? o.body() : '';
  }

  async configuration(): Promise<BucketConfiguration> {
    return this.configurationValue;
  }
}

/** Puts a block's objects (chunks, index, meta.json, and its deletion mark if marked) into the bucket. */
export function putBlock(bucket: FakeThanosBucket, block: FixtureBlock, options: { meta?: boolean } = {}): void {
  for (const object of blockObjects(block, options)) bucket.put(object.key, object);
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

/**
 * A block to duplicate for an OVERLAPPING_BLOCKS defect at any time of day: a raw block of the lowest level left
 * unmarked, older than the consistency delay (younger ones are not checked), the newest of them. Usually a 2h
 * upload; just after an 8h window is compacted (00:00, 08:00, 16:00 UTC plus ~2h) every 2h block is marked and the
 * 8h block is taken.
 */
export function settledBlockToDuplicate(
  blocks: readonly FixtureBlock[],
  now: number,
  policy: RetentionPolicy = SEED_RETENTION_POLICY,
): FixtureBlock {
  // The duplicate is created a minute after its original.
  const settledBy = now - policy.consistencyDelayMinutes * 60_000 - 60_000;
  const [block] = blocks
    .filter((b) => b.markedAt === undefined && b.resolution === 'raw' && b.createdAt <= settledBy)
    .sort((a, b) => a.level - b.level || b.maxTime - a.maxTime);
  if (!block) throw new Error('fixture has no settled unmarked raw block');
  return block;
}
