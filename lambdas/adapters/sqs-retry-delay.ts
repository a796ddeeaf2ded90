import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Makes a failed record visible again after `seconds` (instead of after the queue's visibility timeout). */
export type RetryDelay = (record: SQSRecord, seconds: number) => Promise<void>;

/**
 * The URL of the queue an SQS event record came from, from its ARN (`arn:<partition>:sqs:<region>:<account>:<name>`,
 * URL `https://sqs.<region>.amazonaws.com/<account>/<name>`, the SQS Developer Guide's "Queue and message
 * identifiers"). The SDK sends the request to its own regional endpoint whatever host the URL names.
 */
export function queueUrlOf(arn: string): string {
  const [, , service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) throw new Error(`not an SQS queue ARN: "${arn}"`);
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
}

/** `ChangeMessageVisibility` on the record's own queue, with its receipt handle (sqs:ChangeMessageVisibility). */
export function sqsRetryDelay(sqs: SQSClient): RetryDelay {
  return async (record, seconds) => {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlOf(record.eventSourceARN),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}
