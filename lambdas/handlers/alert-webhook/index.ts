import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { alertWebhookEnv } from '../../contracts/alert-webhook';
import { lazy } from '../lazy';
import type { WebhookEvent } from './handler';

/**
 * Behind the private API, the TOKEN authorizer has already refused requests without the token; the handler checks
 * it again (the same code serves locally, where there is no authorizer).
 */
const logger = new Logger();
const env = alertWebhookEnv.read(process.env);
const webhook = lazy(async () => (await import('./compose')).composeAlertWebhook(env, logger));

export const handler = middy(async (event: WebhookEvent) => (await webhook())(event)).use(injectLambdaContext(logger));
