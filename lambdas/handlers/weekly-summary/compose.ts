import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { systemClock } from '../../adapters/clock';
import { s3ReportStore } from '../../adapters/report-store';
import { snsPublisher } from '../../adapters/sns-publisher';
import type { EnvValues } from '../../contracts/env';
import type { weeklySummaryEnv } from '../../contracts/weekly-summary';
import { makeWeeklySummaryHandler } from './handler';

/** The weekly summary's object graph in AWS. */
export function composeWeeklySummary(
  env: EnvValues<typeof weeklySummaryEnv.variables>,
  region: string,
  logger: Logger,
) {
  const bucket = env.reportsBucket;
  return makeWeeklySummaryHandler({
    store: s3ReportStore(new S3Client({}), bucket),
    publisher: snsPublisher(new SNSClient({}), env.summaryTopicArn),
    environment: env.environmentName,
    now: systemClock,
    // The bucket is private: the console link opens the object for anyone with read access to it.
    reportUrl: (key) =>
      `https://${region}.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`,
    log: (message, extra) => logger.info(message, extra ?? {}),
  });
}
