/**
 * Bucket audit Lambda: middy + Powertools wiring. Clients are built once per container; configuration comes from
 * the environment the construct sets (THANOS_BUCKET, REPORTS_BUCKET, SUMMARY_TOPIC_ARN, RETENTION_POLICY,
 * ENVIRONMENT_NAME, READ_CONCURRENCY).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { PowertoolsAuditMetrics } from '../../adapters/audit-metrics';
import { SnsAuditNotifier } from '../../adapters/audit-notifier';
import { S3AuditStore } from '../../adapters/s3-audit-store';
import { S3ThanosBucketReader } from '../../adapters/s3-thanos-bucket';
import { parseRetentionPolicy } from '../../domain/audit/policy';
import { makeHandler } from './handler';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

const logger = new Logger();
const metrics = new Metrics();
// 100k reads a run: a few more attempts than the default 3 ride out S3 throttling (SlowDown).
const s3 = new S3Client({ maxAttempts: 5 });
const bucket = required('THANOS_BUCKET');
const concurrency = Number(process.env.READ_CONCURRENCY ?? '32');

const audit = makeHandler({
  thanos: new S3ThanosBucketReader(s3, bucket),
  store: new S3AuditStore(s3, required('REPORTS_BUCKET')),
  notifier: new SnsAuditNotifier(new SNSClient({}), required('SUMMARY_TOPIC_ARN')),
  metrics: new PowertoolsAuditMetrics(metrics),
  bucket,
  environment: process.env.ENVIRONMENT_NAME ?? 'unknown',
  policy: parseRetentionPolicy(process.env.RETENTION_POLICY),
  clock: () => new Date(),
  logger: {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
  },
  readConcurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 32,
});

export const handler = middy(audit).use(injectLambdaContext(logger)).use(logMetrics(metrics));
