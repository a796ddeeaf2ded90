import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { cloudWatchBucketSize } from '../../adapters/bucket-size';
import { prometheusApi } from '../../adapters/prometheus-api';
import { s3ReportStore } from '../../adapters/report-store';
import { parseCapacityConfig, requireEnv } from '../../domain/capacity/capacity-config';
import { type CapacityReportEvent, makeCapacityReportHandler } from './handler';

const logger = new Logger();
const config = parseCapacityConfig(requireEnv(process.env, 'CAPACITY_CONFIG'));

const run = makeCapacityReportHandler({
  prometheus: prometheusApi({ baseUrl: requireEnv(process.env, 'QUERY_URL') }),
  store: s3ReportStore(new S3Client({}), requireEnv(process.env, 'REPORTS_BUCKET')),
  bucketSize: {
    source: cloudWatchBucketSize(new CloudWatchClient({})),
    bucketName: requireEnv(process.env, 'THANOS_BUCKET'),
  },
  environment: config.environment,
  sizing: config.sizing,
  retention: config.retention,
  now: () => new Date(),
  log: (message, extra) => logger.info(message, extra ?? {}),
});

export const handler = middy(async (event: CapacityReportEvent) => {
  const result = await run(event ?? {});
  return { headline: result.report.headline, recommendations: result.report.recommendations, written: result.written };
}).use(injectLambdaContext(logger));
