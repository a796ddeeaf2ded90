import type { BucketConfiguration } from '../../../lambdas/domain/audit/bucket-config';
import type { AuditFinding, BucketAuditReport, FindingCode } from '../../../lambdas/domain/audit/findings';
import { makeUlid, ulidRandomness } from '../../../lambdas/domain/audit/ulid';
import { RULER_REPLICA_LABEL } from '../../../lambdas/domain/replica-labels';
import { RULER_LOCAL_RETENTION_HOURS, SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SNS_MAX_SUBJECT } from '../../../lambdas/domain/sns';
import { type BucketAuditDeps, runAudit } from '../../../lambdas/handlers/bucket-audit/handler';
import {
  DAY,
  type FakeThanosBucket,
  type FixtureBlock,
  HOUR,
  healthyBucket,
  healthyConfiguration,
  MemoryAuditStore,
  putBlock,
  replicaStreams,
  settledBlockToDuplicate,
} from '../../support/thanos-bucket';

const NOW = new Date('2026-11-24T05:00:00.000Z');
const now = NOW.getTime();
const [replica0, replica1] = replicaStreams(2) as [Record<string, string>, Record<string, string>];

interface Run {
  report: BucketAuditReport;
  store: MemoryAuditStore;
  published: { subject: string; message: string }[];
}

async function audit(bucket: FakeThanosBucket, store = new MemoryAuditStore(), at = NOW): Promise<Run> {
  const published: { subject: string; message: string }[] = [];
  const deps: BucketAuditDeps = {
    thanos: bucket,
    store,
    notifier: { publish: async (subject, message) => void published.push({ subject, message }) },
    bucket: 'gl-thanos-metrics-test',
    environment: 'test',
    policy: SEED_RETENTION_POLICY,
    clock: () => at,
    logger: { info: () => {}, warn: () => {} },
    readConcurrency: 8,
  };
  return { report: await runAudit(deps), store, published };
}

const serious = (report: BucketAuditReport) => report.findings.filter((f) => f.severity !== 'info');
const codes = (findings: readonly AuditFinding[]) => [...new Set(findings.map((f) => f.code))].sort();

let serial = 0;
function extraBlock(block: Omit<FixtureBlock, 'ulid'>): FixtureBlock {
  return { ...block, ulid: makeUlid(block.createdAt, ulidRandomness(900_000 + ++serial)) };
}

/**
 * Replaces one 14-day window of replica 0 (its 5m block, its 1h twin and any raw block) by what a compactor capped
 * at 2-day blocks leaves there: seven 2d 5m blocks (and their raw 2d twins while raw data is retained), no 1h block.
 * Returns the first 5m block of the window, the one the finding names.
 */
function capWindowAtTwoDays(
  bucket: FakeThanosBucket,
  blocks: readonly FixtureBlock[],
  pick: (fiveMinute: FixtureBlock) => boolean,
): string {
  const fiveM = blocks.find(
    (b) =>
      b.resolution === '5m' && b.level === 4 && b.markedAt === undefined && labelsEqual(b.labels, replica0) && pick(b),
  );
  if (!fiveM) throw new Error('fixture has no such 14d 5m block');
  const window = blocks.filter(
    (b) => b.minTime === fiveM.minTime && b.maxTime === fiveM.maxTime && labelsEqual(b.labels, replica0),
  );
  const hadRaw = window.some((b) => b.resolution === 'raw');
  for (const b of window) for (const key of bucket.keys(`${b.ulid}/`)) bucket.delete(key);
  let first: string | undefined;
  for (let t = fiveM.minTime; t < fiveM.maxTime; t += 2 * DAY) {
    const createdAt = t + 2 * DAY + 3 * HOUR;
    const part = { minTime: t, maxTime: t + 2 * DAY, level: 3, labels: replica0, source: 'compactor' as const };
    // Thanos' retention has deleted the pieces past their resolution's retention.
    const kept = (resolution: 'raw' | '5m') =>
      now - part.maxTime <= SEED_RETENTION_POLICY.resolutionDays[resolution] * DAY;
    if (hadRaw && kept('raw')) putBlock(bucket, extraBlock({ ...part, resolution: 'raw', createdAt }));
    if (!kept('5m')) continue;
    const block = extraBlock({ ...part, resolution: '5m', createdAt: createdAt + 10 * 60_000 });
    putBlock(bucket, block);
    first ??= block.ulid;
  }
  if (!first) throw new Error('empty window');
  return first;
}

