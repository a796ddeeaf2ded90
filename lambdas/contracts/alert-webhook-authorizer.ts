import { envContract, stringVar } from './env';

/** The webhook authorizer's environment, set by the AlertWebhookApi construct. */
export const alertWebhookAuthorizerEnv = envContract({
  /** Secrets Manager name of the bearer token Alertmanager sends. */
  tokenSecretName: stringVar('TOKEN_SECRET_NAME'),
});
