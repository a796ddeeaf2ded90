import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { buildEncryptedTopic } from './secure-defaults';

export interface AlarmTopicProps {
  readonly topicName: string;
  /** Email addresses subscribed to the topic. @default none */
  readonly emailRecipients?: readonly string[];
  /** @default RemovalPolicy.RETAIN for the key */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/**
 * Where the ops layer's own CloudWatch alarms go (function errors, failed events): an SNS topic encrypted with a
 * customer-managed key that CloudWatch may use, TLS-only.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    ({ topic: this.topic, key: this.key } = buildEncryptedTopic(this, {
      topicName: props.topicName,
      emailRecipients: props.emailRecipients,
      keyRemovalPolicy: props.keyRemovalPolicy,
    }));
    // CloudWatch publishes alarm notifications to the topic, so it needs the key (the AWS managed SNS key
    // would not let it).
    this.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
  }
}
