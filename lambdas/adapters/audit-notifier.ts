/**
 * @deprecated Names kept for `lambdas/local/services/audit.ts` until its in-flight change (#19) lands: use
 * `SnsPublisher` / `snsPublisher` from `./sns-publisher`.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { type SnsPublisher, type SnsPublishOnly, snsPublisher } from './sns-publisher';

export type AuditNotifier = SnsPublishOnly;

export class SnsAuditNotifier implements SnsPublisher {
  readonly publish: SnsPublisher['publish'];
  constructor(sns: SNSClient, topicArn: string) {
    this.publish = snsPublisher(sns, topicArn).publish;
  }
}
