import { deliveryQueueUrlVar } from './alert-webhook';
import { envContract, optionalStringVar, requiredPositiveIntVar, stringVar } from './env';

/** The delivery function's environment, set by the AlertDelivery construct. A target is on when its variable is set. */
export const alertDeliveryEnv = envContract({
  /** Where the delivered-alert history is written. */
  reportsBucket: stringVar('REPORTS_BUCKET'),
  /** DynamoDB table of the delivery guard (one delivery per notification and target). */
  idempotencyTable: stringVar('IDEMPOTENCY_TABLE'),
  /** Where notifications refused for good (or out of retries) go, with the target's answer. */
  deadLetterQueueUrl: stringVar('DEAD_LETTER_QUEUE_URL'),
  /** The queue the function consumes: a failed record's wait is set on it (redelivery.ts). */
  deliveryQueueUrl: deliveryQueueUrlVar,
  /** The delivery queue's maxReceiveCount: on that receive a target still failing is dead-lettered by name. */
  maxReceiveCount: requiredPositiveIntVar('DELIVERY_MAX_RECEIVE_COUNT'),
  slackWebhookSecretName: optionalStringVar('SLACK_WEBHOOK_SECRET_NAME'),
  pagerDutyRoutingKeySecretName: optionalStringVar('PAGERDUTY_ROUTING_KEY_SECRET_NAME'),
  /** SNS topic of critical alerts by email. */
  alertEmailTopicArn: optionalStringVar('ALERT_EMAIL_TOPIC_ARN'),
});
