/**
 * Checks over the blocks of a Thanos bucket, with thresholds from the retention table (the same one the bucket
 * lifecycle and the compactor flags come from). Pure: no I/O; `now` is a parameter.
 */
import { TOP_COMPACTION_HOURS } from '../compactor-scratch';
import { RULER_REPLICA_LABEL } from '../replica-labels';
import {
  DOWNSAMPLING,
  localRetentionDays,
  type Resolution,
  type RetentionPolicy,
  RULER_LOCAL_RETENTION_HOURS,
} from '../retention';
import type { BlockRecord } from './block-meta';
import type { AuditFinding } from './findings';
import type { BlockListing } from './listing';
import { ulidTime } from './ulid';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Margins on top of the retention table, for a compactor that runs periodically (a CronJob), not continuously.
 */
export const AUDIT_MARGINS = {
  /** A block may outlive its retention by this much before the compactor's next run marks it. */
  retentionGraceHours: 24,
  /** A deletion mark may outlive `--delete-delay` by this much before the compactor's next run deletes it. */
  deletionMarkMarginHours: 24,
  /** A compacted block gets its downsampled twin in the same compactor run; this long is a lag. */
  downsamplingGraceHours: 24,
  /**
   * Prometheus cuts a 2h block about 3h after its start and the sidecar uploads it at once, so a replica's newest
   * raw block normally ends less than ~3h ago: twice that means the sidecar stopped uploading.
   */
  uploadStallHours: 6,
  /**
   * A compaction window is due once its blocks are in the bucket: the last 2h block lands ~1h after the window
   * ends, the compactor waits `--consistency-delay` (30m) and runs hourly (lib/k8s/thanos-compactor.ts). Blocks
   * still uncompacted this long after their window ended are backlog; the same margin applies to downsampling.
   */
  compactionBacklogHours: 6,
} as const;

/** A block with a readable meta.json, as the checks see it. */
export interface AuditedBlock {
  readonly record: BlockRecord;
  readonly listing: BlockListing;
  /** When the block was marked for deletion (ms), if it was. */
  readonly deletionTime?: number;
}

export interface BlockCheckInput {
  readonly blocks: readonly AuditedBlock[];
  /** Block folders without a readable meta.json, with the reason if the meta.json exists but is invalid. */
  readonly withoutMeta: readonly {
    readonly listing: BlockListing;
    readonly invalidMeta?: string;
    /** The meta.json is archived (GLACIER, DEEP_ARCHIVE): readable only after a restore. */
    readonly archived?: boolean;
  }[];
  /** Deletion times of marked folders without meta.json (a deletion in progress). */
  readonly orphanMarks: readonly { readonly listing: BlockListing; readonly deletionTime: number }[];
  readonly policy: RetentionPolicy;
  readonly now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (ms: number) => Math.round((ms / HOUR) * 10) / 10;
const days = (ms: number) => Math.round((ms / DAY) * 10) / 10;
const blockDetails = (r: BlockRecord) => ({
  resolution: r.resolution,
  level: r.level,
  source: r.source,
  minTime: iso(r.minTime),
  maxTime: iso(r.maxTime),
});

/** All block-level checks. */
export function checkBlocks(input: BlockCheckInput): AuditFinding[] {
  return [
    ...checkRetention(input),
    ...checkPartialBlocks(input),
    ...checkDeletionMarks(input),
    ...checkOverlaps(input),
    ...checkDownsampling(input),
    ...checkOneHourTier(input),
    ...checkUploads(input),
    ...checkStoredClasses(input),
  ];
}

/** RETENTION_EXCEEDED: an unmarked block whose data is older than its resolution's retention. */
export function checkRetention({ blocks, policy, now }: BlockCheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const { record, deletionTime } of blocks) {
    if (deletionTime !== undefined) continue;
    const retention = policy.resolutionDays[record.resolution] * DAY;
    const overdue = now - record.maxTime - retention;
    if (overdue <= AUDIT_MARGINS.retentionGraceHours * HOUR) continue;
    findings.push({
      code: 'RETENTION_EXCEEDED',
      severity: 'warning',
      message: `Block ${record.ulid} (${record.resolution}) ended ${days(now - record.maxTime)} days ago, past the ${policy.resolutionDays[record.resolution]}-day retention: compactor retention is not running (halted? failing?). Check thanos_compact_halted and the compactor's logs.`,
      block: record.ulid,
      labels: record.labels,
      details: {
        ...blockDetails(record),
        retentionDays: policy.resolutionDays[record.resolution],
        overdueDays: days(overdue),
      },
    });
  }
  return findings;
}

