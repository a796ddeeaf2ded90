import { parseRetentionPolicy } from '../domain/audit/policy';
import { envContract, parsedVar, positiveIntVar, stringVar } from './env';

/** The bucket audit's environment, set by the BucketAudit construct. */
export const bucketAuditEnv = envContract({
  thanosBucket: stringVar('THANOS_BUCKET'),
  reportsBucket: stringVar('REPORTS_BUCKET'),
  summaryTopicArn: stringVar('SUMMARY_TOPIC_ARN'),
  /** JSON of the retention table (the same table drives the lifecycle rules and the compactor flags). */
  retentionPolicy: parsedVar('RETENTION_POLICY', (text) => parseRetentionPolicy(text, 'RETENTION_POLICY')),
  environmentName: stringVar('ENVIRONMENT_NAME'),
  /** Object reads in flight. */
  readConcurrency: positiveIntVar('READ_CONCURRENCY', 32),
});
