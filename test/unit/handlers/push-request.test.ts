import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { answerApiEvent } from '../../../lambdas/handlers/push-ingest/api-gateway';
import type { PushRequest, PushResponse } from '../../../lambdas/handlers/push-ingest/handler';
import { isAnswer, pushRequest } from '../../../lambdas/handlers/push-ingest/request';

const body = new Uint8Array([1, 2]);

describe('pushRequest (both front ends: API Gateway and the local server)', () => {
  it.each([
    ['/metrics/job/a', '/metrics/job/a'],
    ['/metrics/job/a%2Fb/instance/x%20y', '/metrics/job/a/b/instance/x y'],
    ['/metrics/job@base64/Zm9v', '/metrics/job@base64/Zm9v'],
  ])('decodes %s as the Pushgateway router sees it and keeps the raw path', (rawPath, path) => {
    const request = pushRequest({ method: 'PUT', rawPath, headers: {}, body });
    expect(isAnswer(request)).toBe(false);
    expect(request).toMatchObject({ method: 'PUT', path, rawPath, body });
  });

  it('lower-cases header names', () => {
    const request = pushRequest({
      method: 'POST',
      rawPath: '/metrics/job/a',
      headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' },
      body,
    }) as PushRequest;
    expect(request.headers).toEqual({ 'content-type': 'text/plain', 'content-encoding': 'gzip' });
  });

  it.each(['/metrics/job/%zz', '/metrics/job/a%'])('answers 400 to the malformed escape in %s', (rawPath) => {
    const answer = pushRequest({ method: 'PUT', rawPath, headers: {}, body });
    expect(answer).toEqual({
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `invalid percent-encoding in path "${rawPath}"\n`,
    });
  });
});

describe('answerApiEvent', () => {
  const event = (rawPath: string, extra: Partial<APIGatewayProxyEventV2> = {}) =>
    ({
      rawPath,
      headers: { 'Content-Type': 'text/plain' },
      requestContext: { http: { method: 'PUT' } },
      ...extra,
    }) as unknown as APIGatewayProxyEventV2;

  it('hands the decoded request (base64 body decoded) to the handler and returns its answer', async () => {
    const seen: PushRequest[] = [];
    const push =
      async () =>
      async (request: PushRequest): Promise<PushResponse> => {
        seen.push(request);
        return { status: 200, headers: { 'x-a': 'b' }, body: '' };
      };
    const result = await answerApiEvent(
      event('/metrics/job/a%20b', { body: Buffer.from('m 1\n').toString('base64'), isBase64Encoded: true }),
      push,
    );
    expect(result).toEqual({ statusCode: 200, headers: { 'x-a': 'b' }, body: '' });
    expect(seen.map((r) => [r.path, r.headers['content-type'], Buffer.from(r.body).toString()])).toEqual([
      ['/metrics/job/a b', 'text/plain', 'm 1\n'],
    ]);
  });

  it('answers a malformed path without building the handler', async () => {
    const push = jest.fn();
    const result = await answerApiEvent(event('/metrics/job/%zz'), push);
    expect(result.statusCode).toBe(400);
    expect(push).not.toHaveBeenCalled();
  });
});
