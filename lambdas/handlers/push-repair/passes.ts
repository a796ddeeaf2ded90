import type { Context } from 'aws-lambda';
import type { Logger } from '../../adapters/logger';
import type { RepairReport } from './repair';

export interface PassTiming {
  /** Time between the starts of two repair passes within one invocation. */
  readonly passIntervalMs: number;
  /** Stop starting passes when less than this is left of the invocation. */
  readonly reserveMs: number;
  /**
   * Stop starting passes once the invocation has run this long, whatever its timeout: with the last pass (up to a
   * replica timeout of 5 s per request) it ends before the next minute's event, so the schedule never queues
   * events behind a busy function (reserved concurrency 1), which Lambda would retry for hours.
   */
  readonly maxRunMs: number;
}

export const PASS_TIMING: PassTiming = { passIntervalMs: 2000, reserveMs: 15_000, maxRunMs: 45_000 };

export interface RepairSummary {
  passes: number;
  synced: number;
  deferred: number;
  restarted: string[];
  removedStray: number;
  /** Groups restarted replicas were found holding as recorded (not rewritten). */
  confirmed: number;
  collected: number;
  /** Records cut back because they conflicted with earlier commits of another instance (group-conflicts.ts). */
  resolved: number;
  unreachable: string[];
}

/**
 * One scheduled invocation (every minute, one at a time: reserved concurrency 1). Runs a repair pass every 2 s for
 * 45 s (or until the invocation nears its end), so a restarted replica is resynchronised within seconds, not a
 * minute, and the run is over before the next one is due.
 */
export async function runRepairPasses(
  repair: () => Promise<RepairReport>,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  logger: Pick<Logger, 'info'>,
  timing: PassTiming = PASS_TIMING,
): Promise<RepairSummary> {
  const total: RepairSummary = {
    passes: 0,
    synced: 0,
    deferred: 0,
    restarted: [],
    removedStray: 0,
    confirmed: 0,
    collected: 0,
    resolved: 0,
    unreachable: [],
  };
  let unreachableThroughout: string[] | undefined;
  const startedWith = context.getRemainingTimeInMillis();
  for (
    let left = startedWith;
    left > timing.reserveMs && startedWith - left < timing.maxRunMs;
    left = context.getRemainingTimeInMillis()
  ) {
    const started = Date.now();
    const report = await repair();
    total.passes++;
    total.synced += report.synced;
    total.deferred += report.deferred;
    total.restarted.push(...report.restarted);
    total.removedStray += report.removedStray;
    total.confirmed += report.confirmed;
    total.collected += report.collected;
    total.resolved += report.resolved;
    total.unreachable = report.unreachable;
    unreachableThroughout = (unreachableThroughout ?? report.unreachable).filter((r) => report.unreachable.includes(r));
    const wait = timing.passIntervalMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  logger.info('repair passes done', { ...total });
  // Fails the invocation (the function's error alarm) when a replica could not be reached in any pass: it is
  // serving stale data or none, and the repair cannot bring it back by itself.
  if (unreachableThroughout && unreachableThroughout.length > 0) {
    throw new Error(
      `Pushgateway replicas unreachable for a whole repair invocation: ${unreachableThroughout.join(', ')}`,
    );
  }
  return total;
}
