import * as http from 'node:http';
import { PrometheusApiError, prometheusApi } from '../../lambdas/adapters/prometheus-api';
import { capacityQueryApi, composeCapacityReportWith } from '../../lambdas/handlers/capacity-report/compose';
import { LOCAL_CAPACITY_CONFIG } from '../../lambdas/local/services/capacity';
import { requireBinaries } from '../../lib/devstack/processes';
import { listenOnLoopback } from '../support/loopback-server';
import { refusal as refusalOf } from '../support/refusal';
import { clientTlsServersAround } from '../support/tls-pki';
import {
  OTHERS,
  podName,
  STORES_NOW,
  storeGateway,
  thanosStoresBody,
} from '../unit/domain/capacity/thanos-stores.fixtures';

/**
 * The capacity report's store list request (`GET /api/v1/stores`) as it goes out in AWS: through the query NLB's
 * TLS (a node:tls terminator with a private CA, test/support/tls-pki.ts) to Thanos Query, with the client the
 * queries use. No Thanos binary exists here, so an HTTP server stands in for Query, answering as thanos-io/thanos
 * does (test/unit/domain/capacity/thanos-stores.fixtures.ts says where each shape comes from):
 * - `GET /api/v1/stores`: what the test sets; `/stores` is registered for GET only (pkg/api/query/v1.go
 *   `QueryAPI.Register`), so another method meets the router's 405 (prometheus/common route over
 *   julienschmidt/httprouter, `HandleMethodNotAllowed` on by default);
 * - `POST /api/v1/query`, `/api/v1/query_range`: empty results in Prometheus' envelope (Query answers as
 *   Prometheus does: pkg/api/api.go `Respond`);
 * - anything else: 404 "404 page not found" (Go net/http `NotFound`).
 */

jest.setTimeout(60_000);

const bins = requireBinaries(['openssl']);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What the stand-in Query answers to `GET /api/v1/stores`, set per test. */
let storesAnswer: Answer;
/** `METHOD path` of every request the stand-in received, in order. */
const received: string[] = [];

const json = (status: number, body: string): Answer => ({ status, contentType: 'application/json', body });
const text = (status: number, body: string): Answer => ({ status, contentType: 'text/plain; charset=utf-8', body });

