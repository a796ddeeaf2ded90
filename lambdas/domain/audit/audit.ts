/**
 * One audit, as pure steps: plan which meta.json and deletion-mark.json to read (only what the state does not
 * already hold), assemble blocks from the state and the reads, run the checks, build the report.
 */
import { RESOLUTIONS, type Resolution, type RetentionPolicy } from '../retention';
import { compactorBacklog } from './backlog';
import { parseBlockMeta, parseDeletionMark } from './block-meta';
import { type BucketConfiguration, checkBucketConfiguration } from './bucket-config';
import { type AuditedBlock, type BlockCheckInput, checkBlocks } from './checks';
import {
  type AuditFinding,
  type BucketAuditReport,
  FINDING_CODES,
  type FindingCode,
  MAX_FINDINGS_PER_CODE,
  SEVERITIES,
  type Severity,
} from './findings';
import type { BlockListing, ListingSummary } from './listing';
import type { AuditState, StoredBlock } from './state';

export interface ReadPlan {
  /** Blocks whose meta.json must be read (new, or changed since the state was saved). */
  readonly metas: readonly string[];
  /** Blocks whose deletion-mark.json must be read. */
  readonly marks: readonly string[];
}

/** What to read: a block known to the state with the same meta.json (and mark) version is not read again. */
export function planReads(listing: ListingSummary, state: AuditState): ReadPlan {
  const metas: string[] = [];
  const marks: string[] = [];
  for (const block of listing.blocks.values()) {
    if (!block.meta) continue; // a partial upload or a deletion in progress: the listing says enough
    const stored = state.blocks.get(block.ulid);
    if (stored?.metaVersion !== block.meta.version) metas.push(block.ulid);
    if (block.deletionMark && stored?.mark?.version !== block.deletionMark.version) marks.push(block.ulid);
  }
  return { metas, marks };
}

/**
 * One read: the text, undefined when the object vanished between listing and read, or why it cannot be read (an
 * object archived to a storage class that needs a restore first: S3 answers `InvalidObjectState`).
 */
export type ReadText = string | undefined | { readonly unreadable: string };

/** What the reads returned. */
export interface ReadResults {
  readonly metas: ReadonlyMap<string, ReadText>;
  readonly marks: ReadonlyMap<string, ReadText>;
}

export interface AssembledBlocks extends Omit<BlockCheckInput, 'policy' | 'now'> {
  readonly state: AuditState;
  readonly fromState: number;
}

/** Blocks for the checks and the next state (only blocks still in the bucket), from the state and the reads. */
export function assembleBlocks(listing: ListingSummary, state: AuditState, reads: ReadResults): AssembledBlocks {
  const blocks: AuditedBlock[] = [];
  const withoutMeta: { listing: BlockListing; invalidMeta?: string; archived?: boolean }[] = [];
  const orphanMarks: { listing: BlockListing; deletionTime: number }[] = [];
  const next = new Map<string, StoredBlock>();
  let fromState = 0;
  for (const block of listing.blocks.values()) {
    if (!block.meta) {
      if (block.deletionMark) orphanMarks.push({ listing: block, deletionTime: block.deletionMark.lastModified });
      else withoutMeta.push({ listing: block });
      continue;
    }
    const stored = state.blocks.get(block.ulid);
    let record = stored?.metaVersion === block.meta.version ? stored.record : undefined;
    if (record) fromState += 1;
    else {
      const text = reads.metas.get(block.ulid);
      if (text === undefined) continue; // deleted while we listed: the compactor at work
      if (typeof text === 'object') {
        withoutMeta.push({ listing: block, invalidMeta: text.unreadable, archived: true });
        continue;
      }
      try {
        record = parseBlockMeta(text, block.ulid);
      } catch (error) {
        withoutMeta.push({ listing: block, invalidMeta: (error as Error).message });
        continue;
      }
    }
    let mark = stored?.mark;
    if (block.deletionMark && mark?.version !== block.deletionMark.version) {
      const text = reads.marks.get(block.ulid);
      let deletionTime = block.deletionMark.lastModified;
      if (typeof text === 'string') {
        try {
          deletionTime = parseDeletionMark(text, block.ulid);
        } catch {
          // An unreadable mark still marks the block (Thanos treats it so); its upload time stands in.
        }
      }
      mark = { version: block.deletionMark.version, deletionTime };
    }
    if (!block.deletionMark) mark = undefined;
    next.set(
      block.ulid,
      mark ? { metaVersion: block.meta.version, record, mark } : { metaVersion: block.meta.version, record },
    );
    blocks.push(mark ? { record, listing: block, deletionTime: mark.deletionTime } : { record, listing: block });
  }
  return { blocks, withoutMeta, orphanMarks, state: { blocks: next }, fromState };
}