describe('healthy bucket (as a working compactor leaves it)', () => {
  const { bucket, blocks } = healthyBucket({ now: NOW });

  it('has every resolution, compaction level and marked sources a real bucket has', () => {
    const resolutions = new Set(blocks.map((b) => b.resolution));
    expect([...resolutions].sort()).toEqual(['1h', '5m', 'raw']);
    expect(new Set(blocks.map((b) => b.level))).toEqual(new Set([1, 2, 3, 4]));
    expect(blocks.some((b) => b.markedAt !== undefined)).toBe(true);
    // Retention applied: nothing older than its resolution's retention.
    for (const b of blocks)
      expect(now - b.maxTime).toBeLessThanOrEqual(SEED_RETENTION_POLICY.resolutionDays[b.resolution] * DAY);
  });

  it('yields no warning or critical finding, and an ok report with the inventory', async () => {
    const { report, published } = await audit(bucket);
    expect(serious(report)).toEqual([]);
    expect(report.status).toBe('ok');
    expect(report.inventory.blocks).toBe(blocks.length);
    expect(report.inventory.streams).toBe(2);
    expect(report.inventory.markedForDeletion).toBe(blocks.filter((b) => b.markedAt !== undefined).length);
    expect(report.inventory.blocksByResolution['1h']).toBe(blocks.filter((b) => b.resolution === '1h').length);
    expect(report.skippedChecks).toEqual([]);
    expect(published).toEqual([]);
  });

  it('stays healthy at any hour of the day (upload and compaction timing)', async () => {
    for (let h = 0; h < 24; h += 1) {
      const at = new Date(now + h * HOUR + 17 * 60_000);
      const { bucket: b } = healthyBucket({ now: at });
      const { report } = await audit(b, new MemoryAuditStore(), at);
      expect({ at: at.toISOString(), findings: serious(report) }).toEqual({ at: at.toISOString(), findings: [] });
    }
  });
});

describe('the overlap defect the local audit test plants', () => {
  it('is found at every 10 minutes of a day (2h blocks all marked just after an 8h compaction included)', async () => {
    for (let m = 0; m < 24 * 60; m += 10) {
      const at = new Date(now + m * 60_000);
      const { bucket, blocks } = healthyBucket({ now: at });
      const original = settledBlockToDuplicate(blocks, at.getTime());
      const duplicate = extraBlock({ ...original, createdAt: original.createdAt + 60_000 });
      putBlock(bucket, duplicate);
      const { report } = await audit(bucket, new MemoryAuditStore(), at);
      const found = serious(report).map((f) => [f.code, f.block]);
      expect({ at: at.toISOString(), found }).toEqual({
        at: at.toISOString(),
        found: [['OVERLAPPING_BLOCKS', duplicate.ulid]],
      });
    }
  });
});

