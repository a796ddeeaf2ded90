import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PushRequest, PushResponse } from './handler';
import { isAnswer, pushRequest } from './request';

/** An API Gateway HTTP API event (payload v2) through the push handler, built on first use by `push`. */
export async function answerApiEvent(
  event: APIGatewayProxyEventV2,
  push: () => Promise<(request: PushRequest) => Promise<PushResponse>>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const request = pushRequest({
    method: event.requestContext.http.method,
    rawPath: event.rawPath,
    headers: event.headers ?? {},
    body:
      event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
  });
  const response = isAnswer(request) ? request : await (await push())(request);
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
