import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { PowertoolsAuditMetrics } from '../../adapters/audit-metrics';
import { systemClock } from '../../adapters/clock';
import { S3AuditStore } from '../../adapters/s3-audit-store';
import { S3ThanosBucketReader } from '../../adapters/s3-thanos-bucket';
import { snsPublisher } from '../../adapters/sns-publisher';
import type { bucketAuditEnv } from '../../contracts/bucket-audit';
import type { EnvValues } from '../../contracts/env';
import { makeHandler } from './handler';

/** The bucket audit's object graph in AWS. */
export function composeBucketAudit(env: EnvValues<typeof bucketAuditEnv.variables>, logger: Logger, metrics: Metrics) {
  // 100k reads a run: a few more attempts than the default 3 ride out S3 throttling (SlowDown).
  const s3 = new S3Client({ maxAttempts: 5 });
  return makeHandler({
    thanos: new S3ThanosBucketReader(s3, env.thanosBucket),
    store: new S3AuditStore(s3, env.reportsBucket),
    notifier: snsPublisher(new SNSClient({}), env.summaryTopicArn),
    metrics: new PowertoolsAuditMetrics(metrics),
    bucket: env.thanosBucket,
    environment: env.environmentName,
    policy: env.retentionPolicy,
    clock: systemClock,
    logger,
    readConcurrency: env.readConcurrency,
  });
}
