import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { capacityReportEnv } from '../../contracts/capacity-report';
import { lazy } from '../lazy';
import type { CapacityReportEvent } from './handler';

const logger = new Logger();
const env = capacityReportEnv.read(process.env);
const run = lazy(async () => (await import('./compose')).composeCapacityReport(env, logger));

export const handler = middy(async (event: CapacityReportEvent) => {
  const result = await (await run())(event ?? {});
  return { headline: result.report.headline, recommendations: result.report.recommendations, written: result.written };
}).use(injectLambdaContext(logger));
