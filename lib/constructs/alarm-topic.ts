import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
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
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    // CloudWatch publishes alarm notifications to the topic, so it needs the key (the AWS managed SNS key would not
    // let it): the key policy SNS documents for CloudWatch ("Enable compatibility between event sources from AWS
    // services and encrypted topics", sns-key-management.html).
    this.key.grant(cloudWatch, 'kms:GenerateDataKey*', 'kms:Decrypt');
    // And the topic's own policy must let it publish. A topic policy replaces SNS's default one (which admits the
    // account's principals, CloudWatch's alarms among them); enforceSSL writes such a policy holding only its Deny, so
    // without this Allow every alarm action failed ("not authorized to perform: SNS:Publish ... because no
    // resource-based policy allows the SNS:Publish action"), visible only in each alarm's history. Scoped to this
    // account's alarms in this region (the confused-deputy conditions of the SNS access-policy examples).
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