/** Each defect, applied to a fresh healthy bucket, with the one code it must raise. */
const defects: {
  code: FindingCode;
  name: string;
  apply: (bucket: FakeThanosBucket, blocks: FixtureBlock[]) => string | undefined;
}[] = [
  {
    code: 'RETENTION_EXCEEDED',
    name: 'a 1h block 40 days past its 730-day retention (compactor retention not running)',
    apply: (bucket) => {
      const maxTime = now - 770 * DAY;
      const b = extraBlock({
        minTime: maxTime - 14 * DAY,
        maxTime,
        resolution: '1h',
        level: 4,
        labels: replica0,
        source: 'compactor',
        createdAt: maxTime + 3 * HOUR,
      });
      putBlock(bucket, b);
      return b.ulid;
    },
  },
  {
    code: 'PARTIAL_BLOCK',
    name: 'a block folder without meta.json, last written 2h ago',
    apply: (bucket) => {
      const b = extraBlock({
        minTime: now - 6 * HOUR,
        maxTime: now - 4 * HOUR,
        resolution: 'raw',
        level: 1,
        labels: replica0,
        source: 'sidecar',
        createdAt: now - 2 * HOUR,
      });
      putBlock(bucket, b, { meta: false });
      return b.ulid;
    },
  },
  {
    code: 'PARTIAL_BLOCK',
    name: 'a block whose meta.json is not valid JSON',
    apply: (bucket, blocks) => {
      const victim = blocks.find((b) => b.resolution === '1h' && b.markedAt === undefined);
      if (!victim) throw new Error('fixture has no 1h block');
      bucket.putText(`${victim.ulid}/meta.json`, '{"ulid": "truncated', victim.createdAt);
      return victim.ulid;
    },
  },
  {
    code: 'STALE_DELETION_MARK',
    name: 'a deletion mark 5 days old (delete delay 48h)',
    apply: (bucket, blocks) => {
      const victim = blocks.find((b) => b.resolution === '1h' && b.markedAt === undefined);
      if (!victim) throw new Error('fixture has no 1h block');
      const at = now - 5 * DAY;
      bucket.putText(
        `${victim.ulid}/deletion-mark.json`,
        JSON.stringify({ id: victim.ulid, deletion_time: at / 1000, version: 1 }),
        at,
      );
      return victim.ulid;
    },
  },
  {
    code: 'OVERLAPPING_BLOCKS',
    name: 'a second, unmarked 2d raw block over the same range for the same replica',
    apply: (bucket, blocks) => {
      const twoDay = blocks.find(
        (b) => b.resolution === 'raw' && b.level === 3 && b.markedAt === undefined && labelsEqual(b.labels, replica1),
      );
      if (!twoDay) throw new Error('fixture has no 2d raw block');
      const b = extraBlock({
        ...twoDay,
        minTime: twoDay.minTime + 8 * HOUR,
        maxTime: twoDay.maxTime + 8 * HOUR,
        createdAt: now - 3 * HOUR,
      });
      putBlock(bucket, b);
      return b.ulid;
    },
  },
  {
    code: 'DOWNSAMPLING_LAG',
    name: 'a 2d raw block whose 5m twin is missing, 3 days after compaction',
    apply: (bucket, blocks) => {
      const raw = blocks.find(
        (b) => b.resolution === 'raw' && b.level === 3 && b.markedAt === undefined && now - b.createdAt > 2 * DAY,
      );
      if (!raw) throw new Error('fixture has no old 2d raw block');
      const twin = blocks.find(
        (b) =>
          b.resolution === '5m' &&
          b.minTime === raw.minTime &&
          labelsEqual(b.labels, raw.labels) &&
          b.markedAt === undefined,
      );
      if (!twin) throw new Error('fixture has no 5m twin');
      for (const key of bucket.keys(`${twin.ulid}/`)) bucket.delete(key);
      return raw.ulid;
    },
  },
  {
    code: 'DOWNSAMPLING_LAG',
    name: 'a 14d 5m block whose 1h twin is missing',
    apply: (bucket, blocks) => {
      const fiveM = blocks.find((b) => b.resolution === '5m' && b.level === 4 && b.markedAt === undefined);
      if (!fiveM) throw new Error('fixture has no 14d 5m block');
      const twin = blocks.find(
        (b) => b.resolution === '1h' && b.minTime === fiveM.minTime && labelsEqual(b.labels, fiveM.labels),
      );
      if (!twin) throw new Error('fixture has no 1h twin');
      for (const key of bucket.keys(`${twin.ulid}/`)) bucket.delete(key);
      return fiveM.ulid;
    },
  },
  {
    code: 'DOWNSAMPLING_LAG',
    name: 'a window whose 5m data stopped at 2-day blocks (a compactor capped at --debug.max-compaction-level=3): no 1h tier',
    apply: (bucket, blocks) => capWindowAtTwoDays(bucket, blocks, (b) => now - b.maxTime > 40 * DAY),
  },
  {
    code: 'UPLOADS_STALLED',
    name: "replica 1's sidecar stopped 10 hours ago",
    apply: (bucket, blocks) => {
      for (const b of blocks) {
        if (labelsEqual(b.labels, replica1) && b.resolution === 'raw' && b.maxTime > now - 10 * HOUR) {
          for (const key of bucket.keys(`${b.ulid}/`)) bucket.delete(key);
        }
      }
      return undefined;
    },
  },
  {
    code: 'LIFECYCLE_EXPIRES_LIVE_DATA',
    name: 'a lifecycle rule expiring objects after 365 days',
    apply: (bucket) => {
      bucket.configurationValue = withRule(bucket.configurationValue, {
        id: 'expire-old',
        enabled: true,
        prefix: '',
        hasTagFilter: false,
        expirationDays: 365,
        transitions: [],
      });
      return undefined;
    },
  },
  {
    code: 'LIFECYCLE_UNREADABLE_STORAGE_CLASS',
    name: 'a lifecycle rule moving objects to Glacier Flexible Retrieval',
    apply: (bucket) => {
      bucket.configurationValue = withRule(bucket.configurationValue, {
        id: 'to-glacier',
        enabled: true,
        prefix: '',
        hasTagFilter: false,
        transitions: [{ days: 200, storageClass: 'GLACIER' }],
      });
      return undefined;
    },
  },
  {
    code: 'LIFECYCLE_UNREADABLE_STORAGE_CLASS',
    name: 'a block whose chunks already sit in Deep Archive',
    apply: (bucket, blocks) => {
      const victim = blocks.find((b) => b.resolution === '1h' && b.markedAt === undefined);
      if (!victim) throw new Error('fixture has no 1h block');
      bucket.put(`${victim.ulid}/chunks/000001`, {
        size: 52_428_800,
        lastModified: victim.createdAt,
        storageClass: 'DEEP_ARCHIVE',
      });
      return victim.ulid;
    },
  },
  {
    code: 'BUCKET_NOT_KMS_ENCRYPTED',
    name: 'default encryption SSE-S3 (AES256)',
    apply: (bucket) => {
      bucket.configurationValue = {
        ...bucket.configurationValue,
        encryption: { state: 'present', value: [{ algorithm: 'AES256' }] },
      };
      return undefined;
    },
  },
  {
    code: 'PUBLIC_ACCESS_NOT_BLOCKED',
    name: 'blockPublicPolicy off',
    apply: (bucket) => {
      bucket.configurationValue = {
        ...bucket.configurationValue,
        publicAccessBlock: {
          state: 'present',
          value: {
            blockPublicAcls: true,
            ignorePublicAcls: true,
            blockPublicPolicy: false,
            restrictPublicBuckets: true,
          },
        },
      };
      return undefined;
    },
  },
  {
    code: 'MULTIPART_ABORT_MISSING',
    name: 'no lifecycle configuration at all',
    apply: (bucket) => {
      bucket.configurationValue = { ...bucket.configurationValue, lifecycle: { state: 'absent' } };
      return undefined;
    },
  },
];

