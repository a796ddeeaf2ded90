import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { s3AlertHistoryStore } from '../../adapters/alert-history';
import { sqsDeadLetterStore } from '../../adapters/dead-letters';
import { dynamoDbDeliveryGuard } from '../../adapters/delivery-guard-dynamodb';
import { emailNotifier } from '../../adapters/notifiers/email';
import type { Notifier } from '../../adapters/notifiers/notifier';
import { pagerDutyNotifier } from '../../adapters/notifiers/pagerduty';
import { retryStage } from '../../adapters/notifiers/retry';
import { slackNotifier } from '../../adapters/notifiers/slack';
import { secretsManagerSource } from '../../adapters/secrets-manager';
import type { alertDeliveryEnv } from '../../contracts/alert-delivery';
import type { EnvValues } from '../../contracts/env';
import { IDEMPOTENCY_TTL_SECONDS } from '../../domain/alerts/idempotency';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import { makeDeliverNotification, makeDeliveryHandler } from './handler';

/** The delivery function's object graph in AWS. A target is on when its variable is set. */
export function composeAlertDelivery(env: EnvValues<typeof alertDeliveryEnv.variables>, logger: Logger) {
  const notifiers: Partial<Record<DeliveryTarget, Notifier>> = {};
  if (env.slackWebhookSecretName) notifiers.slack = slackNotifier(secretsManagerSource(env.slackWebhookSecretName));
  if (env.pagerDutyRoutingKeySecretName) {
    notifiers.pagerduty = pagerDutyNotifier(secretsManagerSource(env.pagerDutyRoutingKeySecretName));
  }
  if (env.alertEmailTopicArn) {
    // maxAttempts 1: the retry stage retries, the same way for every target.
    notifiers.email = emailNotifier(new SNSClient({ maxAttempts: 1 }), env.alertEmailTopicArn);
  }
  const guard = dynamoDbDeliveryGuard({
    tableName: env.idempotencyTable,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    client: new DynamoDBClient({}),
  });
  const deliver = makeDeliverNotification({
    notifiers,
    retry: retryStage({ logger }),
    deadLetters: sqsDeadLetterStore(new SQSClient({}), env.deadLetterQueueUrl),
    routing: { slack: !!notifiers.slack, pagerduty: !!notifiers.pagerduty, criticalEmail: !!notifiers.email },
    guard,
    history: s3AlertHistoryStore(new S3Client({}), env.reportsBucket),
    logger,
  });
  return makeDeliveryHandler(deliver, { beforeBatch: (context) => guard.registerLambdaContext(context) });
}
