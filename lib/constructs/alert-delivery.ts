import { Aws, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alertDeliveryEnv } from '../../lambdas/contracts/alert-delivery';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import { SQS_MAX_MESSAGE_BYTES } from '../../lambdas/domain/sqs';
import type { EnvironmentConfig, EnvironmentName } from '../config';
import { secretName } from '../naming';
import { handlerEntry } from '../paths';
import { messagesWaitingAlarm } from './alarms';
import { type FunctionDefaults, functionDefaults, ObservabilityFunction } from './observability-function';
import { buildEncryptedTopic, buildQueueWithDeadLetter } from './secure-defaults';

/** The delivery function's share of a queue: records per invocation and invocations at once. */
export const DELIVERY_BATCH = { size: 5, concurrency: 2 } as const;

export interface AlertDeliveryProps extends FunctionDefaults {
  readonly environment: EnvironmentName;
  /** `config.alerting`: Slack on/off, PagerDuty on/off, critical email and its recipients. */
  readonly alerting: EnvironmentConfig['alerting'];
  /** The reports bucket's name (a literal); alert history goes under `alert-history/`. */
  readonly reportsBucketName: string;
  /** The reports bucket's key (the delivery function encrypts history objects with it). */
  readonly reportsKey: kms.IKey;
  /** Of the idempotency table and the email topic's key. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Receives of a notification that failed retryably before it goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/** Seconds the delivery function may run: several Slack messages, each with up to 20 s of retries. */
const DELIVERY_TIMEOUT = Duration.minutes(2);

/**
 * The delivery half of the alert fan-out: a queue of validated notifications drained with partial batch failures
 * by a function that delivers to Slack, PagerDuty (when enabled) and SNS email (when enabled) through one retry
 * stage, idempotently (DynamoDB, 2 h window per target), in each group's order, recording each notification as alert history. A permanent refusal
 * is sent to the dead-letter queue at once by the function (with the vendor's redacted answer as attributes); a
 * retryable failure goes there after `maxReceiveCount` receives. Either way the dead-letter alarm fires.
 */
export class AlertDelivery extends Construct {
  public readonly delivery: ObservabilityFunction;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /** ≥ 1 message visible in the dead-letter queue (a permanent refusal, or retries used up). */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly oldestMessageAlarm: cloudwatch.Alarm;
  public readonly idempotencyTable: dynamodb.Table;
  /** The critical-alert email topic, when `alerting.email.criticalAlerts` is on. */
  public readonly emailTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertDeliveryProps) {
    super(scope, id);
    const { alerting, environment } = props;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`AlertFanout ${scope.node.id}: maxReceiveCount must be 1..1000, got ${maxReceiveCount}`);
    }
    if (alerting.email.criticalAlerts && alerting.email.recipients.length === 0) {
      throw new Error(`AlertFanout ${scope.node.id}: alerting.email.criticalAlerts needs at least one recipient`);
    }
    if (
      Token.isUnresolved(props.reportsBucketName) ||
      !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.reportsBucketName)
    ) {
      throw new Error(
        `AlertFanout ${scope.node.id}: reportsBucketName must be a literal S3 bucket name, got "${props.reportsBucketName}"`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = buildQueueWithDeadLetter(this, {
      maxReceiveCount,
      queueProps: {
        // AWS: at least six times the function timeout, so retries of a batch do not overlap a running one.
        visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6),
        retentionPeriod: Duration.days(4),
        maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      },
    }));

    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    const secrets: secretsmanager.ISecret[] = [];
    let slack: secretsmanager.ISecret | undefined;
    let pagerDuty: secretsmanager.ISecret | undefined;
    if (alerting.slack.enabled) {
      slack = secretsmanager.Secret.fromSecretNameV2(
        this,
        'SlackWebhookUrl',
        secretName(environment, 'slack-webhook-url'),
      );
      secrets.push(slack);
    }
    if (alerting.pagerduty.enabled) {
      pagerDuty = secretsmanager.Secret.fromSecretNameV2(
        this,
        'PagerDutyRoutingKey',
        secretName(environment, 'pagerduty-routing-key'),
      );
      secrets.push(pagerDuty);
    }
    if (alerting.email.criticalAlerts) {
      this.emailTopic = buildEncryptedTopic(this, {
        idPrefix: 'Email',
        topicName: `greenlang-${environment}-critical-alerts`,
        emailRecipients: alerting.email.recipients,
        keyRemovalPolicy: removalPolicy,
      }).topic;
    }
    this.delivery = new ObservabilityFunction(this, 'Delivery', {
      ...functionDefaults(props),
      entry: handlerEntry('alert-delivery'),
      serviceName: 'alert-delivery',
      description: 'Delivers queued Alertmanager notifications to Slack, PagerDuty and email; records alert history',
      timeout: DELIVERY_TIMEOUT,
      environment: alertDeliveryEnv.render({
        reportsBucket: props.reportsBucketName,
        idempotencyTable: this.idempotencyTable.tableName,
        deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
        deliveryQueueUrl: this.queue.queueUrl,
        maxReceiveCount: String(maxReceiveCount),
        slackWebhookSecretName: slack?.secretName,
        pagerDutyRoutingKeySecretName: pagerDuty?.secretName,
        alertEmailTopicArn: this.emailTopic?.topicArn,
      }),
    });
    for (const secret of secrets) secret.grantRead(this.delivery.role);
    if (this.emailTopic) {
      this.emailTopic.grantPublish(this.delivery.role);
      Validations.of(this.delivery.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "Publishing to the KMS-encrypted critical-alerts topic: SNS's grantPublish allows kms:GenerateDataKey* on that topic's own key only.",
      });
    }
    // Exactly the calls made: Powertools' idempotency layer (DynamoDBPersistenceLayer: Get, Put, Update, Delete of
    // one item) and the order guard (notification-order.ts: a conditional Update). No Scan, Query or batch reads.
    this.idempotencyTable.grant(
      this.delivery.role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    // Permanent refusals are dead-lettered by the function itself, at once.
    this.deadLetterQueue.grantSendMessages(this.delivery.role);
    const historyObjects = `arn:${Aws.PARTITION}:s3:::${props.reportsBucketName}/${REPORT_PREFIXES.alertHistory}*`;
    this.delivery.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [historyObjects] }));
    // SSE-KMS PutObject: S3 asks KMS for a data key (GenerateDataKey); kms:Encrypt is never needed.
    props.reportsKey.grant(this.delivery.role, 'kms:GenerateDataKey');
    Validations.of(this.delivery.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${props.reportsBucketName}/${REPORT_PREFIXES.alertHistory}*]`,
      reason:
        'Alert history: one new object per notification, so PutObject on the alert-history/ prefix only (no read, no delete).',
    });
    this.delivery.function.addEventSource(
      new eventSources.SqsEventSource(this.queue, {
        // Slack takes ~1 message/s per webhook: a few concurrent deliveries, not a burst of hundreds. Powertools'
        // BatchProcessor delivers a batch's records in parallel (BasePartialProcessor: `processInParallel ?? true`),
        // so at most batchSize x maxConcurrency = 10 are in flight (10 x 5 = 50 before). SQS's minimum concurrency is 2.
        batchSize: DELIVERY_BATCH.size,
        reportBatchItemFailures: true,
        maxConcurrency: DELIVERY_BATCH.concurrency,
      }),
    );

    this.deadLetterAlarm = messagesWaitingAlarm(this, 'DeadLettersAlarm', {
      queue: this.deadLetterQueue,
      period: Duration.minutes(1),
      description: `alert fan-out (${environment}): notifications could not be delivered and wait in the dead-letter queue (refused for good, or retries used up): see its messages' target/reason/answer attributes`,
      topic: props.alarmTopic,
    });
    this.oldestMessageAlarm = this.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'DeliveryLagAlarm', {
        alarmDescription: `alert fan-out (${environment}): a notification has waited over 5 minutes for delivery`,
        threshold: 300,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.oldestMessageAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }
}