function labelsEqual(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

function withRule(
  config: BucketConfiguration,
  rule: BucketConfiguration['lifecycle'] extends infer P
    ? P extends { state: 'present'; value: readonly (infer R)[] }
      ? R
      : never
    : never,
): BucketConfiguration {
  const rules = config.lifecycle.state === 'present' ? config.lifecycle.value : [];
  return { ...config, lifecycle: { state: 'present', value: [...rules, rule] } };
}

describe.each(defects)('$code fires on $name', ({ code, apply }) => {
  it('and nothing else is warning or critical; the summary goes to SNS', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const block = apply(bucket, blocks);
    const { report, published } = await audit(bucket);
    expect(codes(serious(report))).toEqual([code]);
    const found = report.findings.filter((f) => f.code === code);
    if (block) expect(found.map((f) => f.block)).toContain(block);
    expect(report.counts.byCode[code]).toBe(found.length);
    expect(report.status).not.toBe('ok');
    expect(published).toHaveLength(1);
    const subject = published[0]?.subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(SNS_MAX_SUBJECT);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(published[0]?.message).toContain(`${code}: ${found.length}`);
  });
});

describe('thresholds', () => {
  it('the 1h tier: critical within a week of the 5m retention deleting data that has no 1h copy', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const retention = SEED_RETENTION_POLICY.resolutionDays['5m'] * DAY;
    const block = capWindowAtTwoDays(bucket, blocks, (b) => b.maxTime + retention - now <= 7 * DAY);
    const found = (await audit(bucket)).report.findings.filter((f) => f.block === block);
    expect(found.map((f) => [f.code, f.severity])).toEqual([['DOWNSAMPLING_LAG', 'critical']]);
    expect(found[0]?.message).toMatch(/still has [2-7] 5m blocks .* no 1h twin/);
  });

  it('the 1h tier: a window is reported only once a later 5m block has been there longer than the margins', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    // The newest complete window, capped; the planner compacts it once a later block exists (6h + 24h margins).
    const newest = blocks
      .filter((b) => b.resolution === '5m' && b.level === 4 && labelsEqual(b.labels, replica0))
      .reduce((a, b) => (b.maxTime > a.maxTime ? b : a));
    const later = blocks
      .filter((b) => b.resolution === '5m' && b.minTime >= newest.maxTime && labelsEqual(b.labels, replica0))
      .reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
    capWindowAtTwoDays(bucket, blocks, (b) => b.ulid === newest.ulid);
    const oneHourTier = async (at: number) =>
      (await audit(bucket, new MemoryAuditStore(), new Date(at))).report.findings.filter(
        (f) => f.code === 'DOWNSAMPLING_LAG' && /14-day window/.test(f.message),
      );
    expect(await oneHourTier(later.createdAt + 29 * HOUR)).toEqual([]);
    expect(await oneHourTier(later.createdAt + 31 * HOUR)).toHaveLength(1);
  });

  it('the 1h tier: a stream that stopped keeps its last window as it is, and is not reported', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const newest = blocks
      .filter((b) => b.resolution === '5m' && b.level === 4 && labelsEqual(b.labels, replica0))
      .reduce((a, b) => (b.maxTime > a.maxTime ? b : a));
    capWindowAtTwoDays(bucket, blocks, (b) => b.ulid === newest.ulid);
    // Replica 0 retired at the end of that window: nothing of it after.
    for (const b of blocks) {
      if (labelsEqual(b.labels, replica0) && b.minTime >= newest.maxTime) {
        for (const key of bucket.keys(`${b.ulid}/`)) bucket.delete(key);
      }
    }
    const found = (await audit(bucket)).report.findings.filter(
      (f) => f.code === 'DOWNSAMPLING_LAG' && /14-day window/.test(f.message),
    );
    expect(found).toEqual([]);
  });

  it('the 1h tier: windows are aligned to 14 days from the epoch, as the planner of Thanos aligns them', async () => {
    // A stream that started 5 days into a window: its first window compacted into one 9-day 5m block (never a 1h
    // twin: shorter than 10 days), the next one a 14-day block with its 1h twin, then a later 2-day block. Windows
    // counted from the stream's first block instead would put the first two blocks together and report them.
    const { bucket } = healthyBucket({ now: NOW });
    const range = 14 * DAY;
    const w0 = Math.floor((now - 60 * DAY) / range) * range;
    const labels = { ...replica0, prometheus_replica: 'prometheus-late' };
    const block = (minTime: number, maxTime: number, resolution: '5m' | '1h', level: number) =>
      putBlock(
        bucket,
        extraBlock({ minTime, maxTime, resolution, level, labels, source: 'compactor', createdAt: maxTime + 3 * HOUR }),
      );
    block(w0 + 5 * DAY, w0 + range, '5m', 4);
    block(w0 + range, w0 + 2 * range, '5m', 4);
    block(w0 + range, w0 + 2 * range, '1h', 4);
    block(w0 + 2 * range, w0 + 2 * range + 2 * DAY, '5m', 3);
    const found = (await audit(bucket)).report.findings.filter(
      (f) => /14-day window/.test(f.message) && f.labels?.prometheus_replica === 'prometheus-late',
    );
    expect(found).toEqual([]);
  });

  it('the 1h tier: a stream that started mid-window (one short 5m block) is not reported', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const fiveM = blocks.find(
      (b) => b.resolution === '5m' && b.level === 4 && b.markedAt === undefined && now - b.maxTime > 40 * DAY,
    );
    if (!fiveM) throw new Error('fixture has no old 14d 5m block');
    const stream = { ...replica0, prometheus_replica: 'prometheus-new' };
    putBlock(
      bucket,
      extraBlock({
        minTime: fiveM.maxTime - 5 * DAY,
        maxTime: fiveM.maxTime,
        resolution: '5m',
        level: 4,
        labels: stream,
        source: 'compactor',
        createdAt: fiveM.maxTime + 3 * HOUR,
      }),
    );
    const found = (await audit(bucket)).report.findings.filter(
      (f) => f.code === 'DOWNSAMPLING_LAG' && f.labels?.prometheus_replica === 'prometheus-new',
    );
    expect(found).toEqual([]);
  });

  it('a block folder still uploading (within the consistency delay) is not partial', async () => {
    const { bucket } = healthyBucket({ now: NOW });
    putBlock(
      bucket,
      extraBlock({
        minTime: now - 4 * HOUR,
        maxTime: now - 2 * HOUR,
        resolution: 'raw',
        level: 1,
        labels: replica0,
        source: 'sidecar',
        createdAt: now - 10 * 60_000,
      }),
      { meta: false },
    );
    expect(serious((await audit(bucket)).report)).toEqual([]);
  });

  it('a block just past retention, inside the 24h grace, is not reported yet', async () => {
    const { bucket } = healthyBucket({ now: NOW });
    const maxTime = now - 30 * DAY - 12 * HOUR;
    putBlock(
      bucket,
      extraBlock({
        minTime: maxTime - 2 * DAY,
        maxTime,
        resolution: 'raw',
        level: 3,
        labels: replica0,
        source: 'compactor',
        createdAt: maxTime + 3 * HOUR,
      }),
    );
    // Its 5m twin exists (a healthy compactor made it), so only retention could fire.
    putBlock(
      bucket,
      extraBlock({
        minTime: maxTime - 2 * DAY,
        maxTime,
        resolution: '5m',
        level: 3,
        labels: replica0,
        source: 'compactor',
        createdAt: maxTime + 4 * HOUR,
      }),
    );
    const { report } = await audit(bucket);
    expect(report.counts.byCode.RETENTION_EXCEEDED).toBe(0);
  });

  it('a stream silent for longer than local retention is a warning, not critical', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    for (const b of blocks)
      if (labelsEqual(b.labels, replica1) && b.resolution === 'raw' && b.maxTime > now - 9 * DAY)
        for (const key of bucket.keys(`${b.ulid}/`)) bucket.delete(key);
    const { report } = await audit(bucket);
    const stalled = report.findings.filter((f) => f.code === 'UPLOADS_STALLED');
    expect(stalled.map((f) => [f.severity, f.labels?.prometheus_replica])).toEqual([['warning', 'prometheus-1']]);
  });

  it("judges a Thanos Ruler stream's gap by the Ruler's 24 h of local data, not Prometheus' 7 days", async () => {
    const stream = (label: string, replica: string) => ({ cluster: replica0.cluster ?? 'c', [label]: replica });
    const cases = [
      {
        label: RULER_REPLICA_LABEL,
        replica: 'thanos-ruler-0',
        endedAgo: 10 * HOUR,
        severity: 'critical',
        writer: 'ruler' as const,
        wording: 'Thanos Ruler stopped',
      },
      {
        label: RULER_REPLICA_LABEL,
        replica: 'thanos-ruler-1',
        endedAgo: 30 * HOUR,
        severity: 'warning',
        writer: 'ruler' as const,
        wording: "beyond the Ruler's local retention (24 hours)",
      },
      // The same 30 h on a Prometheus stream is inside its 7 days.
      {
        label: 'prometheus_replica',
        replica: 'prometheus-9',
        endedAgo: 30 * HOUR,
        severity: 'critical',
        writer: 'sidecar' as const,
        wording: 'its sidecar stopped',
      },
    ];
    const { bucket } = healthyBucket({ now: NOW });
    for (const { label, replica, endedAgo, writer } of cases) {
      putBlock(
        bucket,
        extraBlock({
          minTime: now - endedAgo - 2 * HOUR,
          maxTime: now - endedAgo,
          resolution: 'raw',
          level: 1,
          labels: stream(label, replica),
          source: writer,
          createdAt: now - endedAgo + HOUR,
        }),
      );
    }
    const { report } = await audit(bucket);
    const stalled = report.findings.filter((f) => f.code === 'UPLOADS_STALLED');
    const byReplica = new Map(stalled.map((f) => [f.labels?.[RULER_REPLICA_LABEL] ?? f.labels?.prometheus_replica, f]));
    expect([...byReplica.keys()].sort()).toEqual(cases.map((c) => c.replica).sort());
    for (const c of cases) {
      const finding = byReplica.get(c.replica);
      expect([finding?.severity, finding?.details.writer]).toEqual([c.severity, c.writer]);
      expect(finding?.message).toContain(c.wording);
    }
    expect(byReplica.get('thanos-ruler-1')?.details.localRetentionHours).toBe(RULER_LOCAL_RETENTION_HOURS);
  });

  it('overlaps with a block marked for deletion do not count', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const marked = blocks.filter((b) => b.markedAt !== undefined);
    expect(marked.length).toBeGreaterThan(0);
    const { report } = await audit(bucket);
    expect(report.counts.byCode.OVERLAPPING_BLOCKS).toBe(0);
  });

  it('caps listed findings per code and counts the rest', async () => {
    const { bucket } = healthyBucket({ now: NOW });
    for (let i = 0; i < 205; i++) {
      putBlock(
        bucket,
        extraBlock({
          minTime: now - 5 * HOUR,
          maxTime: now - 3 * HOUR,
          resolution: 'raw',
          level: 1,
          labels: replica0,
          source: 'sidecar',
          createdAt: now - 2 * HOUR,
        }),
        { meta: false },
      );
    }
    const { report } = await audit(bucket);
    expect(report.counts.byCode.PARTIAL_BLOCK).toBe(205);
    expect(report.findings.filter((f) => f.code === 'PARTIAL_BLOCK')).toHaveLength(200);
    expect(report.omittedFindings).toEqual({ PARTIAL_BLOCK: 5 });
  });
});

