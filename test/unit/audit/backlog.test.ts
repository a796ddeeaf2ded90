import { compactorBacklog } from '../../../lambdas/domain/audit/backlog';
import { parseBlockMeta } from '../../../lambdas/domain/audit/block-meta';
import type { AuditedBlock } from '../../../lambdas/domain/audit/checks';
import { ListingAccumulator } from '../../../lambdas/domain/audit/listing';
import { summaryMessage } from '../../../lambdas/domain/audit/summary';
import { makeUlid, ulidRandomness } from '../../../lambdas/domain/audit/ulid';
import { RESOLUTIONS, SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { runAudit } from '../../../lambdas/handlers/bucket-audit/handler';
import { blockObjects } from '../../../lib/devstack/thanos-blocks';
import {
  DAY,
  type FixtureBlock,
  HOUR,
  healthyBlocks,
  healthyBucket,
  MemoryAuditStore,
  replicaStreams,
} from '../../support/thanos-bucket';

const NOW = new Date('2026-11-24T05:00:00.000Z');
const [stream] = replicaStreams(1) as [Record<string, string>];

/** The audit's view of fixture blocks: meta.json parsed, folders listed, marks as deletion times. */
function audited(blocks: readonly FixtureBlock[], noCompact: ReadonlySet<string> = new Set()): AuditedBlock[] {
  const listing = new ListingAccumulator([]);
  for (const block of blocks) {
    for (const object of blockObjects(block)) listing.add(object);
    if (noCompact.has(block.ulid)) {
      listing.add({ key: `${block.ulid}/no-compact-mark.json`, size: 80, lastModified: block.createdAt });
    }
  }
  const folders = listing.summary().blocks;
  return blocks.map((block) => {
    const text = (blockObjects(block).find((o) => o.key.endsWith('/meta.json'))?.body ?? (() => ''))();
    const record = parseBlockMeta(text, block.ulid);
    const folder = folders.get(block.ulid);
    if (!folder) throw new Error(`no listing for ${block.ulid}`);
    return block.markedAt === undefined
      ? { record, listing: folder }
      : { record, listing: folder, deletionTime: block.markedAt };
  });
}

/** Bytes of a block's folder as the bucket holds it (chunks, index, meta.json, mark). */
const folderBytes = (block: FixtureBlock) => blockObjects(block).reduce((sum, o) => sum + o.size, 0);

let serial = 0;
const block = (b: Omit<FixtureBlock, 'ulid' | 'labels'>): FixtureBlock => ({
  ...b,
  labels: stream,
  ulid: makeUlid(b.createdAt, ulidRandomness(500_000 + ++serial)),
});

/** A 2h block as a sidecar uploads it: ~1h after its end (Prometheus cuts it, the sidecar ships it). */
const twoHour = (minTime: number) =>
  block({
    minTime,
    maxTime: minTime + 2 * HOUR,
    resolution: 'raw',
    level: 1,
    source: 'sidecar',
    createdAt: minTime + 3 * HOUR,
  });

// A start aligned to every compaction range up to 2 days, like Thanos' windows (epoch-aligned).
const T0 = Math.floor(Date.parse('2026-11-20T00:00:00.000Z') / (2 * DAY)) * 2 * DAY;
/** 24 hours of 2h blocks from T0 that no compactor touched: windows [0,8h), [8h,16h), [16h,24h). */
const day = Array.from({ length: 12 }, (_, i) => twoHour(T0 + i * 2 * HOUR));
const perBlock = folderBytes(day[0] as FixtureBlock);

describe('compactor backlog (Thanos planner rule)', () => {
  it('is empty for the buckets a working compactor leaves, at any hour of a day', () => {
    for (let h = 0; h < 24; h += 1) {
      const at = NOW.getTime() + h * HOUR + 17 * 60_000;
      const backlog = compactorBacklog(audited(healthyBlocks({ now: new Date(at), streams: replicaStreams(2) })), at);
      expect({ h, compaction: backlog.compaction, downsampling: backlog.downsampling }).toEqual({
        h,
        compaction: { blocks: 0, bytes: 0 },
        downsampling: { blocks: 0, bytes: 0 },
      });
    }
  });

  it('counts the 2h blocks of 8h windows that have been due for more than 6 hours', () => {
    // At T0+26h: [0,8h) is full since 8h (18h ago), [8h,16h) since 16h (10h ago). [16h,24h) holds 3 planned
    // blocks (the newest, [22h,24h), is never planned) ending at 22h, after highTime (20h): not due yet.
    const at = T0 + 26 * HOUR;
    expect(compactorBacklog(audited(day), at)).toEqual({
      compaction: { blocks: 8, bytes: 8 * perBlock },
      downsampling: { blocks: 0, bytes: 0 },
      graceHours: 6,
    });
    // At T0+21h the [8h,16h) window has been due only 5 hours: inside the margin.
    const early = day.filter((b) => b.createdAt <= T0 + 21 * HOUR);
    expect(compactorBacklog(audited(early), T0 + 21 * HOUR).compaction).toEqual({ blocks: 4, bytes: 4 * perBlock });
  });

  it('does not count compacted sources (marked) nor blocks marked no-compact', () => {
    const at = T0 + 26 * HOUR;
    const compactedAt = T0 + 10 * HOUR;
    const eight = block({
      minTime: T0,
      maxTime: T0 + 8 * HOUR,
      resolution: 'raw',
      level: 2,
      source: 'compactor',
      createdAt: compactedAt,
    });
    const sourcesMarked = day.map((b) => (b.maxTime <= T0 + 8 * HOUR ? { ...b, markedAt: compactedAt } : b));
    expect(compactorBacklog(audited([eight, ...sourcesMarked]), at).compaction).toEqual({
      blocks: 4,
      bytes: 4 * perBlock,
    });
    // No-compact blocks split their window: all four marked leave nothing; one marked at the window's end leaves
    // the run of the three before it, still due.
    const skipped = new Set(
      day.filter((b) => b.minTime >= T0 + 8 * HOUR && b.maxTime <= T0 + 16 * HOUR).map((b) => b.ulid),
    );
    expect(compactorBacklog(audited([eight, ...sourcesMarked], skipped), at).compaction.blocks).toBe(0);
    const last = day.find((b) => b.minTime === T0 + 14 * HOUR) as FixtureBlock;
    expect(compactorBacklog(audited([eight, ...sourcesMarked], new Set([last.ulid])), at).compaction.blocks).toBe(3);
    const second = day.find((b) => b.minTime === T0 + 10 * HOUR) as FixtureBlock;
    // [8h,10h) alone before it (no run), [12h,16h) a run of two.
    expect(compactorBacklog(audited([eight, ...sourcesMarked], new Set([second.ulid])), at).compaction.blocks).toBe(2);
  });

  it('leaves a lone 2h block in its windows alone, as Thanos does, and counts a pair once a later block made it due', () => {
    // One block at [0,2h), then nothing until [48h,52h): the 8h window [0,8h) holds one block (never compacted
    // at 8h), the 2d window [0,48h) too. So Thanos leaves it alone: no backlog.
    const lone = twoHour(T0);
    const later = [twoHour(T0 + 48 * HOUR), twoHour(T0 + 50 * HOUR)];
    expect(compactorBacklog(audited([lone, ...later]), T0 + 80 * HOUR).compaction.blocks).toBe(0);
    // Two blocks in [0,8h) with a later block: the window ended before highTime, so it is due since that block
    // arrived (T0+53h, its upload): 27 hours later, backlog.
    const pair = [twoHour(T0), twoHour(T0 + 2 * HOUR)];
    expect(compactorBacklog(audited([...pair, ...later]), T0 + 80 * HOUR).compaction).toEqual({
      blocks: 2,
      bytes: 2 * perBlock,
    });
  });

  it('counts blocks spanning a downsampling step without their twin, after the margin', () => {
    const created = T0 + 50 * HOUR;
    const twoDay = block({
      minTime: T0,
      maxTime: T0 + 2 * DAY,
      resolution: 'raw',
      level: 3,
      source: 'compactor',
      createdAt: created,
    });
    expect(compactorBacklog(audited([twoDay]), created + 7 * HOUR).downsampling).toEqual({
      blocks: 1,
      bytes: folderBytes(twoDay),
    });
    expect(compactorBacklog(audited([twoDay]), created + 5 * HOUR).downsampling.blocks).toBe(0);
    const twin = block({ ...twoDay, resolution: '5m', createdAt: created + 10 * 60_000 });
    expect(compactorBacklog(audited([twoDay, twin]), created + 7 * HOUR).downsampling.blocks).toBe(0);
  });
});

describe('audit report: size by resolution and backlog', () => {
  it('reports bytes and blocks per resolution as the listing sums them, and no backlog when healthy', async () => {
    const { bucket, blocks } = healthyBucket({ now: NOW });
    const report = await runAudit({
      thanos: bucket,
      store: new MemoryAuditStore(),
      bucket: 'b',
      environment: 'test',
      policy: SEED_RETENTION_POLICY,
      clock: () => NOW,
      logger: { info: () => {}, warn: () => {} },
    });
    for (const r of RESOLUTIONS) {
      const of = blocks.filter((b) => b.resolution === r);
      expect({
        r,
        bytes: report.inventory.bytesByResolution[r],
        blocks: report.inventory.blocksByResolution[r],
      }).toEqual({ r, bytes: of.reduce((sum, b) => sum + folderBytes(b), 0), blocks: of.length });
    }
    expect(RESOLUTIONS.reduce((sum, r) => sum + report.inventory.bytesByResolution[r], 0)).toBe(report.inventory.bytes);
    expect(report.inventory.backlog.compaction).toEqual({ blocks: 0, bytes: 0 });
    expect(report.inventory.backlog.downsampling).toEqual({ blocks: 0, bytes: 0 });
  });

  it('reports the backlog of a compactor that stopped 30 hours ago', async () => {
    // The bucket as the compactor left it 30h ago, plus the 2h blocks the sidecars uploaded since.
    const stoppedAt = new Date(NOW.getTime() - 30 * HOUR);
    const { bucket, blocks } = healthyBucket({ now: stoppedAt, streams: [stream] });
    const newestEnd = Math.max(...blocks.filter((b) => b.resolution === 'raw').map((b) => b.maxTime));
    const uploaded: FixtureBlock[] = [];
    for (let t = newestEnd; t + 2 * HOUR + HOUR <= NOW.getTime(); t += 2 * HOUR) uploaded.push(twoHour(t));
    for (const b of uploaded) for (const o of blockObjects(b)) bucket.put(o.key, o);
    const report = await runAudit({
      thanos: bucket,
      store: new MemoryAuditStore(),
      bucket: 'b',
      environment: 'test',
      policy: SEED_RETENTION_POLICY,
      clock: () => NOW,
      logger: { info: () => {}, warn: () => {} },
    });
    // Independently: the uploaded 2h blocks whose 8h window was complete (4 blocks in the bucket, the window
    // ended) more than 6h ago, plus the older 2h blocks the compactor left in windows that closed since.
    const all = [...blocks.filter((b) => b.markedAt === undefined && b.resolution === 'raw'), ...uploaded];
    const expected = all.filter((b) => {
      if (b.level !== 1) return false;
      const w = Math.floor(b.minTime / (8 * HOUR)) * 8 * HOUR;
      const inWindow = all.filter((o) => o.minTime >= w && o.maxTime <= w + 8 * HOUR);
      return inWindow.length === 4 && NOW.getTime() - (w + 8 * HOUR) > 6 * HOUR;
    });
    expect(expected.length).toBe(12); // three 8h windows of four 2h blocks closed in the 24h between stop and margin
    expect(report.inventory.backlog.compaction).toEqual({
      blocks: expected.length,
      bytes: expected.reduce((sum, b) => sum + folderBytes(b), 0),
    });
    // The SNS summary carries the figures on one line.
    const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
    expect(summaryMessage(report, 's3://r/audit/latest.json')).toContain(
      `Compactor backlog (> 6h): 12 uncompacted 2h blocks (${gib(12 * perBlock)}), 0 blocks awaiting downsampling (0.0 GiB).`,
    );
    expect(summaryMessage(report, 's3://r/audit/latest.json')).toContain(
      `By resolution: raw ${gib(report.inventory.bytesByResolution.raw)} (${report.inventory.blocksByResolution.raw} blocks), 5m `,
    );
  });
});
