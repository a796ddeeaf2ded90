/**
 * `npm run -s local -- audit --bucket NAME --report-bucket NAME [--s3-endpoint URL | --region R] [--now ISO]`: one
 * bucket audit against an S3-compatible endpoint (path-style), or real AWS in the region given, with the same handler
 * code as the Lambda. Prints the report JSON on stdout; writes it and the audit state to the report bucket like the
 * Lambda does.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { type SnsPublishOnly, snsPublisher } from '../../adapters/sns-publisher';
import { parseRetentionPolicy } from '../../domain/audit/policy';
import { SEED_RETENTION_POLICY } from '../../domain/retention';
import { bucketAuditDeps } from '../../handlers/bucket-audit/compose';
import { runAudit } from '../../handlers/bucket-audit/handler';
import { awsClientConfig } from '../aws';
import { type LocalOutput, type LocalService, parseFlags, UsageError } from '../service';

const USAGE =
  '--bucket NAME --report-bucket NAME [--s3-endpoint URL | --region R] [--now ISO] [--topic-arn ARN] [--environment NAME] [--concurrency N]\n' +
  '  --s3-endpoint   S3-compatible endpoint, path-style (default: $AWS_ENDPOINT_URL_S3, then $AWS_ENDPOINT_URL)\n' +
  '  --region        without an endpoint: real AWS in this region (default: $AWS_REGION; one of the two is required)\n' +
  '  --now           the audit clock, ISO 8601 (default: now)\n' +
  '  --topic-arn     publish the summary to this SNS topic ($AWS_ENDPOINT_URL_SNS is honoured); default: stderr\n' +
  '  The retention table is $RETENTION_POLICY (JSON) if set, else the seed table.';

function options(argv: readonly string[]) {
  return parseFlags(argv, {
    bucket: { type: 'string' },
    'report-bucket': { type: 'string' },
    's3-endpoint': { type: 'string' },
    region: { type: 'string' },
    now: { type: 'string' },
    'topic-arn': { type: 'string' },
    environment: { type: 'string' },
    concurrency: { type: 'string' },
  });
}

export const service: LocalService = {
  name: 'audit',
  summary: 'Audits a Thanos bucket once, read-only, and prints the report JSON',
  usage: USAGE,
  async run(argv: readonly string[], output: LocalOutput): Promise<void> {
    const values = options(argv);
    const bucket = values.bucket;
    const reportBucket = values['report-bucket'];
    if (!bucket) throw new UsageError('--bucket is required');
    if (!reportBucket) throw new UsageError('--report-bucket is required');
    if (bucket === reportBucket)
      throw new UsageError('--report-bucket must differ from --bucket (the audit never writes there)');
    const endpoint = values['s3-endpoint'];
    if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
      throw new UsageError(`--s3-endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
    }
    if (values.region === '') throw new UsageError('--region must not be empty');
    let now = new Date();
    if (values.now !== undefined) {
      now = new Date(values.now);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(values.now) || Number.isNaN(now.getTime())) {
        throw new UsageError(
          `--now must be an ISO 8601 time like 2026-11-24T05:00:00Z, got ${JSON.stringify(values.now)}`,
        );
      }
    }
    const concurrency = values.concurrency === undefined ? 32 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new UsageError(`--concurrency must be a whole number 1..256, got ${JSON.stringify(values.concurrency)}`);
    }
    const policy = process.env.RETENTION_POLICY
      ? parseRetentionPolicy(process.env.RETENTION_POLICY)
      : SEED_RETENTION_POLICY;

    const s3Config = awsClientConfig('S3', { endpoint, region: values.region, endpointFlag: '--s3-endpoint' });
    const s3 = new S3Client(s3Config);
    const topicArn = values['topic-arn'];
    const notifier: SnsPublishOnly = topicArn
      ? snsPublisher(
          new SNSClient(awsClientConfig('SNS', { region: s3Config.region, endpointFlag: 'AWS_ENDPOINT_URL_SNS' })),
          topicArn,
        )
      : { publish: async (subject, message) => output.info(`summary (not published): ${subject}\n${message}`) };

    const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
      output.info(JSON.stringify({ level, message, ...extra }));
    // The Lambda's graph (compose.ts), with local clients, the summary on stderr without a topic, and no metrics.
    const deps = bucketAuditDeps(
      {
        thanosBucket: bucket,
        reportsBucket: reportBucket,
        environmentName: values.environment ?? 'local',
        retentionPolicy: policy,
        readConcurrency: concurrency,
      },
      { s3, notifier, clock: () => now, logger: { info: log('INFO'), warn: log('WARN') } },
    );
    const report = await runAudit(deps);
    output.result(report);
  },
};
