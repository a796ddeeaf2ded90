import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { queueUrlOf, sqsRetryDelay } from '../../../lambdas/adapters/sqs-retry-delay';

describe('shortening the wait before an SQS record is received again', () => {
  it('derives the queue URL from the record ARN', () => {
    expect(queueUrlOf('arn:aws:sqs:eu-west-1:111111111111:greenlang-dev-alert-fanout')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/111111111111/greenlang-dev-alert-fanout',
    );
    expect(() => queueUrlOf('arn:aws:sns:eu-west-1:111111111111:topic')).toThrow(
      'not an SQS queue ARN: "arn:aws:sns:eu-west-1:111111111111:topic"',
    );
  });

  it("changes the record's visibility with its receipt handle on its own queue", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const record = {
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:fanout',
      receiptHandle: 'handle-1',
    } as SQSRecord;
    await sqsRetryDelay(new SQSClient({ region: 'eu-west-1' }))(record, 60);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/fanout',
        ReceiptHandle: 'handle-1',
        VisibilityTimeout: 60,
      },
    ]);
    sqs.restore();
  });
});
