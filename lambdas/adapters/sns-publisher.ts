/**
 * The one SNS publish adapter: a subject and a plain-text body to a topic (email subscriptions receive both).
 * Used by the alert email notifier, the bucket audit summary and the weekly summary. SDK errors pass through
 * unchanged (the email notifier classifies them).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** The publisher port. */
export interface SnsPublisher {
  publish(subject: string, body: string): Promise<{ readonly messageId: string }>;
}

/** The port as a caller that ignores the message id sees it (its fakes may resolve to nothing). */
export interface SnsPublishOnly {
  publish(subject: string, body: string): Promise<unknown>;
}

export function snsPublisher(client: SNSClient, topicArn: string): SnsPublisher {
  return {
    async publish(subject, body) {
      const result = await client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body }));
      return { messageId: result.MessageId ?? '' };
    },
  };
}
