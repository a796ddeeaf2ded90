import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { pushIngestEnv, pushLimits } from '../../contracts/push-ingest';
import { lazy } from '../lazy';
import { answerApiEvent } from './api-gateway';

const logger = new Logger();
const env = pushIngestEnv.read(process.env);
const push = lazy(async () => {
  const [{ composePushIngest }, { pushPartsInAws }, { PowertoolsPushMetrics, pushFunctionMetrics }, { PUSH_SERVICES }] =
    await Promise.all([
      import('./compose'),
      import('./dependencies'),
      import('../../adapters/push-metrics'),
      import('../../domain/push-metric-names'),
    ]);
  // One EMF document per push, published as the push is answered (push-metrics.ts).
  const metrics = new PowertoolsPushMetrics(pushFunctionMetrics(PUSH_SERVICES.ingest));
  return composePushIngest(await pushPartsInAws(env, logger), pushLimits(env), metrics);
});

export const handler = middy((event: APIGatewayProxyEventV2) => answerApiEvent(event, push, env.jobGrants, logger)).use(
  injectLambdaContext(logger),
);
