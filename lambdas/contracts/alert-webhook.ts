import { envContract, stringVar } from './env';

/** The queue accepted notifications go to, which the delivery function consumes (and sets waits on). */
export const deliveryQueueUrlVar = stringVar('DELIVERY_QUEUE_URL');

/** The alert webhook's environment, set by the AlertWebhookApi construct. */
export const alertWebhookEnv = envContract({
  /** Secrets Manager name of the bearer token Alertmanager sends. */
  tokenSecretName: stringVar('TOKEN_SECRET_NAME'),
  deliveryQueueUrl: deliveryQueueUrlVar,
});
