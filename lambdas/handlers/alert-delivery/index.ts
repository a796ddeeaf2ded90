import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { alertDeliveryEnv } from '../../contracts/alert-delivery';
import { lazy } from '../lazy';

const logger = new Logger();
const env = alertDeliveryEnv.read(process.env);
const deliver = lazy(async () => (await import('./compose')).composeAlertDelivery(env, logger));

export const handler = middy(async (event: SQSEvent, context: Context) => (await deliver())(event, context)).use(
  injectLambdaContext(logger),
);
