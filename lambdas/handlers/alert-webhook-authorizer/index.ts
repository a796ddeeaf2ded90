import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import { makeTokenAuthorizer } from './handler';

/** Environment (set by the AlertWebhookApi construct): TOKEN_SECRET_NAME. */
const env = process.env;
const logger = new Logger();
const tokenSecret = env.TOKEN_SECRET_NAME ?? '';

export const handler = middy(
  makeTokenAuthorizer({
    // Cached 60 s: a rotated token is honoured within a minute (plus API Gateway's authorizer cache).
    token: async () => {
      const value = await getSecret(tokenSecret, { maxAge: 60 });
      if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${tokenSecret} is empty or binary`);
      return value.trim();
    },
    logger,
  }),
).use(injectLambdaContext(logger));
