/** Publishes a plain-text email through an SNS topic (email subscriptions receive Subject and Message). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface EmailPublisher {
  publish(subject: string, body: string): Promise<{ readonly messageId: string }>;
}

export function snsEmailPublisher(client: SNSClient, topicArn: string): EmailPublisher {
  return {
    async publish(subject, body) {
      const result = await client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body }));
      return { messageId: result.MessageId ?? '' };
    },
  };
}
