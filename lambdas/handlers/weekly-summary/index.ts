import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { lambdaRuntimeEnv } from '../../contracts/env';
import { weeklySummaryEnv } from '../../contracts/weekly-summary';
import { lazy } from '../lazy';
import type { WeeklySummaryEvent } from './handler';

const logger = new Logger();
const env = weeklySummaryEnv.read(process.env);
const { region } = lambdaRuntimeEnv.read(process.env);
const run = lazy(async () => (await import('./compose')).composeWeeklySummary(env, region, logger));

export const handler = middy(async (event: WeeklySummaryEvent) => {
  const result = await (await run())(event ?? {});
  return { messageId: result.messageId, subject: result.subject, malformedRecords: result.malformedRecords };
}).use(injectLambdaContext(logger));