/** PARTIAL_BLOCK: a block folder without (valid) meta.json, untouched for longer than the consistency delay. */
export function checkPartialBlocks({ withoutMeta, policy, now }: BlockCheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const { listing, invalidMeta, archived } of withoutMeta) {
    if (listing.deletionMark) continue; // a deletion in progress: STALE_DELETION_MARK watches it
    const age = now - listing.newestModified;
    if (invalidMeta === undefined && age <= policy.consistencyDelayMinutes * 60_000) continue; // still uploading
    findings.push({
      code: 'PARTIAL_BLOCK',
      // Archived, the block's data is out of every query until restored.
      severity: archived ? 'critical' : 'warning',
      message:
        invalidMeta === undefined
          ? `Block folder ${listing.ulid} has no meta.json ${hours(age)}h after its last upload: an aborted upload. The compactor removes aborted uploads after 2 days; if it does not, delete the folder.`
          : archived
            ? `Block ${listing.ulid} cannot be read (${invalidMeta}): Thanos skips the block. Restore its objects (aws s3api restore-object, then copy them back to a readable class) and keep the bucket lifecycle out of GLACIER and DEEP_ARCHIVE.`
            : `Block ${listing.ulid} has an unreadable meta.json (${invalidMeta}): Thanos skips the block. Inspect it, then repair or delete the folder.`,
      block: listing.ulid,
      details: {
        objects: listing.objects,
        bytes: listing.bytes,
        lastModified: iso(listing.newestModified),
        ...(invalidMeta === undefined ? {} : { invalidMeta }),
      },
    });
  }
  return findings;
}

/** STALE_DELETION_MARK: a block marked for deletion longer ago than `--delete-delay` plus a margin. */
export function checkDeletionMarks({ blocks, orphanMarks, policy, now }: BlockCheckInput): AuditFinding[] {
  const limit = (policy.deleteDelayHours + AUDIT_MARGINS.deletionMarkMarginHours) * HOUR;
  const marked = [
    ...blocks.flatMap((b) =>
      b.deletionTime === undefined ? [] : [{ ulid: b.record.ulid, labels: b.record.labels, at: b.deletionTime }],
    ),
    ...orphanMarks.map((m) => ({ ulid: m.listing.ulid, labels: undefined, at: m.deletionTime })),
  ];
  return marked
    .filter((m) => now - m.at > limit)
    .map((m) => ({
      code: 'STALE_DELETION_MARK' as const,
      severity: 'warning' as const,
      message: `Block ${m.ulid} was marked for deletion ${hours(now - m.at)}h ago, past the ${policy.deleteDelayHours}h delete delay: the compactor is not deleting (not running, halted, or lacking s3:DeleteObject).`,
      block: m.ulid,
      ...(m.labels ? { labels: m.labels } : {}),
      details: { deletionTime: iso(m.at), deleteDelayHours: policy.deleteDelayHours },
    }));
}

/** Groups unmarked blocks by stream and resolution, each group sorted by minTime. */
function streams(blocks: readonly AuditedBlock[], include: (b: AuditedBlock) => boolean) {
  const groups = new Map<string, BlockRecord[]>();
  for (const block of blocks) {
    if (!include(block)) continue;
    const key = `${block.record.resolution}|${block.record.labelsKey}`;
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(block.record);
  }
  for (const group of groups.values()) group.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  return groups;
}

/**
 * OVERLAPPING_BLOCKS: same external labels and resolution, overlapping [minTime, maxTime). Blocks marked for
 * deletion do not count (a compaction's sources overlap its result until deleted), nor blocks younger than the
 * consistency delay (the compactor ignores them too: their sources may not be marked yet).
 */
