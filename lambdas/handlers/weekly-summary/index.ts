import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { snsEmailPublisher } from '../../adapters/email-publisher';
import { s3ReportStore } from '../../adapters/report-store';
import { requireEnv } from '../../domain/capacity/capacity-config';
import { makeWeeklySummaryHandler, type WeeklySummaryEvent } from './handler';

const logger = new Logger();
const bucket = requireEnv(process.env, 'REPORTS_BUCKET');
const region = requireEnv(process.env, 'AWS_REGION');

const run = makeWeeklySummaryHandler({
  store: s3ReportStore(new S3Client({}), bucket),
  publisher: snsEmailPublisher(new SNSClient({}), requireEnv(process.env, 'SUMMARY_TOPIC_ARN')),
  environment: requireEnv(process.env, 'ENVIRONMENT_NAME'),
  now: () => new Date(),
  // The bucket is private: the console link opens the object for anyone with read access to it.
  reportUrl: (key) =>
    `https://${region}.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`,
  log: (message, extra) => logger.info(message, extra ?? {}),
});

export const handler = middy(async (event: WeeklySummaryEvent) => {
  const result = await run(event ?? {});
  return { messageId: result.messageId, subject: result.subject, malformedRecords: result.malformedRecords };
}).use(injectLambdaContext(logger));
