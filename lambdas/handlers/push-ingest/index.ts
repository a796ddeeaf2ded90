import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PowertoolsPushMetrics, pushFunctionMetrics } from '../../adapters/push-metrics';
import { PUSH_SERVICES } from '../../domain/push-metric-names';
import { bootstrapStore } from '../push-repair/repair';
import { pushDependencies } from './dependencies';
import { readPushEnvironment } from './env';
import { GroupView } from './group-view';
import { makeHandler, type PushRequest, type PushResponse } from './handler';

const logger = new Logger();
const env = readPushEnvironment(process.env);
const { replicas, store, timing, logger: log } = pushDependencies(env, logger);
/** One EMF document per push, published as the push is answered (push-metrics.ts). */
const metrics = new PowertoolsPushMetrics(pushFunctionMetrics(PUSH_SERVICES.ingest));

/** Built once per instance: the store's groups indexed for validation (kept current by this instance's commits). */
let handle: Promise<(request: PushRequest) => Promise<PushResponse>> | undefined;
function pushHandler(): Promise<(request: PushRequest) => Promise<PushResponse>> {
  handle ??= (async () => {
    await bootstrapStore({ replicas, store, logger: log });
    const view = await GroupView.load(store);
    return makeHandler({ replicas, store, view, limits: env.limits, timing, logger: log, metrics });
  })();
  handle.catch(() => {
    handle = undefined;
  });
  return handle;
}

/** API Gateway HTTP API (payload v2) → the push handler. */
async function apiHandler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const rawPath = event.rawPath;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { statusCode: 400, body: `invalid percent-encoding in path "${rawPath}"\n` };
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const response = await (await pushHandler())({
    method: event.requestContext.http.method,
    path,
    rawPath,
    headers,
    body,
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export const handler = middy(apiHandler).use(injectLambdaContext(logger));