async function startStandInQuery() {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    received.push(`${req.method} ${path}`);
    req.resume();
    req.on('end', () => {
      let answer: Answer;
      if (path.endsWith('/api/v1/stores')) {
        answer = req.method === 'GET' ? storesAnswer : text(405, 'Method Not Allowed\n');
      } else if (path.endsWith('/api/v1/query') || path.endsWith('/api/v1/query_range')) {
        const resultType = path.endsWith('_range') ? 'matrix' : 'vector';
        answer = json(200, `${JSON.stringify({ status: 'success', data: { resultType, result: [] } })}\n`);
      } else {
        answer = text(404, '404 page not found\n');
      }
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return { port, url: `http://127.0.0.1:${port}`, stop: close };
}

const tls = clientTlsServersAround({
  openssl: bins.openssl,
  prefix: 'gl-capacity-stores-',
  wrongName: 'thanos-query.monitoring.greenlang-test.internal',
  backend: startStandInQuery,
});

const refusal = (promise: Promise<unknown>) => refusalOf(promise, PrometheusApiError);

beforeEach(() => {
  received.length = 0;
  storesAnswer = json(200, thanosStoresBody({ ...OTHERS, store: [storeGateway(podName('thanos-store-0'))] }));
});

describe("the capacity report asks Thanos Query's store list with the queries' client", () => {
  it('first GET <base>/api/v1/stores, then the queries, all over the same TLS base URL and CA', async () => {
    // A base URL with a path: the store list goes under it as the queries do.
    const api = capacityQueryApi({ queryUrl: `${tls.trustedUrl}/thanos`, queryCa: tls.read('private-ca.pem') });
    const run = composeCapacityReportWith(api, LOCAL_CAPACITY_CONFIG, { now: () => STORES_NOW });
    const { report } = await run({});

    expect(received[0]).toBe('GET /thanos/api/v1/stores');
    expect(received.filter((r) => r.includes('/stores'))).toEqual(['GET /thanos/api/v1/stores']);
    expect(received.slice(1).length).toBeGreaterThan(5);
    for (const r of received.slice(1)) expect(r).toMatch(/^POST \/thanos\/api\/v1\/query(_range)?$/);
    // The seed: 1 shard × 2 replicas; thanos-store-0 answering covers it.
    expect(report.historyCoverage).toMatchObject({
      checked: true,
      status: 'complete',
      storeGateways: { answering: 1, answeringShards: [0], missingShards: [] },
    });
  });

  it('the store list trusts only the given CA: another CA refuses the server before anything is sent', async () => {
    const api = prometheusApi({ baseUrl: tls.trustedUrl, ca: tls.read('other-ca.pem') });
    const error = await refusal(api.stores());
    expect(error.message).toMatch(/^\/api\/v1\/stores: request to https:\/\/localhost:\d+ failed: .*certificate/i);
    expect(received).toEqual([]);
    // The same URL with the CA that signed its certificate answers.
    const trusted = prometheusApi({ baseUrl: tls.trustedUrl, ca: tls.read('private-ca.pem') });
    expect(await trusted.stores()).toMatchObject({ kind: 'listed' });
    expect(received).toEqual(['GET /api/v1/stores']);
  });

  it('a store gateway missing from the list makes the report say so in its headline', async () => {
    storesAnswer = json(200, thanosStoresBody({ ...OTHERS }));
    const api = capacityQueryApi({ queryUrl: tls.trustedUrl, queryCa: tls.read('private-ca.pem') });
    const { report } = await composeCapacityReportWith(api, LOCAL_CAPACITY_CONFIG, { now: () => STORES_NOW })({});
    expect(report.headline).toMatch(/^Capacity: history incomplete \(no store gateway answering\), /);
    expect(report.recommendations[0]?.code).toBe('HISTORY_INCOMPLETE');
  });
});

describe('what the store list request makes of each answer', () => {
  const stores = () => prometheusApi({ baseUrl: tls.trustedUrl, ca: tls.read('private-ca.pem') }).stores();

  it('404 (a plain Prometheus has no store list): absent, not an error', async () => {
    storesAnswer = text(404, '404 page not found\n');
    expect(await stores()).toEqual({
      kind: 'absent',
      reason: `${tls.trustedUrl}/api/v1/stores answered HTTP 404: not Thanos Query`,
    });
  });

  it.each([
    {
      what: "Query's JSON error envelope (pkg/api/api.go RespondError)",
      answer: json(503, '{"status":"error","errorType":"timeout","error":"context deadline exceeded"}\n'),
      message: '/api/v1/stores: HTTP 503: timeout: context deadline exceeded',
    },
    {
      what: 'a proxy error page over several lines',
      answer: text(502, '<html>\n<head><title>502 Bad Gateway</title></head>\n<body>upstream gone</body>\n</html>\n'),
      message:
        '/api/v1/stores: HTTP 502, not JSON: <html> <head><title>502 Bad Gateway</title></head> <body>upstream gone</body> </html>',
    },
    {
      what: 'a 200 that is not JSON',
      answer: text(200, 'OK'),
      message: '/api/v1/stores: HTTP 200, not JSON: OK',
    },
    {
      what: 'data that is not grouped by component type',
      answer: json(200, '{"status":"success","data":[]}\n'),
      message: '/api/v1/stores: HTTP 200, not a store list: data: expected an object',
    },
    {
      what: 'an entry whose lastError is neither a string nor null',
      answer: json(200, thanosStoresBody({ store: [{ ...storeGateway('10.0.21.7:10901'), lastError: 42 }] })),
      message: '/api/v1/stores: HTTP 200, not a store list: data.store[0].lastError: expected a string or null',
    },
    {
      what: 'an entry without its times',
      answer: json(
        200,
        '{"status":"success","data":{"store":[{"name":"10.0.21.7:10901","lastCheck":"2026-11-23T05:59:57Z","lastError":null,"labelSets":[]}]}}\n',
      ),
      message: '/api/v1/stores: HTTP 200, not a store list: data.store[0]: expected minTime and maxTime',
    },
  ])('$what fails loudly, in one line naming the endpoint', async ({ answer, message }) => {
    storesAnswer = answer;
    const error = await refusal(stores());
    expect(error.message).toBe(message);
    expect(error.message).not.toMatch(/\n/);
  });

  it('a labelSets of null (a Go nil slice) is read as none', async () => {
    storesAnswer = json(
      200,
      '{"status":"success","data":{"store":[{"name":"10.0.21.7:10901","lastCheck":"2026-11-23T05:59:57Z","lastError":null,"labelSets":null,"minTime":9223372036854775807,"maxTime":-9223372036854775808}]}}\n',
    );
    expect(await stores()).toEqual({
      kind: 'listed',
      stores: {
        store: [
          {
            name: '10.0.21.7:10901',
            lastCheck: '2026-11-23T05:59:57Z',
            lastError: null,
            labelSets: [],
            // Go's math.MaxInt64 and MinInt64 as JSON.parse reads them: the nearest doubles.
            minTime: 2 ** 63,
            maxTime: -(2 ** 63),
          },
        ],
      },
    });
  });
});
