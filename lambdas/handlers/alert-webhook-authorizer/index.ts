import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { previousSecretSource, secretsManagerSource } from '../../adapters/secrets-manager';
import { alertWebhookAuthorizerEnv } from '../../contracts/alert-webhook-authorizer';
import { makeTokenAuthorizer } from './handler';

const logger = new Logger();
const env = alertWebhookAuthorizerEnv.read(process.env);

export const handler = middy(
  // Cached 60 s: a rotated token is honoured within a minute (plus API Gateway's authorizer cache), and the one it
  // replaced until Alertmanager's file has the new one (External Secrets refreshes it within the hour).
  makeTokenAuthorizer({
    token: secretsManagerSource(env.tokenSecretName),
    previousToken: previousSecretSource(env.tokenSecretName),
    logger,
  }),
).use(injectLambdaContext(logger));
