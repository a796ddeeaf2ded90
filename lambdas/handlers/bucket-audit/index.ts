import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { bucketAuditEnv } from '../../contracts/bucket-audit';
import { lazy } from '../lazy';

const logger = new Logger();
const metrics = new Metrics();
const env = bucketAuditEnv.read(process.env);
const audit = lazy(async () => (await import('./compose')).composeBucketAudit(env, logger, metrics));

export const handler = middy(async () => (await audit())())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
