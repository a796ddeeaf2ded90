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
  const [{ composePushRepair }, { pushPartsInAws }] = await Promise.all([
    import('./compose'),
    import('../push-ingest/dependencies'),
  ]);
  return composePushRepair(pushPartsInAws(env, logger));
});

export const handler = middy(async (_event: unknown, context: Context) =>
  runRepairPasses(await repair(), context, logger),
).use(injectLambdaContext(logger));
