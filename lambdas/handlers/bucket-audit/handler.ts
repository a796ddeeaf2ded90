/**
 * The daily bucket audit over its ports: list the Thanos bucket, read only the meta.json and deletion marks the
 * audit state does not hold (bounded concurrency), check blocks and bucket configuration, write the report and
 * the state, notify on warning/critical findings, emit metrics.
 */
import type { AuditMetricsSink } from '../../adapters/audit-metrics';
import type { Clock } from '../../adapters/clock';
import type { Logger } from '../../adapters/logger';
import type { AuditStore } from '../../adapters/s3-audit-store';
import type { ThanosBucketReader } from '../../adapters/s3-thanos-bucket';
import type { SnsPublishOnly } from '../../adapters/sns-publisher';
import { assembleBlocks, buildAuditReport, planReads, type ReadText } from '../../domain/audit/audit';
import type { BucketAuditReport } from '../../domain/audit/findings';
import { ListingAccumulator } from '../../domain/audit/listing';
import { type AuditState, decodeAuditState, EMPTY_AUDIT_STATE, encodeAuditState } from '../../domain/audit/state';
import { needsNotification, summaryMessage, summarySubject } from '../../domain/audit/summary';
import { type RetentionPolicy, UNREADABLE_STORAGE_CLASSES } from '../../domain/retention';
import { mapWithConcurrency } from '../concurrency';

export interface BucketAuditDeps {
  readonly thanos: ThanosBucketReader;
  readonly store: AuditStore;
  /** @default no notification */
  readonly notifier?: SnsPublishOnly;
  /** @default no metrics */
  readonly metrics?: AuditMetricsSink;
  /** The Thanos bucket's name (in the report and the state key). */
  readonly bucket: string;
  /** Environment name, in the notification subject. */
  readonly environment: string;
  readonly policy: RetentionPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  /** meta.json / deletion-mark.json reads in flight. @default 32 */
  readonly readConcurrency?: number;
}

async function loadState(deps: BucketAuditDeps): Promise<AuditState> {
  const text = await deps.store.readState(deps.bucket);
  if (text === undefined) return EMPTY_AUDIT_STATE;
  try {
    return decodeAuditState(text);
  } catch (error) {
    // The state is a cache of immutable facts: a bad one costs a full re-read, never the audit.
    deps.logger.warn('audit state unreadable, reading every block again', { error: (error as Error).message });
    return EMPTY_AUDIT_STATE;
  }
}

/**
 * One object's text. An object archived to GLACIER or DEEP_ARCHIVE answers `InvalidObjectState` until restored:
 * that block is reported (unreadable meta.json), not the whole audit lost.
 */
async function readText(deps: BucketAuditDeps, key: string): Promise<ReadText> {
  try {
    return await deps.thanos.getText(key);
  } catch (error) {
    if ((error as { name?: string }).name !== 'InvalidObjectState') throw error;
    return { unreadable: `${key} is archived and cannot be read without a restore (InvalidObjectState)` };
  }
}

/** One audit run. Returns the report (also written to the reports bucket). */
export async function runAudit(deps: BucketAuditDeps): Promise<BucketAuditReport> {
  const now = deps.clock();
  const concurrency = deps.readConcurrency ?? 32;
  const accumulator = new ListingAccumulator(UNREADABLE_STORAGE_CLASSES);
  const [state, configuration] = await Promise.all([
    loadState(deps),
    deps.thanos.configuration(),
    (async () => {
      for await (const page of deps.thanos.list()) for (const object of page) accumulator.add(object);
    })(),
  ]);
  const listing = accumulator.summary();
  const plan = planReads(listing, state);
  deps.logger.info('bucket listed', {
    objects: listing.objects,
    blockFolders: listing.blocks.size,
    metaReads: plan.metas.length,
    markReads: plan.marks.length,
    blocksInState: state.blocks.size,
  });

  const keys = [...plan.metas.map((u) => `${u}/meta.json`), ...plan.marks.map((u) => `${u}/deletion-mark.json`)];
  const texts = await mapWithConcurrency(keys, concurrency, (key) => readText(deps, key));
  const metas = new Map<string, ReadText>();
  const marks = new Map<string, ReadText>();
  plan.metas.forEach((ulid, i) => {
    metas.set(ulid, texts[i]);
  });
  plan.marks.forEach((ulid, i) => {
    marks.set(ulid, texts[plan.metas.length + i]);
  });

  const assembled = assembleBlocks(listing, state, { metas, marks });
  const report = buildAuditReport({
    bucket: deps.bucket,
    now,
    policy: deps.policy,
    listing,
    assembled,
    configuration,
    reads: { metaJson: plan.metas.length, deletionMarks: plan.marks.length },
  });

  await deps.store.writeState(deps.bucket, encodeAuditState(assembled.state, now));
  const location = await deps.store.writeReport(report);
  deps.logger.info('audit report written', {
    location,
    status: report.status,
    ...report.counts.bySeverity,
    byCode: report.counts.byCode,
  });
  deps.metrics?.record(report);
  if (deps.notifier && needsNotification(report)) {
    await deps.notifier.publish(summarySubject(report, deps.environment), summaryMessage(report, location));
  }
  return report;
}

/** What the Lambda returns (the full report is in the reports bucket). */
export interface AuditResult {
  readonly status: BucketAuditReport['status'];
  readonly blocks: number;
  readonly bySeverity: BucketAuditReport['counts']['bySeverity'];
  readonly metaReads: number;
}

/** The scheduled handler: one audit per invocation (the EventBridge event carries nothing the audit needs). */
export function makeHandler(deps: BucketAuditDeps): () => Promise<AuditResult> {
  return async () => {
    const report = await runAudit(deps);
    return {
      status: report.status,
      blocks: report.inventory.blocks,
      bySeverity: report.counts.bySeverity,
      metaReads: report.reads.metaJson,
    };
  };
}
