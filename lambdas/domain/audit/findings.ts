/**
 * What the bucket audit reports: findings with a code, a severity and what to do, and the report the daily run
 * writes to the reports bucket (`audit/latest.json`, read by the weekly summary). Pure: no I/O.
 */
import type { Resolution } from '../retention';
import type { CompactorBacklog } from './backlog';

/** Every finding code, in report order. */
export const FINDING_CODES = [
  'RETENTION_EXCEEDED',
  'PARTIAL_BLOCK',
  'STALE_DELETION_MARK',
  'OVERLAPPING_BLOCKS',
  'DOWNSAMPLING_LAG',
  'UPLOADS_STALLED',
  'LIFECYCLE_EXPIRES_LIVE_DATA',
  'LIFECYCLE_UNREADABLE_STORAGE_CLASS',
  'BUCKET_NOT_KMS_ENCRYPTED',
  'PUBLIC_ACCESS_NOT_BLOCKED',
  'MULTIPART_ABORT_MISSING',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AuditFinding {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** One sentence: what is wrong and what to do. */
  readonly message: string;
  /** The block concerned (ULID), if the finding is about one block. */
  readonly block?: string;
  /** External labels of the stream concerned. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A check that could not run (e.g. the S3 stand-in does not implement GetBucketLifecycleConfiguration). */
export interface SkippedCheck {
  readonly check: 'lifecycle' | 'encryption' | 'publicAccessBlock';
  readonly reason: string;
}

/** The JSON report of one audit run. Consumers (the weekly summary) read `audit/latest.json` as this type. */
export interface BucketAuditReport {
  readonly version: 1;
  /** The audited Thanos bucket. */
  readonly bucket: string;
  /** The audit's clock (ISO 8601). */
  readonly generatedAt: string;
  /** `ok` without warning/critical findings, else the worst severity found. */
  readonly status: 'ok' | 'warning' | 'critical';
  /** The thresholds used, from the retention table. */
  readonly policy: {
    readonly resolutionDays: Readonly<Record<Resolution, number>>;
    readonly deleteDelayHours: number;
    readonly consistencyDelayMinutes: number;
  };
  readonly inventory: {
    /** Block folders with a readable meta.json. */
    readonly blocks: number;
    readonly blocksByResolution: Readonly<Record<Resolution, number>>;
    /** Bytes of those blocks' folders (every object, from the listing), by resolution. */
    readonly bytesByResolution: Readonly<Record<Resolution, number>>;
    /** Work the compactor has not done yet (lambdas/domain/audit/backlog.ts). */
    readonly backlog: CompactorBacklog;
    readonly markedForDeletion: number;
    /** Distinct external label sets (one per Prometheus replica or ruler). */
    readonly streams: number;
    readonly objects: number;
    readonly bytes: number;
    /** Oldest and newest sample time over all blocks (ISO), absent for an empty bucket. */
    readonly oldestData?: string;
    readonly newestData?: string;
  };
  /** Work done by this run: how incremental it was. */
  readonly reads: {
    readonly metaJson: number;
    readonly deletionMarks: number;
    /** Blocks whose metadata came from the audit state, not from the bucket. */
    readonly fromState: number;
  };
  readonly counts: {
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly byCode: Readonly<Record<FindingCode, number>>;
  };
  /** Findings, at most {@link MAX_FINDINGS_PER_CODE} per code (`counts` has the totals). */
  readonly findings: readonly AuditFinding[];
  /** Codes whose findings were cut to {@link MAX_FINDINGS_PER_CODE}, with how many were left out. */
  readonly omittedFindings: Readonly<Partial<Record<FindingCode, number>>>;
  readonly skippedChecks: readonly SkippedCheck[];
}

/** A broken bucket can produce a finding per block; the report lists this many per code and counts the rest. */
export const MAX_FINDINGS_PER_CODE = 200;
