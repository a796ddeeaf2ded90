import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbRepairJournal } from '../../adapters/dynamodb-repair-journal';
import { pushgatewayReplica } from '../../adapters/pushgateway';
import { readPushEnvironment, replicaName } from './env';
import { makeHandler } from './handler';

const logger = new Logger();
const log = {
  info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
  error: (message: string, extra: Record<string, unknown> = {}) => logger.error(message, extra),
};
const env = readPushEnvironment(process.env);
const replicas = env.pushgatewayUrls.map((url, i) => pushgatewayReplica(replicaName(i), url, { timeoutMs: 3000 }));
const journal = new DynamoDbRepairJournal(DynamoDBDocumentClient.from(new DynamoDBClient({})), env.journalTable);
const handle = makeHandler({ replicas, journal, maxPayloadBytes: env.maxPayloadBytes, logger: log });

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
