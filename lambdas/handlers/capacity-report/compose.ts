import type { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { cloudWatchBucketSize } from '../../adapters/bucket-size';
import { systemClock } from '../../adapters/clock';
import { prometheusApi } from '../../adapters/prometheus-api';
import { s3ReportStore } from '../../adapters/report-store';
import type { capacityReportEnv } from '../../contracts/capacity-report';
import type { EnvValues } from '../../contracts/env';
import { makeCapacityReportHandler } from './handler';

/** The capacity report's object graph in AWS. */
export function composeCapacityReport(env: EnvValues<typeof capacityReportEnv.variables>, logger: Logger) {
  const config = env.capacityConfig;
  return makeCapacityReportHandler({
    prometheus: prometheusApi({ baseUrl: env.queryUrl }),
    store: s3ReportStore(new S3Client({}), env.reportsBucket),
    bucketSize: { source: cloudWatchBucketSize(new CloudWatchClient({})), bucketName: env.thanosBucket },
    environment: config.environment,
    sizing: config.sizing,
    retention: config.retention,
    now: systemClock,
    log: (message, extra) => logger.info(message, extra ?? {}),
  });
}
