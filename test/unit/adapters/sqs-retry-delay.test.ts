import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsRetryDelay } from '../../../lambdas/adapters/sqs-retry-delay';

describe('shortening the wait before an SQS record is received again', () => {
  it("changes the record's visibility with its receipt handle on the queue the construct named", async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const record = {
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:fanout',
      receiptHandle: 'handle-1',
    } as SQSRecord;
    const url = 'https://sqs.cn-north-1.amazonaws.com.cn/111111111111/fanout';
    await sqsRetryDelay(new SQSClient({ region: 'eu-west-1' }), url)(record, 60);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: 'https://sqs.cn-north-1.amazonaws.com.cn/111111111111/fanout',
        ReceiptHandle: 'handle-1',
        VisibilityTimeout: 60,
      },
    ]);
    sqs.restore();
  });
});
