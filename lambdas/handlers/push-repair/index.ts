import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { pushDependencies } from '../push-ingest/dependencies';
import { readPushEnvironment } from '../push-ingest/env';
import { makeRepair, type RepairReport } from '../push-ingest/handler';

const logger = new Logger();
const env = readPushEnvironment(process.env);
const { replicas, journal, logger: log } = pushDependencies(env, logger);
const repair = makeRepair({ replicas, journal, logger: log });

/** Seconds between repair passes within one invocation (the schedule starts one invocation a minute). */
const PASS_INTERVAL_MS = 5000;
/** Stop starting passes when less than this is left of the invocation. */
const RESERVE_MS = 12_000;

/**
 * Scheduled every minute (one at a time: reserved concurrency 1). Runs a repair pass every 5 s until the
 * invocation nears its end, so a recovered replica is back in step within seconds, not a minute.
 */
async function repairHandler(_event: unknown, context: Context): Promise<RepairReport> {
  const total = { replayed: 0, dropped: 0, reconciled: 0, behind: [] as string[] };
  while (context.getRemainingTimeInMillis() > RESERVE_MS + PASS_INTERVAL_MS) {
    const report = await repair();
    total.replayed += report.replayed;
    total.dropped += report.dropped;
    total.reconciled += report.reconciled;
    total.behind = report.behind;
    await new Promise((r) => setTimeout(r, PASS_INTERVAL_MS));
  }
  logger.info('repair passes done', { ...total });
  if (total.dropped > 0) throw new Error(`${total.dropped} journaled pushes were refused by a replica and dropped`);
  return total;
}

export const handler = middy(repairHandler).use(injectLambdaContext(logger));
