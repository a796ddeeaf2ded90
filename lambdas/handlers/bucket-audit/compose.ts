import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { type AuditMetricsSink, PowertoolsAuditMetrics } from '../../adapters/audit-metrics';
import { type Clock, systemClock } from '../../adapters/clock';
import type { Logger } from '../../adapters/logger';
import { S3AuditStore } from '../../adapters/s3-audit-store';
import { S3ThanosBucketReader } from '../../adapters/s3-thanos-bucket';
import { type SnsPublishOnly, snsPublisher } from '../../adapters/sns-publisher';
import type { bucketAuditEnv } from '../../contracts/bucket-audit';
import type { EnvValues } from '../../contracts/env';
import { type BucketAuditDeps, makeHandler } from './handler';

type BucketAuditEnv = EnvValues<typeof bucketAuditEnv.variables>;

/** What differs between the Lambda and `npm run local -- audit`: the clients, where the summary goes, the clock. */
export interface BucketAuditParts {
  readonly s3: S3Client;
  readonly notifier: SnsPublishOnly;
  /** @default no metrics */
  readonly metrics?: AuditMetricsSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The bucket audit's object graph, shared by the Lambda and `npm run local -- audit`. */
export function bucketAuditDeps(
  env: Omit<BucketAuditEnv, 'summaryTopicArn'>,
  parts: BucketAuditParts,
): BucketAuditDeps {
  return {
    thanos: new S3ThanosBucketReader(parts.s3, env.thanosBucket),
    store: new S3AuditStore(parts.s3, env.reportsBucket),
    notifier: parts.notifier,
    metrics: parts.metrics,
    bucket: env.thanosBucket,
    environment: env.environmentName,
    policy: env.retentionPolicy,
    clock: parts.clock,
    logger: parts.logger,
    readConcurrency: env.readConcurrency,
  };
}

/** The bucket audit in AWS. */
export function composeBucketAudit(env: BucketAuditEnv, logger: PowertoolsLogger, metrics: Metrics) {
  return makeHandler(
    bucketAuditDeps(env, {
      // 100k reads a run: a few more attempts than the default 3 ride out S3 throttling (SlowDown).
      s3: new S3Client({ maxAttempts: 5 }),
      notifier: snsPublisher(new SNSClient({}), env.summaryTopicArn),
      metrics: new PowertoolsAuditMetrics(metrics),
      clock: systemClock,
      logger,
    }),
  );
}
