/** Publishes the audit summary to SNS. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface AuditNotifier {
  publish(subject: string, message: string): Promise<void>;
}

export class SnsAuditNotifier implements AuditNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(subject: string, message: string): Promise<void> {
    await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject, Message: message }));
  }
}
