import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { s3AlertHistoryStore } from '../../adapters/alert-history';
import { sqsDeadLetterStore } from '../../adapters/dead-letters';
import { dynamoDbDeliveryGuard } from '../../adapters/delivery-guard-dynamodb';
import { emailNotifier } from '../../adapters/notifiers/email';
import type { Notifier, SecretSource } from '../../adapters/notifiers/notifier';
import { pagerDutyNotifier } from '../../adapters/notifiers/pagerduty';
import { retryStage } from '../../adapters/notifiers/retry';
import { slackNotifier } from '../../adapters/notifiers/slack';
import { IDEMPOTENCY_TTL_SECONDS } from '../../domain/alerts/idempotency';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import { makeDeliverNotification, makeDeliveryHandler } from './handler';

/**
 * Environment (set by the AlertFanout construct): REPORTS_BUCKET, IDEMPOTENCY_TABLE, DEAD_LETTER_QUEUE_URL, and per target
 * SLACK_WEBHOOK_SECRET_NAME, PAGERDUTY_ROUTING_KEY_SECRET_NAME, ALERT_EMAIL_TOPIC_ARN (a target is on when set).
 */
const env = process.env;
const logger = new Logger();
/** Secrets are cached for a minute: a rotated webhook URL or routing key is picked up without a redeploy. */
const secret =
  (name: string): SecretSource =>
  async () => {
    const value = await getSecret(name, { maxAge: 60 });
    if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${name} is empty or binary`);
    return value.trim();
  };

const notifiers: Partial<Record<DeliveryTarget, Notifier>> = {};
if (env.SLACK_WEBHOOK_SECRET_NAME) notifiers.slack = slackNotifier(secret(env.SLACK_WEBHOOK_SECRET_NAME));
if (env.PAGERDUTY_ROUTING_KEY_SECRET_NAME) {
  notifiers.pagerduty = pagerDutyNotifier(secret(env.PAGERDUTY_ROUTING_KEY_SECRET_NAME));
}
if (env.ALERT_EMAIL_TOPIC_ARN) {
  // maxAttempts 1: the retry stage retries, the same way for every target.
  notifiers.email = emailNotifier(new SNSClient({ maxAttempts: 1 }), env.ALERT_EMAIL_TOPIC_ARN);
}
const guard = dynamoDbDeliveryGuard({
  tableName: env.IDEMPOTENCY_TABLE ?? '',
  ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
  client: new DynamoDBClient({}),
});
const deliver = makeDeliverNotification({
  notifiers,
  retry: retryStage({ logger }),
  deadLetters: sqsDeadLetterStore(new SQSClient({}), env.DEAD_LETTER_QUEUE_URL ?? ''),
  routing: { slack: !!notifiers.slack, pagerduty: !!notifiers.pagerduty, criticalEmail: !!notifiers.email },
  guard,
  history: s3AlertHistoryStore(new S3Client({}), env.REPORTS_BUCKET ?? ''),
  logger,
});

export const handler = middy(
  makeDeliveryHandler(deliver, { beforeBatch: (context) => guard.registerLambdaContext(context) }),
).use(injectLambdaContext(logger));
