import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { clientOf, type JobGrants, jobGrantRefusal, NO_GRANTS } from '../../domain/job-grants';
import { refuse } from './answers';
import type { Logger, PushRequest, PushResponse } from './handler';
import { isAnswer, pushRequest } from './request';

/** The JWT claims API Gateway's JWT authorizer passes on (payload v2: `requestContext.authorizer.jwt.claims`). */
interface JwtContext {
  readonly authorizer?: { readonly jwt?: { readonly claims?: Readonly<Record<string, unknown>> } };
}

/**
 * An API Gateway HTTP API event (payload v2) through the push handler, built on first use by `push`. With job
 * grants, a push to a job its client (`clientOf` the token) is not granted is answered 403 before anything else.
 */
export async function answerApiEvent(
  event: APIGatewayProxyEventV2,
  push: () => Promise<(request: PushRequest) => Promise<PushResponse>>,
  grants: JobGrants = NO_GRANTS,
  logger?: Pick<Logger, 'warn'>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const request = pushRequest({
    method: event.requestContext.http.method,
    rawPath: event.rawPath,
    headers: event.headers ?? {},
    body:
      event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
  });
  let response: PushResponse;
  if (isAnswer(request)) response = request;
  else {
    const claims = (event.requestContext as JwtContext).authorizer?.jwt?.claims;
    const client = clientOf(claims);
    const refusal = jobGrantRefusal(grants, client, request.path);
    if (refusal !== undefined)
      logger?.warn('push refused: job not granted to its client', { path: request.path, refusal });
    response = refusal === undefined ? await (await push())(request) : refuse(403, refusal);
  }
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
