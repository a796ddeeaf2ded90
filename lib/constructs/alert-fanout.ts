import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig, EnvironmentName } from '../config';
import { AlertDelivery } from './alert-delivery';
import { AlertWebhookApi, type RequestBudget } from './alert-webhook-api';
import type { ObservabilityFunction, PowertoolsLogLevel } from './observability-function';
import type { RuntimeLayer } from './runtime-layer';

export interface AlertFanoutProps {
  readonly environment: EnvironmentName;
  /** `config.alerting`: Slack on/off, PagerDuty on/off, critical email and its recipients. */
  readonly alerting: EnvironmentConfig['alerting'];
  /** The cluster's VPC: the webhook is reachable only from there (a private API behind an interface endpoint). */
  readonly vpc: ec2.IVpc;
  /** Who may reach the webhook's endpoint. @default the VPC's CIDR */
  readonly allowedPeer?: ec2.IPeer;
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
  /** Of the idempotency table, the email topic's key and the access logs. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Webhook throttling (Alertmanager sends little; this bounds abuse). @default 20 req/s, burst 40 */
  readonly throttle?: RequestBudget;
  /** Receives of a notification that failed retryably before it goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * The alert fan-out: Alertmanager's webhook ({@link AlertWebhookApi}: a private API reachable only from the
 * cluster, bearer token checked by an authorizer before the function) validates and enqueues fast;
 * {@link AlertDelivery} drains the queue to Slack, PagerDuty and email through one retry stage, dead-letters
 * permanent refusals at once and retryable failures after `maxReceiveCount` receives, with an alarm on the
 * dead-letter queue.
 */
export class AlertFanout extends Construct {
  public readonly webhookApi: AlertWebhookApi;
  public readonly deliveryPipeline: AlertDelivery;
  public readonly api: apigateway.RestApi;
  /** The stage: throttling and access logs. */
  public readonly stage: apigateway.Stage;
  /** The URL Alertmanager's webhook_configs point at. */
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
    const common = {
      environment: props.environment,
      runtimeLayer: props.runtimeLayer,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
    };
    this.deliveryPipeline = new AlertDelivery(this, 'Delivery', {
      ...common,
      alerting: props.alerting,
      reportsBucketName: props.reportsBucketName,
      reportsKey: props.reportsKey,
      maxReceiveCount: props.maxReceiveCount,
    });
    this.webhookApi = new AlertWebhookApi(this, 'Webhook', {
      ...common,
      vpc: props.vpc,
      allowedPeer: props.allowedPeer,
      queue: this.deliveryPipeline.queue,
      throttle: props.throttle,
    });
    this.api = this.webhookApi.api;
    this.stage = this.webhookApi.stage;
    this.alertWebhookUrl = this.webhookApi.url;
    this.webhook = this.webhookApi.webhook;
    this.delivery = this.deliveryPipeline.delivery;
    this.queue = this.deliveryPipeline.queue;
    this.deadLetterQueue = this.deliveryPipeline.deadLetterQueue;
    this.deadLetterAlarm = this.deliveryPipeline.deadLetterAlarm;
    this.oldestMessageAlarm = this.deliveryPipeline.oldestMessageAlarm;
    this.idempotencyTable = this.deliveryPipeline.idempotencyTable;
    this.emailTopic = this.deliveryPipeline.emailTopic;
  }
}
