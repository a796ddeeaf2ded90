import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseJobGrants } from '../../../lambdas/domain/job-grants';
import {
  DEFAULT_PUSH_LIMITS,
  LAMBDA_SYNC_PAYLOAD_BYTES,
  MAX_PUSH_PAYLOAD_BYTES,
} from '../../../lambdas/domain/push-limits';
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

  describe('with job grants (ingest.jobGrants)', () => {
    const grants = parseJobGrants('{"etl-client": ["etl-*", "backup"]}');
    /** An event whose JWT (as API Gateway's authorizer passes it on) carries `claims`. */
    const withClaims = (rawPath: string, claims: Record<string, unknown>) =>
      event(rawPath, {
        requestContext: { http: { method: 'PUT' }, authorizer: { jwt: { claims, scopes: null } } },
      } as unknown as Partial<APIGatewayProxyEventV2>);
    const handled = () => {
      const paths: string[] = [];
      const push =
        async () =>
        async (request: PushRequest): Promise<PushResponse> => {
          paths.push(request.path);
          return { status: 200, headers: {}, body: '' };
        };
      return { paths, push };
    };

    it.each([
      ['/metrics/job/etl-nightly', 200],
      ['/metrics/job@base64/ZXRsLWhvdXJseQ/instance/a', 200],
      ['/metrics/job/backup', 200],
      ['/metrics/job/backups', 403],
      ['/metrics/job/billing/instance/etl-1', 403],
    ])('lets client etl-client push to %s: %i', async (rawPath, status) => {
      const { paths, push } = handled();
      const result = await answerApiEvent(withClaims(rawPath, { client_id: 'etl-client' }), push, grants);
      expect(result.statusCode).toBe(status);
      expect(paths).toHaveLength(status === 200 ? 1 : 0);
    });

    it('names the client, the job and its grants in the 403, and refuses a token without client_id or grants', async () => {
      const { paths, push } = handled();
      const warned: unknown[] = [];
      const logger = { warn: (...args: unknown[]) => warned.push(args) };
      const answers = await Promise.all([
        answerApiEvent(withClaims('/metrics/job/billing', { client_id: 'etl-client' }), push, grants, logger),
        answerApiEvent(withClaims('/metrics/job/etl-a', { sub: 'someone' }), push, grants),
        answerApiEvent(withClaims('/metrics/job/etl-a', { client_id: 'other' }), push, grants),
      ]);
      expect(answers.map((a) => [a.statusCode, a.body])).toEqual([
        [403, 'client "etl-client" may not push to job "billing" (granted: etl-*, backup)\n'],
        [
          403,
          'the token names no client (client_id, cid, azp claim), and pushes are granted per client (job "etl-a")\n',
        ],
        [403, 'client "other" is granted no job (job "etl-a")\n'],
      ]);
      expect(paths).toEqual([]);
      expect(warned).toEqual([
        [
          'push refused: job not granted to its client',
          {
            path: '/metrics/job/billing',
            refusal: 'client "etl-client" may not push to job "billing" (granted: etl-*, backup)',
          },
        ],
      ]);
    });

    it('reads the client from client_id, else cid (Okta), else azp (Keycloak, Auth0, Entra ID)', async () => {
      const { paths, push } = handled();
      const statuses = [];
      for (const claims of [{ cid: 'etl-client' }, { azp: 'etl-client' }, { client_id: 'other', azp: 'etl-client' }]) {
        statuses.push((await answerApiEvent(withClaims('/metrics/job/etl-a', claims), push, grants)).statusCode);
      }
      expect(statuses).toEqual([200, 200, 403]);
      expect(paths).toHaveLength(2);
    });

    it('leaves every client every job without grants, and a path naming no job to the handler', async () => {
      const { paths, push } = handled();
      await answerApiEvent(withClaims('/metrics/job/billing', {}), push);
      await answerApiEvent(withClaims('/metrics/nojob', { client_id: 'etl-client' }), push, grants);
      expect(paths).toEqual(['/metrics/job/billing', '/metrics/nojob']);
    });
  });
});

describe('the largest push body the API hands its function (MAX_PUSH_PAYLOAD_BYTES)', () => {
  /** An HTTP API (payload 2.0) event as the function gets it: 10 KB of headers (the API's cap) and a JWT context. */
  const eventBytes = (body: string, isBase64Encoded: boolean) => {
    const claims = { iss: 'https://issuer.example.com/', sub: 'batch-job', aud: 'greenlang-push', exp: '1893456000' };
    const event = {
      version: '2.0',
      routeKey: 'PUT /metrics/{proxy+}',
      rawPath: '/metrics/job/nightly-export/instance/db-1',
      rawQueryString: '',
      headers: { authorization: `Bearer ${'x'.repeat(2_000)}`, 'x-padding': 'p'.repeat(8_000) },
      requestContext: {
        accountId: '111111111111',
        apiId: 'abcdefghij',
        authorizer: { jwt: { claims, scopes: null } },
        domainName: 'abcdefghij.execute-api.eu-west-1.amazonaws.com',
        http: { method: 'PUT', path: '/metrics/job/nightly-export/instance/db-1', protocol: 'HTTP/1.1' },
        requestId: 'Abc123=',
        stage: '$default',
        time: '02/Dec/2026:01:00:00 +0000',
        timeEpoch: 1_796_000_000_000,
      },
      pathParameters: { proxy: 'job/nightly-export/instance/db-1' },
      body,
      isBase64Encoded,
    };
    return Buffer.byteLength(JSON.stringify(event));
  };

  it("fits Lambda's 6 MB synchronous payload base64-encoded (protobuf, gzip), and did not at the old 5 MiB", () => {
    const binary = (bytes: number) => Buffer.alloc(bytes, 0xa5).toString('base64');
    expect(eventBytes(binary(MAX_PUSH_PAYLOAD_BYTES), true)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(eventBytes(binary(5 * 1024 * 1024), true)).toBeGreaterThan(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(DEFAULT_PUSH_LIMITS.maxBodyBytes).toBeLessThanOrEqual(MAX_PUSH_PAYLOAD_BYTES);
  });

  it('fits JSON-escaped as text while fewer than ~30% of its bytes are quotes or newlines', () => {
    // A common exposition line is 10% quotes and newlines; a dense one (short names, one label) 27%.
    for (const line of ['http_requests_total{method="get",code="200"} 1027\n', 'a{b="c"} 1\n']) {
      const escapes = [...line].filter((c) => c === '"' || c === '\n').length / line.length;
      expect(escapes).toBeLessThan(0.3);
      const text = line.repeat(Math.floor(MAX_PUSH_PAYLOAD_BYTES / line.length));
      expect(eventBytes(text, false)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    }
  });
});
