import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { s3AlertHistoryStore } from '../../adapters/alert-history';
import { sqsDeadLetterStore } from '../../adapters/dead-letters';
import { dynamoDbDeliveryGuard } from '../../adapters/delivery-guard-dynamodb';
import { dynamoDbNotificationOrder } from '../../adapters/notification-order';
import { emailNotifier } from '../../adapters/notifiers/email';
import type { Notifier, SecretSource } from '../../adapters/notifiers/notifier';
import { pagerDutyNotifier } from '../../adapters/notifiers/pagerduty';
import { type RetryPolicy, retryStage } from '../../adapters/notifiers/retry';
import { slackNotifier } from '../../adapters/notifiers/slack';
import { secretsManagerSource } from '../../adapters/secrets-manager';
import { sqsRetryDelay } from '../../adapters/sqs-retry-delay';
import type { alertDeliveryEnv } from '../../contracts/alert-delivery';
import type { EnvValues } from '../../contracts/env';
import { IDEMPOTENCY_TTL_SECONDS } from '../../domain/alerts/idempotency';
import { ORDER_TTL_SECONDS } from '../../domain/alerts/ordering';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import { type DeliverNotification, type DeliveryDeps, makeDeliverNotification, makeDeliveryHandler } from './handler';

/** The targets switched on, each with where its secret comes from (Secrets Manager in AWS, the environment locally). */
export interface DeliveryTargets {
  readonly slackWebhookUrl?: SecretSource;
  readonly pagerDutyRoutingKey?: SecretSource;
  /** @default PagerDuty's Events API v2 */
  readonly pagerDutyEventsUrl?: string;
  /** Critical alerts by email through this SNS topic. */
  readonly emailTopicArn?: string;
}

/** The targets switched on, in routing order. */
export function targetsOn(targets: DeliveryTargets): DeliveryTarget[] {
  const on: DeliveryTarget[] = [];
  if (targets.slackWebhookUrl) on.push('slack');
  if (targets.pagerDutyRoutingKey) on.push('pagerduty');
  if (targets.emailTopicArn) on.push('email');
  return on;
}

/** One notifier per target switched on. */
export function deliveryNotifiers(targets: DeliveryTargets): Partial<Record<DeliveryTarget, Notifier>> {
  const notifiers: Partial<Record<DeliveryTarget, Notifier>> = {};
  if (targets.slackWebhookUrl) notifiers.slack = slackNotifier(targets.slackWebhookUrl);
  if (targets.pagerDutyRoutingKey) {
    notifiers.pagerduty = pagerDutyNotifier(targets.pagerDutyRoutingKey, { eventsUrl: targets.pagerDutyEventsUrl });
  }
  if (targets.emailTopicArn) {
    // maxAttempts 1: the retry stage retries, the same way for every target. The endpoint comes from the
    // SDK's configuration (AWS_ENDPOINT_URL_SNS locally).
    notifiers.email = emailNotifier(new SNSClient({ maxAttempts: 1 }), targets.emailTopicArn);
  }
  return notifiers;
}

/** What differs between the Lambda and `npm run local -- alerts`: the stores, the guard, the retry policy. */
export interface DeliveryParts extends Pick<DeliveryDeps, 'deadLetters' | 'guard' | 'history' | 'logger' | 'order'> {
  /** @default DEFAULT_RETRY_POLICY */
  readonly retryPolicy?: RetryPolicy;
}

/**
 * The delivery's object graph, shared by the Lambda and `npm run local -- alerts`: the notifiers of the targets
 * switched on, routed only to those, behind the one retry stage.
 */
export function composeDeliverNotification(targets: DeliveryTargets, parts: DeliveryParts): DeliverNotification {
  const notifiers = deliveryNotifiers(targets);
  const { retryPolicy, ...stores } = parts;
  return makeDeliverNotification({
    notifiers,
    retry: retryStage({ policy: retryPolicy, logger: parts.logger }),
    routing: { slack: !!notifiers.slack, pagerduty: !!notifiers.pagerduty, criticalEmail: !!notifiers.email },
    ...stores,
  });
}

/** The delivery function in AWS. A target is on when its variable is set. */
export function composeAlertDelivery(env: EnvValues<typeof alertDeliveryEnv.variables>, logger: Logger) {
  const dynamo = new DynamoDBClient({});
  const guard = dynamoDbDeliveryGuard({
    tableName: env.idempotencyTable,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    client: dynamo,
  });
  const secret = (name: string | undefined) => (name ? secretsManagerSource(name) : undefined);
  const sqs = new SQSClient({});
  const deliver = composeDeliverNotification(
    {
      slackWebhookUrl: secret(env.slackWebhookSecretName),
      pagerDutyRoutingKey: secret(env.pagerDutyRoutingKeySecretName),
      emailTopicArn: env.alertEmailTopicArn,
    },
    {
      deadLetters: sqsDeadLetterStore(sqs, env.deadLetterQueueUrl),
      guard,
      order: dynamoDbNotificationOrder({
        client: dynamo,
        tableName: env.idempotencyTable,
        ttlSeconds: ORDER_TTL_SECONDS,
      }),
      history: s3AlertHistoryStore(new S3Client({}), env.reportsBucket),
      logger,
    },
  );
  return makeDeliveryHandler(deliver, {
    beforeBatch: (context) => guard.registerLambdaContext(context),
    delayRetry: sqsRetryDelay(sqs, env.deliveryQueueUrl),
    logger,
    maxReceiveCount: env.maxReceiveCount,
  });
}
