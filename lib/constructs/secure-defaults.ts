/**
 * Builders of the secure resources the constructs share (as AWS Solutions Constructs' `buildQueue`/`buildTopic`):
 * each sets the project's defaults (encryption, TLS only, key rotation, no public access) and lets the caller
 * override any prop. Construct ids are parameters, so a construct moved onto a builder keeps its logical ids.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** An SQS queue encrypted with SQS-managed keys, TLS only. */
export function buildEncryptedQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, ...props });
}

export interface QueueWithDeadLetterProps {
  /** @default 'Queue' */
  readonly queueId?: string;
  /** @default 'DeadLetterQueue' */
  readonly deadLetterQueueId?: string;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly queueProps?: Omit<sqs.QueueProps, 'deadLetterQueue'>;
  /** @default kept 14 days (the SQS maximum), with the queue's maximum message size */
  readonly deadLetterQueueProps?: sqs.QueueProps;
}

/** An encrypted queue whose messages move to an encrypted dead-letter queue after `maxReceiveCount` receives. */
export function buildQueueWithDeadLetter(
  scope: Construct,
  props: QueueWithDeadLetterProps,
): { readonly queue: sqs.Queue; readonly deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = buildEncryptedQueue(scope, props.deadLetterQueueId ?? 'DeadLetterQueue', {
    retentionPeriod: Duration.days(14),
    maxMessageSizeBytes: props.queueProps?.maxMessageSizeBytes,
    ...props.deadLetterQueueProps,
  });
  const queue = buildEncryptedQueue(scope, props.queueId ?? 'Queue', {
    ...props.queueProps,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

/** A customer-managed KMS key with yearly rotation, kept on stack deletion unless told otherwise. */
export function buildRotatingKey(scope: Construct, id: string, props: kms.KeyProps): kms.Key {
  return new kms.Key(scope, id, {
    enableKeyRotation: true,
    ...props,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

export interface EncryptedTopic {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
}

export interface EncryptedTopicProps {
  readonly topicName: string;
  /** @default `Encrypts the <topicName> topic` */
  readonly keyDescription?: string;
  /** Email addresses subscribed to the topic. @default none */
  readonly emailRecipients?: readonly string[];
  /** @default RemovalPolicy.RETAIN */
  readonly keyRemovalPolicy?: RemovalPolicy;
  /** Construct ids of the key and the topic. @default '' → `Key`, `Topic` */
  readonly idPrefix?: string;
  readonly topicProps?: Partial<sns.TopicProps>;
}

/** An SNS topic encrypted with its own rotating customer-managed key, TLS only, with email subscriptions. */
export function buildEncryptedTopic(scope: Construct, props: EncryptedTopicProps): EncryptedTopic {
  const prefix = props.idPrefix ?? '';
  const key = buildRotatingKey(scope, `${prefix}Key`, {
    description: props.keyDescription ?? `Encrypts the ${props.topicName} topic`,
    removalPolicy: props.keyRemovalPolicy,
  });
  const topic = new sns.Topic(scope, `${prefix}Topic`, {
    topicName: props.topicName,
    masterKey: key,
    enforceSSL: true,
    ...props.topicProps,
  });
  for (const email of props.emailRecipients ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return { topic, key };
}

export interface KmsBucket {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
}

export interface KmsBucketProps {
  readonly bucketName: string;
  readonly keyDescription: string;
  /** @default no alias */
  readonly keyAlias?: string;
  /** Where S3 server access logs go (under `<bucketName>/`). */
  readonly accessLogsBucket: s3.IBucket;
  /** Of the key and the bucket. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Versioning, lifecycle rules, ... */
  readonly bucketProps?: Partial<s3.BucketProps>;
}

/**
 * An S3 bucket encrypted with its own rotating KMS key (bucket keys on), TLS 1.2+ only, public access blocked,
 * ACLs off, server access logs on. Construct ids: `Key`, `Bucket`.
 */
export function buildKmsBucket(scope: Construct, props: KmsBucketProps): KmsBucket {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const key = buildRotatingKey(scope, 'Key', {
    alias: props.keyAlias,
    description: props.keyDescription,
    removalPolicy,
  });
  const bucket = new s3.Bucket(scope, 'Bucket', {
    bucketName: props.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: props.accessLogsBucket,
    serverAccessLogsPrefix: `${props.bucketName}/`,
    removalPolicy,
    ...props.bucketProps,
  });
  return { bucket, key };
}

export interface ApiAccessLogsProps {
  readonly retention: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 'AccessLogs' */
  readonly id?: string;
}

function accessLogGroup(scope: Construct, props: ApiAccessLogsProps): logs.LogGroup {
  return new logs.LogGroup(scope, props.id ?? 'AccessLogs', {
    retention: props.retention,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  });
}

/**
 * The access log group of a REST API stage and the stage options that write to it (JSON with the standard
 * fields). Access logs need no account-wide CloudWatch role, unlike execution logs.
 */
export function buildRestApiAccessLogs(
  scope: Construct,
  props: ApiAccessLogsProps,
): {
  readonly logGroup: logs.LogGroup;
  readonly stageOptions: Pick<apigateway.StageOptions, 'accessLogDestination' | 'accessLogFormat'>;
} {
  const logGroup = accessLogGroup(scope, props);
  return {
    logGroup,
    stageOptions: {
      accessLogDestination: new apigateway.LogGroupLogDestination(logGroup),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
    },
  };
}

/** The same for an HTTP API stage (API Gateway v2): the log group and the stage's access log settings. */
export function buildHttpApiAccessLogs(
  scope: Construct,
  props: ApiAccessLogsProps,
): { readonly logGroup: logs.LogGroup; readonly accessLogSettings: apigwv2.IAccessLogSettings } {
  const logGroup = accessLogGroup(scope, props);
  const destination = new apigwv2.LogGroupLogDestination(logGroup);
  return { logGroup, accessLogSettings: { destination, format: apigateway.AccessLogFormat.jsonWithStandardFields() } };
}
