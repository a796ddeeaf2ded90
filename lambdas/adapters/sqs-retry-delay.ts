import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Makes a failed record visible again after `seconds` (instead of after the queue's visibility timeout). */
export type RetryDelay = (record: SQSRecord, seconds: number) => Promise<void>;

/**
 * `ChangeMessageVisibility` on the consumed queue (its URL from the construct: the SDK sends the request to the
 * URL's own host, so it is not rebuilt from the record's ARN), with the record's receipt handle.
 */
export function sqsRetryDelay(sqs: SQSClient, queueUrl: string): RetryDelay {
  return async (record, seconds) => {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}