describe('incremental audit', () => {
  it('reads every meta.json once, then nothing on an unchanged bucket, then only what is new', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const store = new MemoryAuditStore();
    const first = await audit(bucket, store);
    const marked = blocks.filter((b) => b.markedAt !== undefined).length;
    expect(first.report.reads).toEqual({ metaJson: blocks.length, deletionMarks: marked, fromState: 0 });
    expect(bucket.getCalls).toBe(blocks.length + marked);

    bucket.resetCounters();
    const second = await audit(bucket, store);
    expect(bucket.getCalls).toBe(0);
    expect(second.report.reads).toEqual({ metaJson: 0, deletionMarks: 0, fromState: blocks.length });
    expect(second.report.findings).toEqual(first.report.findings);
    expect(second.report.inventory).toEqual(first.report.inventory);

    // The next sidecar upload and a new deletion mark: exactly those two objects are read.
    bucket.resetCounters();
    const fresh = extraBlock({
      minTime: now - 3 * HOUR,
      maxTime: now - HOUR,
      resolution: 'raw',
      level: 1,
      labels: replica0,
      source: 'sidecar',
      createdAt: now - 30 * 60_000 - 1,
    });
    putBlock(bucket, fresh);
    const unmarked = blocks.find((b) => b.resolution === '1h' && b.markedAt === undefined);
    if (!unmarked) throw new Error('fixture has no 1h block');
    bucket.putText(
      `${unmarked.ulid}/deletion-mark.json`,
      JSON.stringify({ id: unmarked.ulid, deletion_time: Math.floor(now / 1000) - 60, version: 1 }),
      now - 60_000,
    );
    const third = await audit(bucket, store);
    expect(bucket.getKeys.sort()).toEqual([`${fresh.ulid}/meta.json`, `${unmarked.ulid}/deletion-mark.json`].sort());
    expect(third.report.inventory.blocks).toBe(blocks.length + 1);
    expect(third.report.inventory.markedForDeletion).toBe(marked + 1);
  });

  it('forgets blocks that left the bucket, and re-reads a meta.json whose ETag changed', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const store = new MemoryAuditStore();
    await audit(bucket, store);
    const [gone, changed] = blocks.filter((b) => b.resolution === '1h') as [FixtureBlock, FixtureBlock];
    for (const key of bucket.keys(`${gone.ulid}/`)) bucket.delete(key);
    bucket.putText(
      `${changed.ulid}/meta.json`,
      JSON.stringify({
        ulid: changed.ulid,
        minTime: changed.minTime,
        maxTime: changed.maxTime,
        version: 1,
        compaction: { level: 4 },
        thanos: { labels: changed.labels, downsample: { resolution: 3_600_000 }, source: 'bucket-rewrite' },
      }),
      now - HOUR,
    );
    bucket.resetCounters();
    const { report } = await audit(bucket, store);
    expect(bucket.getKeys).toEqual([`${changed.ulid}/meta.json`]);
    expect(report.inventory.blocks).toBe(blocks.length - 1);
    const state = await store.readState('gl-thanos-metrics-test');
    expect(state).not.toContain(gone.ulid);
    expect(state).toContain('bucket-rewrite');
  });

  it('reports a block whose meta.json was archived to GLACIER, instead of failing the whole audit', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const block = blocks[0];
    if (!block) throw new Error('a block');
    const key = `${block.ulid}/meta.json`;
    const meta = bucket.objects.get(key);
    if (!meta) throw new Error('its meta.json');
    bucket.put(key, { ...meta, storageClass: 'GLACIER' });
    const { report } = await audit(bucket);
    const finding = report.findings.find(
      (f) => f.message.includes(block.ulid) && f.message.includes('InvalidObjectState'),
    );
    expect(finding?.severity).toBe('critical');
    expect(finding?.message).toContain(`${key} is archived and cannot be read without a restore (InvalidObjectState)`);
  });

  it('a corrupt state costs a full re-read, not the audit', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const store = new MemoryAuditStore();
    await store.writeState('gl-thanos-metrics-test', '{"version": 99}');
    const { report } = await audit(bucket, store);
    expect(report.reads.metaJson).toBe(blocks.length);
    expect(report.status).toBe('ok');
  });
});

describe('report', () => {
  it('is written dated and as audit/latest.json, identical', async () => {
    const { bucket } = healthyBucket({ now: NOW });
    const { store, report } = await audit(bucket);
    const dated = store.objects.get('audit/2026/11/24/2026-11-24T05:00:00.000Z.json');
    expect(dated).toBe(store.objects.get('audit/latest.json'));
    expect(JSON.parse(dated ?? 'null')).toEqual(report);
    expect(report.generatedAt).toBe('2026-11-24T05:00:00.000Z');
    expect(report.policy.resolutionDays).toEqual({ raw: 30, '5m': 120, '1h': 730 });
  });

  it('skips a configuration check it cannot read, and says why', async () => {
    const { bucket } = healthyBucket({ now: NOW });
    bucket.configurationValue = {
      ...healthyConfiguration(),
      lifecycle: { state: 'unavailable', reason: 'NotImplemented: not here' },
    };
    const { report } = await audit(bucket);
    expect(report.skippedChecks).toEqual([{ check: 'lifecycle', reason: 'NotImplemented: not here' }]);
    expect(report.counts.byCode.MULTIPART_ABORT_MISSING).toBe(0);
  });
});
