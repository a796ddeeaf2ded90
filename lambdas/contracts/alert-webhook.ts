import { envContract, stringVar } from './env';

/** The alert webhook's environment, set by the AlertWebhookApi construct. */
export const alertWebhookEnv = envContract({
  /** Secrets Manager name of the bearer token Alertmanager sends. */
  tokenSecretName: stringVar('TOKEN_SECRET_NAME'),
  /** The queue accepted notifications go to (the delivery function consumes it). */
  deliveryQueueUrl: stringVar('DELIVERY_QUEUE_URL'),
});
