import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrometheusApiError, prometheusApi } from '../../lambdas/adapters/prometheus-api';
import { type RunningComponent, startPrometheus } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import {
  caExtensions,
  serverExtensions,
  startTlsTerminator,
  type TestPki,
  type TlsTerminator,
  testPki,
} from '../support/tls-pki';

/**
 * The capacity report's Prometheus API client over TLS, as it runs in AWS: the query-frontend's internal NLB
 * terminates TLS with an ACM certificate issued by the AWS Private CA (lib/k8s/thanos-query.ts), and the function
 * trusts that CA only (QUERY_CA_PEM). Here a node:tls server in front of a real Prometheus (the Debian build, which
 * serves the same /api/v1 as Thanos Query) stands in for the NLB, and openssl makes the CAs and certificates.
 */

jest.setTimeout(60_000);

const bins = requireBinaries(['prometheus', 'openssl']);

let pki: TestPki;
let prometheus: RunningComponent;
const terminators: TlsTerminator[] = [];
let trustedUrl: string;
let wrongNameUrl: string;
let subordinateUrl: string;

async function terminator(key: string, certChain: string[]): Promise<string> {
  const started = await startTlsTerminator({
    key: pki.read(key),
    certChain: certChain.map((file) => pki.read(file)),
    backendPort: prometheus.port,
  });
  terminators.push(started);
  return started.url;
}

/** How many instant queries Prometheus has answered (its own counter, read over plain HTTP past the stand-in NLB). */
async function queriesAnswered(): Promise<number> {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('prometheus_http_requests_total{code="200",handler="/api/v1/query"}'));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** The error a query ends with (the test fails when it succeeds). */
async function refusal(promise: Promise<unknown>): Promise<PrometheusApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrometheusApiError) return error;
    throw error;
  }
  throw new Error('the query succeeded');
}

beforeAll(async () => {
  pki = testPki(bins.openssl, 'gl-prometheus-api-tls-');
  pki.rootCa('private-ca');
  pki.rootCa('other-ca');
  pki.signed('frontend', 'private-ca', serverExtensions('localhost'), 1);
  pki.signed('wrong-name', 'private-ca', serverExtensions('thanos-query.monitoring.greenlang-test.internal'), 2);
  // A subordinate CA under a root, as an organisation's AWS Private CA often is.
  pki.rootCa('root-ca');
  pki.signed('subordinate-ca', 'root-ca', caExtensions({ subordinate: true }), 3);
  pki.signed('frontend-of-subordinate', 'subordinate-ca', serverExtensions('localhost'), 4);

  const configFile = path.join(pki.dir, 'prometheus.yml');
  fs.writeFileSync(configFile, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  prometheus = await startPrometheus({ configFile });
  trustedUrl = await terminator('frontend.key', ['frontend.pem']);
  wrongNameUrl = await terminator('wrong-name.key', ['wrong-name.pem']);
  subordinateUrl = await terminator('frontend-of-subordinate.key', [
    'frontend-of-subordinate.pem',
    'subordinate-ca.pem',
    'root-ca.pem',
  ]);
});

afterAll(async () => {
  await Promise.all(terminators.map((t) => t.close()));
  await prometheus?.stop();
  pki?.remove();
});

describe('the Prometheus API client over TLS (a local TLS terminator stands in for the query NLB)', () => {
  it('queries through a server whose certificate the given CA signed', async () => {
    const api = prometheusApi({ baseUrl: trustedUrl, ca: pki.read('private-ca.pem') });
    const before = await queriesAnswered();
    expect(await api.query('vector(7)', new Date())).toEqual([{ labels: {}, value: 7 }]);
    const end = new Date();
    const range = await api.queryRange('vector(3)', new Date(end.getTime() - 120_000), end, 60);
    expect(range).toHaveLength(1);
    expect(range[0]?.points.map((p) => p.value)).toEqual([3, 3, 3]);
    expect(await queriesAnswered()).toBe(before + 1);
  });

  it('refuses a server whose certificate another CA signed, before sending the query', async () => {
    const api = prometheusApi({ baseUrl: trustedUrl, ca: pki.read('other-ca.pem') });
    const before = await queriesAnswered();
    const error = await refusal(api.query('vector(1)', new Date()));
    expect(error.message).toMatch(/^\/api\/v1\/query "vector\(1\)": request to https:\/\/localhost:\d+ failed: /);
    expect(error.message).toMatch(/certificate/i);
    expect(await queriesAnswered()).toBe(before);
  });

  it("refuses the private CA's server with Node's public roots alone (no CA given)", async () => {
    const before = await queriesAnswered();
    const error = await refusal(prometheusApi({ baseUrl: trustedUrl }).query('vector(1)', new Date()));
    expect(error.message).toMatch(/certificate/i);
    expect(await queriesAnswered()).toBe(before);
  });

  it('refuses a certificate of the trusted CA issued for another name', async () => {
    const api = prometheusApi({ baseUrl: wrongNameUrl, ca: pki.read('private-ca.pem') });
    const before = await queriesAnswered();
    const error = await refusal(api.query('vector(1)', new Date()));
    expect(error.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
    expect(await queriesAnswered()).toBe(before);
  });

  it('trusts a subordinate CA by itself (what GetCertificateAuthorityCertificate returns for one), not its root', async () => {
    const api = prometheusApi({ baseUrl: subordinateUrl, ca: pki.read('subordinate-ca.pem') });
    expect(await api.query('vector(5)', new Date())).toEqual([{ labels: {}, value: 5 }]);
    // Trusting another root does not make the subordinate's chain acceptable.
    const stranger = prometheusApi({ baseUrl: subordinateUrl, ca: pki.read('private-ca.pem') });
    expect((await refusal(stranger.query('vector(5)', new Date()))).message).toMatch(/certificate/i);
  });

  it('refuses a CA for an http URL (it would never be used)', () => {
    expect(() => prometheusApi({ baseUrl: prometheus.url, ca: pki.read('private-ca.pem') })).toThrow(
      new PrometheusApiError(`a CA is given but ${JSON.stringify(prometheus.url)} is not an https URL`),
    );
  });
});