export function checkOverlaps({ blocks, policy, now }: BlockCheckInput): AuditFinding[] {
  const settled = now - policy.consistencyDelayMinutes * 60_000;
  const findings: AuditFinding[] = [];
  for (const group of streams(
    blocks,
    (b) => b.deletionTime === undefined && ulidTime(b.record.ulid) <= settled,
  ).values()) {
    let reach: BlockRecord | undefined;
    for (const record of group) {
      if (reach && record.minTime < reach.maxTime) {
        findings.push({
          code: 'OVERLAPPING_BLOCKS',
          severity: 'critical',
          message: `Blocks ${reach.ulid} and ${record.ulid} (${record.resolution}) overlap in time for the same external labels: the compactor halts on them. Inspect with \`thanos tools bucket verify\`, then mark the redundant block for deletion.`,
          block: record.ulid,
          labels: record.labels,
          details: {
            ...blockDetails(record),
            overlapsWith: reach.ulid,
            overlapStart: iso(record.minTime),
            overlapEnd: iso(Math.min(record.maxTime, reach.maxTime)),
          },
        });
      }
      if (!reach || record.maxTime > reach.maxTime) reach = record;
    }
  }
  return findings;
}

/** Whether some block of `sorted` (by minTime) covers [minTime, maxTime]. `prefixMax[i]` = max maxTime of 0..i. */
function covered(sorted: readonly BlockRecord[], prefixMax: readonly number[], minTime: number, maxTime: number) {
  let lo = 0;
  let hi = sorted.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.minTime ?? Number.POSITIVE_INFINITY) <= minTime) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return last >= 0 && (prefixMax[last] ?? 0) >= maxTime;
}

/** A stream's blocks sorted by minTime with their running maximum of maxTime, for {@link covered}. */
function coverage(sorted: readonly BlockRecord[]): { sorted: readonly BlockRecord[]; prefixMax: number[] } {
  let max = Number.NEGATIVE_INFINITY;
  return { sorted, prefixMax: sorted.map((t) => (max = Math.max(max, t.maxTime))) };
}

/** A downsampling step of the Thanos compactor: source blocks spanning at least `minSpan` get a `to` twin. */
export interface DownsamplingStep {
  readonly from: Resolution;
  readonly to: Resolution;
  readonly minSpan: number;
  readonly label: string;
}

export const DOWNSAMPLING_STEPS: readonly DownsamplingStep[] = [
  { from: 'raw', to: '5m', minSpan: DOWNSAMPLING.rawToFiveMinuteMinSpanHours * HOUR, label: '40h' },
  { from: '5m', to: '1h', minSpan: DOWNSAMPLING.fiveMinuteToOneHourMinSpanDays * DAY, label: '10 days' },
];

/**
 * Unmarked blocks that span a downsampling step's minimum and were created more than `graceMs` ago, but whose
 * time range no twin of the next resolution (same stream) covers: downsampling the compactor has not done.
 */
export function missingTwins(
  blocks: readonly AuditedBlock[],
  now: number,
  graceMs: number,
): { readonly block: AuditedBlock; readonly step: DownsamplingStep; readonly created: number }[] {
  const all = new Map<string, ReturnType<typeof coverage>>();
  for (const [key, sorted] of streams(blocks, () => true)) all.set(key, coverage(sorted));
  const missing: { block: AuditedBlock; step: DownsamplingStep; created: number }[] = [];
  for (const step of DOWNSAMPLING_STEPS) {
    for (const block of blocks) {
      const r = block.record;
      if (r.resolution !== step.from || block.deletionTime !== undefined) continue;
      if (r.maxTime - r.minTime < step.minSpan) continue;
      const created = ulidTime(r.ulid);
      if (now - created <= graceMs) continue;
      const twins = all.get(`${step.to}|${r.labelsKey}`);
      if (twins && covered(twins.sorted, twins.prefixMax, r.minTime, r.maxTime)) continue;
      missing.push({ block, step, created });
    }
  }
  return missing;
}

/**
 * DOWNSAMPLING_LAG: raw blocks spanning at least 40h without a 5m twin, and 5m blocks spanning at least 10 days
 * without a 1h twin, a grace period after the block was created.
 */
export function checkDownsampling({ blocks, now }: BlockCheckInput): AuditFinding[] {
  return missingTwins(blocks, now, AUDIT_MARGINS.downsamplingGraceHours * HOUR).map(({ block, step, created }) => {
    const r = block.record;
    return {
      code: 'DOWNSAMPLING_LAG',
      severity: 'warning',
      message: `Block ${r.ulid} (${r.resolution}, spanning ${hours(r.maxTime - r.minTime)}h, created ${hours(now - created)}h ago) has no ${step.to} twin although it spans at least ${step.label}: downsampling is not running (compactor halted, or run with --downsampling.disable?).`,
      block: r.ulid,
      labels: r.labels,
      details: { ...blockDetails(r), missing: step.to, createdAt: iso(created) },
    } satisfies AuditFinding;
  });
}

