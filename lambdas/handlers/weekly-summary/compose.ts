import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { systemClock } from '../../adapters/clock';
import { s3ReportStore } from '../../adapters/report-store';
import { type SnsPublisher, snsPublisher } from '../../adapters/sns-publisher';
import type { EnvValues } from '../../contracts/env';
import type { weeklySummaryEnv } from '../../contracts/weekly-summary';
import { makeWeeklySummaryHandler, type WeeklySummaryDeps } from './handler';

type WeeklySummaryEnv = EnvValues<typeof weeklySummaryEnv.variables>;

/**
 * What differs between the Lambda and `npm run local -- summary`: the report store and its links, the clock, the
 * log, and (locally) a live capacity report when none is stored from the week.
 */
export type WeeklySummaryParts = Pick<WeeklySummaryDeps, 'store' | 'reportUrl' | 'now' | 'liveCapacity' | 'log'>;

/** The weekly summary's object graph, shared by the Lambda and `npm run local -- summary`. */
export function composeWeeklySummaryWith(
  env: Pick<WeeklySummaryEnv, 'environmentName' | 'timeZone'>,
  publisher: SnsPublisher,
  parts: WeeklySummaryParts,
) {
  return makeWeeklySummaryHandler({ publisher, environment: env.environmentName, timeZone: env.timeZone, ...parts });
}

/** The weekly summary in AWS. */
export function composeWeeklySummary(env: WeeklySummaryEnv, region: string, logger: Logger) {
  const bucket = env.reportsBucket;
  return composeWeeklySummaryWith(env, snsPublisher(new SNSClient({}), env.summaryTopicArn), {
    store: s3ReportStore(new S3Client({}), bucket),
    now: systemClock,
    // The bucket is private: the console link opens the object for anyone with read access to it.
    reportUrl: (key) =>
      `https://${region}.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`,
    log: (message, extra) => logger.info(message, extra ?? {}),
  });
}
