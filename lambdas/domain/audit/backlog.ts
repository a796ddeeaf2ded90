/**
 * The compactor's backlog, from the bucket inventory: work Thanos would have done by now and has not.
 *
 * - Compaction: level-1 raw blocks (the 2h blocks sidecars upload) that Thanos' planner would already have
 *   picked. thanos pkg/compact/planner.go (`plan`, `selectMetas`, `splitByRange`, copied from prometheus
 *   tsdb/compact.go `selectDirs`), per stream: the newest block is never planned; the others are split into
 *   windows aligned to each compaction range after the first (8h, 2d, 14d: Thanos' default ranges, see
 *   lib/devstack/thanos-blocks.ts and docs/facts.md "Compaction levels"; a block longer than the window is
 *   skipped); a window holding at least two blocks is compacted once it spans the whole range or ends at or before
 *   the start of the newest planned block (`highTime`). Blocks marked no-compact stay in the windows but split
 *   them: each run of two or more unmarked neighbours is compacted. Blocks marked for deletion are left out (the
 *   compactor's deduplication filter drops compaction sources its result covers). Thanos docs/components/compact.md:
 *   the compactor "applies the compaction procedure of the Prometheus 2.0 storage engine to block data stored in
 *   object storage". A block counts once its window has been due for {@link AUDIT_MARGINS.compactionBacklogHours}
 *   (upload, `--consistency-delay`, hourly runs). Judged: the 8h, 2-day and 14-day windows (the compactor always runs
 *   to Thanos' top level, 14 days, lambdas/domain/compactor-scratch.ts). Not modelled: `compaction.failed` in
 *   meta.json (the planner skips such windows).
 * - Downsampling: raw blocks spanning at least 40h without a 5m twin and 5m blocks spanning at least 10 days
 *   without a 1h twin (docs/components/compact.md: "creating 5m downsampling for blocks larger than 40 hours",
 *   "1h downsampling for blocks larger than 10 days"), created more than the same margin ago.
 *
 * Pure: no I/O; `now` is a parameter.
 */
import { AUDIT_MARGINS, type AuditedBlock, missingTwins } from './checks';

const HOUR = 3_600_000;
/** The compaction ranges after the first (2h) that the planner tries in order: 8h, 2 days, then 14 days. */
export const JUDGED_COMPACTION_RANGES_MS: readonly number[] = [8 * HOUR, 48 * HOUR, 336 * HOUR];

/** Blocks and bytes (all objects of their folders) of one backlog. */
export interface BacklogFigure {
  readonly blocks: number;
  readonly bytes: number;
}

export interface CompactorBacklog {
  /** Level-1 raw blocks the planner would have compacted more than `graceHours` ago. */
  readonly compaction: BacklogFigure;
  /** Blocks missing their downsampled twin more than `graceHours` after they were created. */
  readonly downsampling: BacklogFigure;
  readonly graceHours: number;
}

/** The block's time, as Prometheus' splitByRange aligns it (floor, also for negative times). */
const alignDown = (t: number, range: number) => Math.floor(t / range) * range;

/**
 * When each block of `planned` (sorted by minTime, newest excluded) became due for compaction, by the planner's
 * rule; `newestCreated` is when the excluded newest block arrived (it made the last planned block's start the
 * `highTime`).
 */
function dueTimes(planned: readonly AuditedBlock[], newestCreated: number): Map<AuditedBlock, number> {
  const due = new Map<AuditedBlock, number>();
  const last = planned[planned.length - 1];
  if (!last) return due;
  const highTime = last.record.minTime;
  for (const range of JUDGED_COMPACTION_RANGES_MS) {
    let i = 0;
    while (i < planned.length) {
      const first = planned[i] as AuditedBlock;
      const t0 = alignDown(first.record.minTime, range);
      if (first.record.maxTime > t0 + range) {
        i += 1; // does not fit this range (a block already this long or longer)
        continue;
      }
      const group: AuditedBlock[] = [];
      while (i < planned.length) {
        const b = planned[i] as AuditedBlock;
        if (b.record.minTime < t0 || b.record.maxTime > t0 + range) break;
        group.push(b);
        i += 1;
      }
      if (group.length < 2) continue;
      const mint = (group[0] as AuditedBlock).record.minTime;
      const maxt = (group[group.length - 1] as AuditedBlock).record.maxTime;
      let at: number | undefined;
      if (maxt - mint === range) at = maxt;
      else if (maxt <= highTime) at = newestCreated;
      if (at === undefined) continue;
      // No-compact blocks split the window: runs of two or more other blocks are compacted (selectMetas).
      let run: AuditedBlock[] = [];
      for (const b of [...group, undefined]) {
        if (b && !b.listing.noCompactMark) {
          run.push(b);
          continue;
        }
        if (run.length > 1) for (const r of run) if (!due.has(r)) due.set(r, at);
        run = [];
      }
    }
  }
  return due;
}

/** The compactor's backlog over the audited blocks. */
export function compactorBacklog(blocks: readonly AuditedBlock[], now: number): CompactorBacklog {
  const graceHours = AUDIT_MARGINS.compactionBacklogHours;
  const grace = graceHours * HOUR;
  const byStream = new Map<string, AuditedBlock[]>();
  for (const block of blocks) {
    const r = block.record;
    if (r.resolution !== 'raw' || block.deletionTime !== undefined) continue;
    let stream = byStream.get(r.labelsKey);
    if (!stream) {
      stream = [];
      byStream.set(r.labelsKey, stream);
    }
    stream.push(block);
  }
  let compactionBlocks = 0;
  let compactionBytes = 0;
  for (const stream of byStream.values()) {
    stream.sort((a, b) => a.record.minTime - b.record.minTime || a.record.maxTime - b.record.maxTime);
    const newest = stream[stream.length - 1] as AuditedBlock;
    // Thanos' planner never plans the newest block, no-compact or not (it may still be joined by the next upload).
    const planned = stream.slice(0, -1);
    const newestCreated = newest.listing.newestModified;
    for (const [block, at] of dueTimes(planned, newestCreated)) {
      if (block.record.level !== 1 || now - at <= grace) continue;
      compactionBlocks += 1;
      compactionBytes += block.listing.bytes;
    }
  }
  let downsamplingBlocks = 0;
  let downsamplingBytes = 0;
  for (const { block } of missingTwins(blocks, now, grace)) {
    downsamplingBlocks += 1;
    downsamplingBytes += block.listing.bytes;
  }
  return {
    compaction: { blocks: compactionBlocks, bytes: compactionBytes },
    downsampling: { blocks: downsamplingBlocks, bytes: downsamplingBytes },
    graceHours,
  };
}
