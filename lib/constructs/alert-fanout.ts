import { Aws, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import type { EnvironmentConfig, EnvironmentName } from '../config';
import { secretName } from '../naming';
import { handlerEntry } from '../paths';
import { messagesWaitingAlarm } from './alarms';
import { ObservabilityFunction, type PowertoolsLogLevel } from './observability-function';
import type { RuntimeLayer } from './runtime-layer';

export interface AlertFanoutProps {
  readonly environment: EnvironmentName;
  /** `config.alerting`: Slack on/off, PagerDuty on/off, critical email and its recipients. */
  readonly alerting: EnvironmentConfig['alerting'];
  readonly runtimeLayer: RuntimeLayer;
  /** Where the fan-out's own alarms go (function errors, dead letters, stuck queue). */
  readonly alarmTopic: sns.ITopic;
  /**
   * The reports bucket's name (a literal, see `reportsBucketName`); alert history goes under `alert-history/`.
   * A name rather than the bucket: the write permission names the exact prefix ARN.
   */
  readonly reportsBucketName: string;
  /** The reports bucket's key (the delivery function encrypts history objects with it). */
  readonly reportsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: PowertoolsLogLevel;
  /** Of the idempotency table and the email topic's key. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Webhook throttling (Alertmanager sends little; this bounds abuse). @default 20 req/s, burst 40 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Receives of a notification before it goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/** Seconds the delivery function may run: several Slack messages, each with up to 20 s of retries. */
const DELIVERY_TIMEOUT = Duration.minutes(2);

/**
 * The alert fan-out: Alertmanager's webhook (HTTP API `POST /alerts`, bearer token from Secrets Manager) validates
 * and enqueues fast; a delivery function drains the queue with partial batch failures to Slack, PagerDuty (when
 * enabled) and SNS email (when enabled), idempotently (DynamoDB, 90 s window), recording each notification as
 * alert history in the reports bucket. Undeliverable notifications land in a dead-letter queue with an alarm.
 */
export class AlertFanout extends Construct {
  public readonly api: apigwv2.HttpApi;
  /** The `$default` stage: throttling and access logs. */
  public readonly stage: apigwv2.HttpStage;
  /** The URL Alertmanager's webhook_configs point at: the API endpoint + `/alerts`. */
  public readonly alertWebhookUrl: string;
  public readonly webhook: ObservabilityFunction;
  public readonly delivery: ObservabilityFunction;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly oldestMessageAlarm: cloudwatch.Alarm;
  public readonly idempotencyTable: dynamodb.Table;
  /** The critical-alert email topic, when `alerting.email.criticalAlerts` is on. */
  public readonly emailTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertFanoutProps) {
    super(scope, id);
    const { alerting, environment } = props;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`AlertFanout ${id}: maxReceiveCount must be 1..1000, got ${maxReceiveCount}`);
    }
    if (alerting.email.criticalAlerts && alerting.email.recipients.length === 0) {
      throw new Error(`AlertFanout ${id}: alerting.email.criticalAlerts needs at least one recipient`);
    }
    if (
      Token.isUnresolved(props.reportsBucketName) ||
      !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.reportsBucketName)
    ) {
      throw new Error(
        `AlertFanout ${id}: reportsBucketName must be a literal S3 bucket name, got "${props.reportsBucketName}"`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const common = {
      runtimeLayer: props.runtimeLayer,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
    };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS: at least six times the function timeout, so retries of a batch do not overlap a running one.
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // 1 MiB, SQS's maximum: the webhook answers 413 above it (pointing at Alertmanager's max_alerts).
      maxMessageSizeBytes: 1_048_576,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // --- webhook: authenticate, validate, enqueue --------------------------------------------------------------
    const tokenSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'WebhookToken',
      secretName(environment, 'alert-webhook-token'),
    );
    this.webhook = new ObservabilityFunction(this, 'Webhook', {
      ...common,
      entry: handlerEntry('alert-webhook'),
      serviceName: 'alert-webhook',
      description: 'Alertmanager webhook: checks the bearer token, validates, enqueues for delivery',
      timeout: Duration.seconds(10),
      environment: { TOKEN_SECRET_NAME: tokenSecret.secretName, DELIVERY_QUEUE_URL: this.queue.queueUrl },
    });
    tokenSecret.grantRead(this.webhook.role);
    this.queue.grantSendMessages(this.webhook.role);

    // --- delivery: Slack, PagerDuty, email, history ------------------------------------------------------------
    const deliveryEnv: Record<string, string> = {
      REPORTS_BUCKET: props.reportsBucketName,
      IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
    };
    const secrets: secretsmanager.ISecret[] = [];
    if (alerting.slack.enabled) {
      const slack = secretsmanager.Secret.fromSecretNameV2(
        this,
        'SlackWebhookUrl',
        secretName(environment, 'slack-webhook-url'),
      );
      deliveryEnv.SLACK_WEBHOOK_SECRET_NAME = slack.secretName;
      secrets.push(slack);
    }
    if (alerting.pagerduty.enabled) {
      const pd = secretsmanager.Secret.fromSecretNameV2(
        this,
        'PagerDutyRoutingKey',
        secretName(environment, 'pagerduty-routing-key'),
      );
      deliveryEnv.PAGERDUTY_ROUTING_KEY_SECRET_NAME = pd.secretName;
      secrets.push(pd);
    }
    if (alerting.email.criticalAlerts) {
      const key = new kms.Key(this, 'EmailKey', {
        description: `Encrypts the greenlang-${environment}-critical-alerts topic`,
        enableKeyRotation: true,
        removalPolicy,
      });
      this.emailTopic = new sns.Topic(this, 'EmailTopic', {
        topicName: `greenlang-${environment}-critical-alerts`,
        masterKey: key,
        enforceSSL: true,
      });
      for (const email of alerting.email.recipients) {
        this.emailTopic.addSubscription(new subscriptions.EmailSubscription(email));
      }
      deliveryEnv.ALERT_EMAIL_TOPIC_ARN = this.emailTopic.topicArn;
    }
    this.delivery = new ObservabilityFunction(this, 'Delivery', {
      ...common,
      entry: handlerEntry('alert-delivery'),
      serviceName: 'alert-delivery',
      description: 'Delivers queued Alertmanager notifications to Slack, PagerDuty and email; records alert history',
      timeout: DELIVERY_TIMEOUT,
      environment: deliveryEnv,
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
    this.idempotencyTable.grantReadWriteData(this.delivery.role);
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
        batchSize: 10,
        reportBatchItemFailures: true,
        // Slack takes ~1 message/s per webhook: a few concurrent deliveries, not a burst of hundreds.
        maxConcurrency: 5,
      }),
    );

    // --- HTTP API ----------------------------------------------------------------------------------------------
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `greenlang-${environment}-alert-fanout`,
      description: 'Alertmanager webhook of the alert fan-out',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.api.addRoutes({
      path: '/alerts',
      methods: [apigwv2.HttpMethod.POST],
      integration: new integrations.HttpLambdaIntegration('Webhook', this.webhook.function),
    });
    // The $default stage is served at the API endpoint itself.
    this.alertWebhookUrl = `${this.api.apiEndpoint}/alerts`;
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Alertmanager authenticates with a bearer token (http_config.authorization) that the webhook function checks against the Secrets Manager secret, read with a 60 s cache so rotation needs no redeploy; an API Gateway authorizer would add a second function for the same check.',
    });

    // --- alarms ------------------------------------------------------------------------------------------------
    const alarmAction = new cwActions.SnsAction(props.alarmTopic);
    this.deadLetterAlarm = messagesWaitingAlarm(this, 'DeadLettersAlarm', {
      queue: this.deadLetterQueue,
      period: Duration.minutes(1),
      description: `alert fan-out (${environment}): notifications could not be delivered and wait in the dead-letter queue`,
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
    this.oldestMessageAlarm.addAlarmAction(alarmAction);
  }
}
