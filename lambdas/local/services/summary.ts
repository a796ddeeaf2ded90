import * as fs from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { directoryReportStore, type ReportStore, s3ReportStore } from '../../adapters/report-store';
import { snsPublisher } from '../../adapters/sns-publisher';
import { isTimeZone } from '../../domain/time-zone';
import { capacityQueryApi, composeCapacityReportWith } from '../../handlers/capacity-report/compose';
import { composeWeeklySummaryWith } from '../../handlers/weekly-summary/compose';
import { awsClientConfig } from '../aws';
import { type LocalService, parseFlags, UsageError } from '../service';
import { LOCAL_CAPACITY_CONFIG, parseNow, parseQueryUrl, requireReachable } from './capacity';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):[0-9]{12}:[A-Za-z0-9_-]{1,256}$/;

/** `--reports`: an existing directory, `s3://bucket[/]`, or a bucket name. */
export function reportStoreFor(spec: string, region: string): ReportStore {
  if (spec.startsWith('s3://')) {
    const bucket = spec.slice(5).replace(/\/+$/, '');
    if (!bucket || bucket.includes('/'))
      throw new UsageError(`--reports: expected s3://BUCKET, got ${JSON.stringify(spec)}`);
    return s3Store(bucket, region);
  }
  if (fs.existsSync(spec)) {
    if (!fs.statSync(spec).isDirectory()) throw new UsageError(`--reports: not a directory: ${spec}`);
    return directoryReportStore(spec);
  }
  if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(spec)) return s3Store(spec, region);
  throw new UsageError(`--reports: neither an existing directory nor a bucket name: ${JSON.stringify(spec)}`);
}

function s3Store(bucket: string, region: string): ReportStore {
  return s3ReportStore(new S3Client(awsClientConfig('S3', { region, endpointFlag: 'AWS_ENDPOINT_URL_S3' })), bucket);
}

export const service: LocalService = {
  name: 'summary',
  summary: 'Weekly email summary: alert history, audit findings, capacity headline, published through SNS',
  usage:
    '--query-url URL --topic-arn ARN --reports DIR_OR_BUCKET [--now ISO] [--time-zone ZONE]\n' +
    '  --query-url  Prometheus HTTP API base URL (for a live capacity report when none is stored from this week)\n' +
    '  --topic-arn  SNS topic to publish to (AWS_ENDPOINT_URL_SNS points the client at a local SNS)\n' +
    '  --reports    where alert history and audit reports are: s3://BUCKET or a bucket name (AWS_ENDPOINT_URL_S3\n' +
    "               for a local S3, e.g. npm start's: source .local/aws.env), or a directory laid out like the bucket\n" +
    '  --now        summarise the week before this time (default: now)\n' +
    '  --time-zone  IANA time zone the week is counted in: seven calendar days there (default: UTC)',
  async run(argv, output) {
    const values = parseFlags(argv, {
      'query-url': { type: 'string' },
      'topic-arn': { type: 'string' },
      reports: { type: 'string' },
      now: { type: 'string' },
      'time-zone': { type: 'string' },
    });
    const timeZone = values['time-zone'] ?? 'UTC';
    if (!isTimeZone(timeZone)) throw new UsageError(`--time-zone: not an IANA time zone: ${JSON.stringify(timeZone)}`);
    const baseUrl = parseQueryUrl(values['query-url']);
    const topicArn = values['topic-arn'];
    if (!topicArn) throw new UsageError('--topic-arn is required');
    const region = TOPIC_ARN.exec(topicArn)?.[1];
    if (!region) throw new UsageError(`--topic-arn: not an SNS topic ARN: ${JSON.stringify(topicArn)}`);
    const now = parseNow(values.now);
    if (!values.reports) {
      throw new UsageError(
        "--reports is required: the reports bucket (s3://BUCKET; npm start's is s3://greenlang-local-reports) or a directory laid out like it",
      );
    }
    const store = reportStoreFor(values.reports, region);
    const prometheus = capacityQueryApi({ queryUrl: baseUrl });
    await requireReachable(prometheus, baseUrl);

    // The Lambdas' graphs (compose.ts), with the local store, topic and clock, and a live capacity report.
    const clock = () => now ?? new Date();
    const capacity = composeCapacityReportWith(prometheus, LOCAL_CAPACITY_CONFIG, { store, now: clock });
    const run = composeWeeklySummaryWith(
      { environmentName: LOCAL_CAPACITY_CONFIG.environment, timeZone },
      snsPublisher(new SNSClient(awsClientConfig('SNS', { region, endpointFlag: 'AWS_ENDPOINT_URL_SNS' })), topicArn),
      {
        store,
        now: clock,
        reportUrl: (key) => store.location(key),
        liveCapacity: async (at) => {
          const result = await capacity({ now: at.toISOString() });
          return { headline: result.report.headline, htmlKey: result.htmlKey };
        },
        log: (message, extra) => output.info(`${message} ${JSON.stringify(extra ?? {})}`),
      },
    );
    const result = await run({});
    output.result({
      topicArn,
      messageId: result.messageId,
      subject: result.subject,
      body: result.body,
      from: result.from,
      to: result.to,
      malformedRecords: result.malformedRecords,
      alerts: result.stats,
      savedAs: store.location(result.savedAs),
    });
  },
};
