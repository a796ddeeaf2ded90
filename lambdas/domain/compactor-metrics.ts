/**
 * What each compactor run pushes to the Pushgateway, and what the compactor alerts are built on. A CronJob is
 * not scrapable between runs (an `absent(up)` alert would fire all the time), so the run result is pushed.
 *
 * The CronJob pushes these with grouping key `job=${COMPACTOR_PUSH_JOB}` to every Pushgateway replica: at start a
 * POST of the start timestamp only (the previous run's results stay visible; start > end means "running"), at the
 * end a PUT replacing the group with everything (lib/k8s/compactor-script.ts).
 */
export const COMPACTOR_PUSH_JOB = 'thanos-compactor';

/**
 * Jobs whose groups the stack writes to every Pushgateway replica itself, around the push ingestion: the compactor
 * (it runs in the cluster and reads its previous push back to carry its last success over). The ingestion owns
 * none of them: it refuses pushes to them (a client could otherwise mask a compactor halt or page falsely), the
 * repair never deletes them as groups without a record (a replica restart would drop the compactor's results and
 * the success it carries over), and the one-time import of what the replicas hold leaves them out (a record of them
 * would be a stale copy the repair writes back over newer runs).
 */
export const DIRECT_PUSH_JOBS: readonly string[] = [COMPACTOR_PUSH_JOB];

/** Whether a group of this grouping key is written by the stack directly, not through the ingestion. */
export function isDirectPushGroup(key: { readonly job?: string }): boolean {
  return key.job !== undefined && DIRECT_PUSH_JOBS.includes(key.job);
}

export const COMPACTOR_METRICS = {
  /** Unix seconds the last run started. */
  lastRunStart: 'greenlang_thanos_compactor_last_run_start_timestamp_seconds',
  /** Unix seconds the last run ended (success or not). */
  lastRunEnd: 'greenlang_thanos_compactor_last_run_end_timestamp_seconds',
  /** Unix seconds of the last successful run (carried over from the previous push when the run fails). */
  lastSuccess: 'greenlang_thanos_compactor_last_success_timestamp_seconds',
  /** 1 if the last run exited 0, else 0. */
  lastRunSuccess: 'greenlang_thanos_compactor_last_run_success',
  /** 1 if the last run failed with one of Thanos' halt errors ({@link classifyCompactorRun}), else 0. */
  halted: 'greenlang_thanos_compactor_halted',
  /** Failed runs in a row (0 after a success), carried over from the previous push. */
  consecutiveFailures: 'greenlang_thanos_compactor_consecutive_failures',
  /** Seconds the last run took. */
  lastRunDuration: 'greenlang_thanos_compactor_last_run_duration_seconds',
} as const;

/**
 * Error texts of Thanos v0.39's halt class, as they appear in the error `thanos compact` logs when it exits.
 *
 * In job mode (no `--wait`) Thanos returns the run's error and exits 1 (cmd/thanos/compact.go: `if !conf.wait {
 * return compactMainFn() }`); only `--wait` mode logs "critical error detected; halting" and sets
 * `thanos_compact_halted`. So a wrapper must recognise the halt errors themselves. Each text below is the message
 * pkg/compact/compact.go wraps into a `halt(...)` error (or, for out-of-order chunks, an error that recurs on every
 * run until a person marks the block no-compact):
 */
export const COMPACTOR_HALT_TEXTS = [
  // Group.compact: `halt(errors.Wrap(err, "pre compaction overlap check"))`; areBlocksOverlapping:
  // `errors.Errorf("overlaps found while gathering blocks. %s", overlaps)`.
  'pre compaction overlap check',
  'overlaps found while gathering blocks',
  // DefaultCompactionLifecycleCallback.PreCompactionCallback: `halt(errors.Errorf("overlapping sources detected for plan %v", ...))`.
  'overlapping sources detected for plan',
  // Group.compact: `halt(errors.Wrapf(err, "block with not healthy index found %s; Compaction level %v; Labels: %v", ...))`.
  'block with not healthy index found',
  // Group.compact: `halt(errors.Wrapf(err, "compact blocks %v", toCompactDirs))` (TSDB compaction itself failed).
  'compact blocks [',
  // Group.compact: `halt(errors.Wrapf(err, "invalid result block %s", bdir))`.
  'invalid result block',
  // Group.compact: `halt(errors.Wrapf(err, "resulted compacted block %s overlaps with something", bdir))`.
  'overlaps with something',
  // Group.compact: `outOfOrderChunkError(errors.Wrapf(err, "blocks with out-of-order chunks are dropped from compaction:  %s", bdir), ...)`.
  'blocks with out-of-order chunks are dropped from compaction',
] as const;

export type CompactorRunOutcome = 'success' | 'halted' | 'failed';

/**
 * A run's outcome from `thanos compact`'s exit code and output: 0 is success (whatever was logged); a non-zero
 * exit whose output carries a halt text is a halt (needs a person: it fails the same way every run); any other
 * non-zero exit (bucket errors, OOM kill, eviction) is a failure the next run may not repeat.
 */
export function classifyCompactorRun(exitCode: number, output: string): CompactorRunOutcome {
  if (exitCode === 0) return 'success';
  return COMPACTOR_HALT_TEXTS.some((text) => output.includes(text)) ? 'halted' : 'failed';
}
