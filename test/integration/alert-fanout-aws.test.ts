/**
 * The AWS delivery function as deployed (lambdas/handlers/alert-delivery/index.ts: middy, Powertools secrets,
 * idempotency on DynamoDB, S3 history, SQS dead-letter queue) with the AWS SDK mocked at its boundary
 * (aws-sdk-client-mock) and Slack played by the local stand-in: a permanent 400 reaches the dead-letter queue after
 * exactly ONE Slack call and is not rethrown; a retryable failure is still reported for SQS to redeliver.
 */
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type SaasStandIn, startSlackStandIn } from '../../lib/devstack/saas-standins';
import { notification } from '../support/alerts';

const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/111111111111/greenlang-dev-alert-dead-letters';
const SECRET_NAME = 'greenlang-dev/slack-webhook-url';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const context = {
  functionName: 'alert-delivery',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:alert-delivery',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/alert-delivery',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 100_000,
} as unknown as Context;

const sqsRecord = (id: string, body: string, attributes: Record<string, string> = {}) =>
  ({
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:greenlang-dev-alert-queue',
    awsRegion: 'eu-west-1',
  }) as unknown as SQSEvent['Records'][number];

describe('alert delivery function (AWS handler, SDK mocked)', () => {
  let slack: SaasStandIn;
  let handler: Handler;
  const sqs = mockClient(SQSClient);
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBClient);
  const s3 = mockClient(S3Client);
  const saved = { ...process.env };
  let logs: string[] = [];
  let spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    slack = await startSlackStandIn();
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SLACK_WEBHOOK_SECRET_NAME: SECRET_NAME,
      IDEMPOTENCY_TABLE: 'greenlang-dev-alert-idempotency',
      REPORTS_BUCKET: 'gl-observability-reports-dev',
      DEAD_LETTER_QUEUE_URL: DLQ_URL,
      DELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/greenlang-dev-alert-fanout',
      DELIVERY_MAX_RECEIVE_COUNT: '5',
      POWERTOOLS_SERVICE_NAME: 'alert-delivery',
    });
    delete process.env.PAGERDUTY_ROUTING_KEY_SECRET_NAME;
    delete process.env.ALERT_EMAIL_TOPIC_ARN;
    // Powertools writes JSON log lines (INFO to stdout, WARN/ERROR to stderr): keep them, to check, unprinted.
    spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logs.push(String(chunk));
        return true;
      }),
    );
    ({ handler } = (await import('../../lambdas/handlers/alert-delivery/index')) as unknown as { handler: Handler });
  });

  beforeEach(() => {
    slack.reset();
    logs = [];
    for (const m of [sqs, secrets, dynamo, s3]) m.reset();
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_NAME }).resolves({ SecretString: slack.url });
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  });

  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    for (const m of [sqs, secrets, dynamo, s3]) m.restore();
    process.env = saved;
    await slack.stop();
  });

  it('sends a permanent Slack 400 to the dead-letter queue after ONE call, with the answer redacted, and does not rethrow', async () => {
    const path = new URL(slack.url).pathname;
    const token = path.split('/').at(-1) as string;
    slack.failNext({ status: 400, body: `invalid_token ${'z'.repeat(185)} ${path}` });
    const n = notification(1, { receiver: 'slack-warnings', groupKey: 'aws-permanent' });

    const response = await handler({ Records: [sqsRecord('m-1', JSON.stringify(n))] }, context);

    expect(response.batchItemFailures).toEqual([]);
    expect(slack.requests.map((r) => r.status)).toEqual([400]);
    const sends = sqs.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    const input = sends[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(DLQ_URL);
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual(n);
    expect(input?.MessageAttributes?.target?.StringValue).toBe('slack');
    expect(input?.MessageAttributes?.attempts?.StringValue).toBe('1');
    expect(input?.MessageAttributes?.answer?.StringValue).toMatch(/^HTTP 400 invalid_token z+/);
    const everything = [JSON.stringify(input), ...logs].join('\n');
    expect(logs.join('\n')).toContain('dead-lettered, not retried');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(-8));
    // History records the notification (delivered to nobody).
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("on the queue's last receive (DELIVERY_MAX_RECEIVE_COUNT), dead-letters a target still failing by name and lets the record go", async () => {
    slack.failNext(...Array.from({ length: 6 }, () => ({ status: 503, body: 'service_unavailable' })));
    const n = notification(1, { receiver: 'slack-warnings', groupKey: 'aws-last-receive' });
    const record = sqsRecord('m-3', JSON.stringify(n), { ApproximateReceiveCount: '5', SentTimestamp: '1000' });
    const response = await handler({ Records: [record] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const sends = sqs.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    const input = sends[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(DLQ_URL);
    expect(input?.MessageAttributes?.target?.StringValue).toBe('slack');
    expect(input?.MessageAttributes?.reason?.StringValue).toMatch(/^retries used up \(last receive\): /);
    expect(input?.MessageAttributes?.deadLetteredAt?.StringValue).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('fails a retryable failure for SQS to redeliver (as before), without dead-lettering it', async () => {
    slack.failNext(...Array.from({ length: 6 }, () => ({ status: 503, body: 'service_unavailable' })));
    const n = notification(1, { receiver: 'slack-warnings', groupKey: 'aws-retryable' });

    // A batch whose every record failed is failed whole (Powertools' FullBatchFailureError): SQS redelivers it,
    // and after maxReceiveCount receives the queue's redrive policy moves it to the dead-letter queue.
    await expect(handler({ Records: [sqsRecord('m-2', JSON.stringify(n))] }, context)).rejects.toThrow(
      'All records failed processing',
    );
    expect(slack.requests.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 503]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(logs.join('\n')).toContain('gave up after 6 attempts: HTTP 503 service_unavailable');
  });
});