export interface ReportInput {
  readonly bucket: string;
  readonly now: Date;
  readonly policy: RetentionPolicy;
  readonly listing: ListingSummary;
  readonly assembled: AssembledBlocks;
  readonly configuration: BucketConfiguration;
  readonly reads: { readonly metaJson: number; readonly deletionMarks: number };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Runs every check and builds the report. */
export function buildAuditReport(input: ReportInput): BucketAuditReport {
  const { policy, assembled, listing } = input;
  const now = input.now.getTime();
  const config = checkBucketConfiguration(input.configuration, policy);
  const all: AuditFinding[] = [...config.findings, ...checkBlocks({ ...assembled, policy, now })];

  const byCode = Object.fromEntries(FINDING_CODES.map((c) => [c, 0])) as Record<FindingCode, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const findings: AuditFinding[] = [];
  const omitted: Partial<Record<FindingCode, number>> = {};
  const sorted = [...all].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code) ||
      (a.block ?? '').localeCompare(b.block ?? ''),
  );
  for (const finding of sorted) {
    byCode[finding.code] += 1;
    bySeverity[finding.severity] += 1;
    if (byCode[finding.code] <= MAX_FINDINGS_PER_CODE) findings.push(finding);
    else omitted[finding.code] = (omitted[finding.code] ?? 0) + 1;
  }

  const blocksByResolution = Object.fromEntries(RESOLUTIONS.map((r) => [r, 0])) as Record<Resolution, number>;
  const bytesByResolution = Object.fromEntries(RESOLUTIONS.map((r) => [r, 0])) as Record<Resolution, number>;
  const streams = new Set<string>();
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  let marked = 0;
  for (const { record, listing: folder, deletionTime } of assembled.blocks) {
    blocksByResolution[record.resolution] += 1;
    bytesByResolution[record.resolution] += folder.bytes;
    streams.add(record.labelsKey);
    oldest = Math.min(oldest, record.minTime);
    newest = Math.max(newest, record.maxTime);
    if (deletionTime !== undefined) marked += 1;
  }
  const status = bySeverity.critical > 0 ? 'critical' : bySeverity.warning > 0 ? 'warning' : 'ok';
  return {
    version: 1,
    bucket: input.bucket,
    generatedAt: input.now.toISOString(),
    status,
    policy: {
      resolutionDays: { ...policy.resolutionDays },
      deleteDelayHours: policy.deleteDelayHours,
      consistencyDelayMinutes: policy.consistencyDelayMinutes,
    },
    inventory: {
      blocks: assembled.blocks.length,
      blocksByResolution,
      bytesByResolution,
      backlog: compactorBacklog(assembled.blocks, now),
      markedForDeletion: marked,
      streams: streams.size,
      objects: listing.objects,
      bytes: listing.bytes,
      ...(assembled.blocks.length > 0
        ? { oldestData: new Date(oldest).toISOString(), newestData: new Date(newest).toISOString() }
        : {}),
    },
    reads: { metaJson: input.reads.metaJson, deletionMarks: input.reads.deletionMarks, fromState: assembled.fromState },
    counts: { bySeverity, byCode },
    findings,
    omittedFindings: omitted,
    skippedChecks: config.skipped,
  };
}
