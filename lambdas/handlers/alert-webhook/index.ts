import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { makeWebhookHandler } from './handler';

/**
 * Environment (set by the AlertWebhookApi construct): TOKEN_SECRET_NAME, DELIVERY_QUEUE_URL. Behind the private API,
 * the TOKEN authorizer has already refused requests without the token; the handler checks it again (the same code
 * serves locally, where there is no authorizer).
 */
const env = process.env;
const logger = new Logger();
const sqs = new SQSClient({});
const tokenSecret = env.TOKEN_SECRET_NAME ?? '';
const queueUrl = env.DELIVERY_QUEUE_URL ?? '';

export const handler = middy(
  makeWebhookHandler({
    // Cached 60 s: a rotated token is honoured within a minute, without a redeploy.
    token: async () => {
      const value = await getSecret(tokenSecret, { maxAge: 60 });
      if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${tokenSecret} is empty or binary`);
      return value.trim();
    },
    accept: async (_notification, body) => {
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      return { messageId: sent.MessageId };
    },
    logger,
  }),
).use(injectLambdaContext(logger));
