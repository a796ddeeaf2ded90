import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { pushRepairEnv } from '../../contracts/push-repair';
import { lazy } from '../lazy';
import { runRepairPasses } from './passes';

const logger = new Logger();
const env = pushRepairEnv.read(process.env);
const repair = lazy(async () => {
  const [
    { composePushRepair },
    { pushPartsInAws },
    { PowertoolsRepairMetrics, pushFunctionMetrics },
    { PUSH_SERVICES },
  ] = await Promise.all([
    import('./compose'),
    import('../push-ingest/dependencies'),
    import('../../adapters/push-metrics'),
    import('../../domain/push-metric-names'),
  ]);
  // One EMF document per pass, published as the pass ends (push-metrics.ts).
  const metrics = new PowertoolsRepairMetrics(pushFunctionMetrics(PUSH_SERVICES.repair));
  return composePushRepair(await pushPartsInAws(env, logger), metrics);
});

export const handler = middy(async (_event: unknown, context: Context) =>
  runRepairPasses(await repair(), context, logger),
).use(injectLambdaContext(logger));
