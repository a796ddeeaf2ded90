import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { pushDependencies } from './dependencies';
import { readPushEnvironment } from './env';
import { makeHandler } from './handler';

const logger = new Logger();
const env = readPushEnvironment(process.env);
const { replicas, journal, logger: log } = pushDependencies(env, logger);
const handle = makeHandler({
  replicas,
  journal,
  maxPayloadBytes: env.maxPayloadBytes,
  logger: log,
  stateMaxAgeMs: 1000,
});

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
  const response = await handle({ method: event.requestContext.http.method, path, rawPath, headers, body });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export const handler = middy(apiHandler).use(injectLambdaContext(logger));