/** Thanos' largest compaction range (14 days); its planner aligns the windows to multiples of it. */
const TOP_COMPACTION_RANGE = TOP_COMPACTION_HOURS * HOUR;
/** A 5m block this close to its retention with no 1h twin is about to be deleted with nothing after it. */
const ONE_HOUR_TIER_CRITICAL_DAYS = 7;

/**
 * DOWNSAMPLING_LAG for the 1h tier itself: Thanos downsamples a 5m block to 1h only once it spans 10 days, so a
 * stream's 5m blocks must first be compacted into the 14-day windows. A stream still holding two or more unmarked 5m
 * blocks in a window that ended longer ago than the compaction and downsampling margins, not all covered by a 1h
 * twin, is not being compacted that far (a `--debug.max-compaction-level` below 4 keeps 5m blocks at 2 days, or the
 * compactor is failing): its 1h tier stays empty and the data is gone once the 5m retention deletes it. One finding
 * per window; critical within a week of that deletion. Only windows Thanos' planner would have picked: a later 5m
 * block of the stream exists, older than the margins (the planner never plans a stream's newest block and compacts a
 * window once a later block exists, pkg/compact/planner.go `plan`: a stream that stopped keeps its last window as
 * it is). A window with a single 5m block shorter than 10 days, a stream that started mid-window, never gets a 1h
 * twin from Thanos either, and is not reported.
 */
export function checkOneHourTier({ blocks, policy, now }: BlockCheckInput): AuditFinding[] {
  const live = streams(blocks, (b) => b.deletionTime === undefined);
  const due = (AUDIT_MARGINS.compactionBacklogHours + AUDIT_MARGINS.downsamplingGraceHours) * HOUR;
  const findings: AuditFinding[] = [];
  for (const [key, fiveMinute] of live) {
    if (!key.startsWith('5m|')) continue;
    const windows = new Map<number, BlockRecord[]>();
    for (const r of fiveMinute) {
      const start = Math.floor(r.minTime / TOP_COMPACTION_RANGE) * TOP_COMPACTION_RANGE;
      const window = windows.get(start);
      if (window) window.push(r);
      else windows.set(start, [r]);
    }
    const oneHour = coverage(live.get(`1h|${key.slice('5m|'.length)}`) ?? []);
    for (const [start, window] of windows) {
      const end = start + TOP_COMPACTION_RANGE;
      if (window.length < 2 || now - end <= due) continue;
      if (!fiveMinute.some((r) => r.minTime >= end && now - ulidTime(r.ulid) > due)) continue;
      const uncovered = window.filter((r) => !covered(oneHour.sorted, oneHour.prefixMax, r.minTime, r.maxTime));
      const first = uncovered[0];
      if (!first) continue;
      const newestEnd = Math.max(...uncovered.map((r) => r.maxTime));
      const retentionDays = policy.resolutionDays['5m'];
      const deletedIn = newestEnd + retentionDays * DAY - now;
      const widest = Math.max(...window.map((r) => r.maxTime - r.minTime));
      findings.push({
        code: 'DOWNSAMPLING_LAG',
        severity: deletedIn <= ONE_HOUR_TIER_CRITICAL_DAYS * DAY ? 'critical' : 'warning',
        message: `Stream ${first.labelsKey} still has ${window.length} 5m blocks (the widest ${hours(widest)}h) in the 14-day window from ${iso(start)}, which ended ${hours(now - end)}h ago, and ${uncovered.length} of them have no 1h twin: 5m blocks are not being compacted into 14-day blocks, which Thanos needs before it downsamples to 1h (--debug.max-compaction-level below 4, or a failing compactor). This data has no 1h copy and is deleted with its 5m blocks in ${days(Math.max(0, deletedIn))} days.`,
        block: first.ulid,
        labels: first.labels,
        details: {
          ...blockDetails(first),
          missing: '1h',
          windowStart: iso(start),
          windowEnd: iso(end),
          fiveMinuteBlocks: window.length,
          withoutOneHourTwin: uncovered.length,
          deletedInDays: days(Math.max(0, deletedIn)),
        },
      } satisfies AuditFinding);
    }
  }
  return findings;
}

