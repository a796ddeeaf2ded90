/**
 * What each compactor run pushes to the Pushgateway, and what the compactor alerts are built on. A CronJob is
 * not scrapable between runs (an `absent(up)` alert would fire all the time), so the run result is pushed.
 *
 * The CronJob pushes these with grouping key `job=${COMPACTOR_PUSH_JOB}` to every Pushgateway replica: at start a
 * POST of the start timestamp only (the previous run's results stay visible; start > end means "running"), at the
 * end a PUT replacing the group with everything (lib/k8s/compactor-script.ts).
 */
export const COMPACTOR_PUSH_JOB = 'thanos-compactor';

export const COMPACTOR_METRICS = {
  /** Unix seconds the last run started. */
  lastRunStart: 'greenlang_thanos_compactor_last_run_start_timestamp_seconds',
  /** Unix seconds the last run ended (success or not). */
  lastRunEnd: 'greenlang_thanos_compactor_last_run_end_timestamp_seconds',
  /** Unix seconds of the last successful run (carried over from the previous push when the run fails). */
  lastSuccess: 'greenlang_thanos_compactor_last_success_timestamp_seconds',
  /** 1 if the last run exited 0, else 0. */
  lastRunSuccess: 'greenlang_thanos_compactor_last_run_success',
  /** 1 if the last run halted (`thanos_compact_halted 1`, e.g. overlapping blocks), else 0. */
  halted: 'greenlang_thanos_compactor_halted',
  /** Seconds the last run took. */
  lastRunDuration: 'greenlang_thanos_compactor_last_run_duration_seconds',
} as const;
