import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { secretsManagerSource } from '../../adapters/secrets-manager';
import { alertWebhookAuthorizerEnv } from '../../contracts/alert-webhook-authorizer';
import { makeTokenAuthorizer } from './handler';

const logger = new Logger();
const env = alertWebhookAuthorizerEnv.read(process.env);

export const handler = middy(
  // Cached 60 s: a rotated token is honoured within a minute (plus API Gateway's authorizer cache).
  makeTokenAuthorizer({ token: secretsManagerSource(env.tokenSecretName), logger }),
).use(injectLambdaContext(logger));