/**
 * Who uploads a stream: a Thanos Ruler replica (the operator adds `thanos_ruler_replica` to its external labels,
 * replica-labels.ts) or a Prometheus replica's sidecar. Told by the labels, not the block's `source`: a stalled
 * stream's newest raw block may already be a compactor's.
 */
function streamWriter(labels: Readonly<Record<string, string>>): { name: string; localHours: number } | undefined {
  return RULER_REPLICA_LABEL in labels ? { name: 'Thanos Ruler', localHours: RULER_LOCAL_RETENTION_HOURS } : undefined;
}

/**
 * UPLOADS_STALLED: a stream (one Prometheus or Ruler replica's external labels) whose newest raw block ended more
 * than a few hours ago. Critical while the writer still holds the data locally (Prometheus' hot tier, the Ruler's
 * 24 h), warning after that (the gap is lost, or the replica was retired on purpose).
 */
export function checkUploads({ blocks, policy, now }: BlockCheckInput): AuditFinding[] {
  const newest = new Map<string, BlockRecord>();
  for (const { record } of blocks) {
    if (record.resolution !== 'raw') continue;
    const seen = newest.get(record.labelsKey);
    if (!seen || record.maxTime > seen.maxTime) newest.set(record.labelsKey, record);
  }
  const prometheusHours = localRetentionDays(policy) * 24;
  const findings: AuditFinding[] = [];
  for (const record of newest.values()) {
    const lag = now - record.maxTime;
    if (lag <= AUDIT_MARGINS.uploadStallHours * HOUR) continue;
    const ruler = streamWriter(record.labels);
    const localHours = ruler?.localHours ?? prometheusHours;
    const recoverable = lag < localHours * HOUR;
    const held = localHours >= 48 && localHours % 24 === 0 ? `${localHours / 24} days` : `${localHours} hours`;
    const message = ruler
      ? recoverable
        ? `The newest raw block for ${record.labelsKey} ended ${hours(lag)}h ago: its Thanos Ruler stopped uploading. The Ruler still holds its last ${held} of rule results locally; restart it (check its bucket credentials) before they age out.`
        : `The newest raw block for ${record.labelsKey} ended ${days(lag)} days ago, beyond the Ruler's local retention (${held}): its rule results for the gap are lost unless the Ruler replica was retired on purpose.`
      : recoverable
        ? `The newest raw block for ${record.labelsKey} ended ${hours(lag)}h ago: its sidecar stopped uploading. Prometheus still holds the data locally (${held}); restart the sidecar (check its bucket credentials).`
        : `The newest raw block for ${record.labelsKey} ended ${days(lag)} days ago, beyond Prometheus' local retention (${held}): the gap is lost unless the replica was retired on purpose.`;
    findings.push({
      code: 'UPLOADS_STALLED',
      severity: recoverable ? 'critical' : 'warning',
      message,
      block: record.ulid,
      labels: record.labels,
      details: {
        writer: ruler ? 'ruler' : 'sidecar',
        newestBlockEnd: iso(record.maxTime),
        lagHours: hours(lag),
        thresholdHours: AUDIT_MARGINS.uploadStallHours,
        localRetentionHours: localHours,
      },
    });
  }
  return findings;
}

/** LIFECYCLE_UNREADABLE_STORAGE_CLASS for blocks whose objects already sit in Glacier Flexible Retrieval or Deep Archive. */
export function checkStoredClasses({ blocks, withoutMeta }: BlockCheckInput): AuditFinding[] {
  const listings = [...blocks.map((b) => b.listing), ...withoutMeta.map((w) => w.listing)];
  return listings
    .filter((l) => Object.keys(l.unreadable).length > 0)
    .map((l) => ({
      code: 'LIFECYCLE_UNREADABLE_STORAGE_CLASS' as const,
      severity: 'critical' as const,
      message: `Block ${l.ulid} has objects in ${Object.keys(l.unreadable).join(', ')}: the store gateway cannot read them without a restore. Restore them and copy back to a readable class; fix the lifecycle rule that moved them.`,
      block: l.ulid,
      details: { objectsByStorageClass: l.unreadable },
    }));
}
