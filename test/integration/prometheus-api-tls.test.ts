import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PrometheusApiError, prometheusApi } from '../../lambdas/adapters/prometheus-api';
import { capacityQueryApi } from '../../lambdas/handlers/capacity-report/compose';
import { CommandError } from '../../lambdas/local/service';
import { requireReachable } from '../../lambdas/local/services/capacity';
import { startPrometheus } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { refusal as refusalOf } from '../support/refusal';
import { clientTlsServersAround } from '../support/tls-pki';

/**
 * The capacity report's Prometheus API client over TLS, as it runs in AWS: the query-frontend's internal NLB
 * terminates TLS with an ACM certificate issued by the AWS Private CA (lib/k8s/thanos-query.ts), and the function
 * trusts that CA only (QUERY_CA_PEM). Here a node:tls server in front of a real Prometheus (the Debian build, which
 * serves the same /api/v1 as Thanos Query) stands in for the NLB, and openssl makes the CAs and certificates.
 */

jest.setTimeout(60_000);

const bins = requireBinaries(['prometheus', 'openssl']);

/** Prometheus with no scrapes, its config in a temp dir removed when it stops. */
async function startQueryBackend() {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-prometheus-api-tls-config-'));
  const configFile = path.join(configDir, 'prometheus.yml');
  fs.writeFileSync(configFile, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const prometheus = await startPrometheus({ configFile }).catch((error: unknown) => {
    fs.rmSync(configDir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: prometheus.url,
    port: prometheus.port,
    stop: async () => {
      await prometheus.stop();
      fs.rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** Stand-ins for the query NLB's TLS listener (test/support/tls-pki.ts) in front of Prometheus. */
const tls = clientTlsServersAround({
  openssl: bins.openssl,
  prefix: 'gl-prometheus-api-tls-',
  wrongName: 'thanos-query.monitoring.greenlang-test.internal',
  backend: startQueryBackend,
});
const read = (name: string) => tls.read(name);

/** How many instant queries Prometheus has answered (its own counter, read over plain HTTP past the stand-in NLB). */
async function queriesAnswered(): Promise<number> {
  const text = await (await fetch(`${tls.backend.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('prometheus_http_requests_total{code="200",handler="/api/v1/query"}'));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** The error a query ends with (the test fails when it succeeds). */
const refusal = (promise: Promise<unknown>) => refusalOf(promise, PrometheusApiError);

describe('the Prometheus API client over TLS (a local TLS terminator stands in for the query NLB)', () => {
  it('queries through a server whose certificate the given CA signed', async () => {
    const api = prometheusApi({ baseUrl: tls.trustedUrl, ca: read('private-ca.pem') });
    const before = await queriesAnswered();
    expect(await api.query('vector(7)', new Date())).toEqual([{ labels: {}, value: 7 }]);
    const end = new Date();
    const range = await api.queryRange('vector(3)', new Date(end.getTime() - 120_000), end, 60);
    expect(range).toHaveLength(1);
    expect(range[0]?.points.map((p) => p.value)).toEqual([3, 3, 3]);
    expect(await queriesAnswered()).toBe(before + 1);
  });

  it('refuses a server whose certificate another CA signed, before sending the query', async () => {
    const api = prometheusApi({ baseUrl: tls.trustedUrl, ca: read('other-ca.pem') });
    const before = await queriesAnswered();
    const error = await refusal(api.query('vector(1)', new Date()));
    expect(error.message).toMatch(/^\/api\/v1\/query "vector\(1\)": request to https:\/\/localhost:\d+ failed: /);
    expect(error.message).toMatch(/certificate/i);
    expect(await queriesAnswered()).toBe(before);
  });

  it("refuses the private CA's server with Node's public roots alone (no CA given)", async () => {
    const before = await queriesAnswered();
    const error = await refusal(prometheusApi({ baseUrl: tls.trustedUrl }).query('vector(1)', new Date()));
    expect(error.message).toMatch(/certificate/i);
    expect(await queriesAnswered()).toBe(before);
  });

  it('refuses a certificate of the trusted CA issued for another name', async () => {
    const api = prometheusApi({ baseUrl: tls.wrongNameUrl, ca: read('private-ca.pem') });
    const before = await queriesAnswered();
    const error = await refusal(api.query('vector(1)', new Date()));
    expect(error.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
    expect(await queriesAnswered()).toBe(before);
  });

  it('trusts a subordinate CA by itself (what GetCertificateAuthorityCertificate returns for one), not its root', async () => {
    const api = prometheusApi({ baseUrl: tls.subordinateUrl, ca: read('subordinate-ca.pem') });
    expect(await api.query('vector(5)', new Date())).toEqual([{ labels: {}, value: 5 }]);
    // Trusting another root does not make the subordinate's chain acceptable.
    const stranger = prometheusApi({ baseUrl: tls.subordinateUrl, ca: read('private-ca.pem') });
    expect((await refusal(stranger.query('vector(5)', new Date()))).message).toMatch(/certificate/i);
  });

  it('refuses a CA for an http URL (it would never be used)', () => {
    expect(() => prometheusApi({ baseUrl: tls.backend.url, ca: read('private-ca.pem') })).toThrow(
      new PrometheusApiError(`a CA is given but ${JSON.stringify(tls.backend.url)} is not an https URL`),
    );
  });

  it("npm run local -- capacity checks the URL with the report's own client: trusted through --query-ca, else named", async () => {
    const trusted = capacityQueryApi({ queryUrl: tls.trustedUrl, queryCa: read('private-ca.pem') });
    const before = await queriesAnswered();
    await expect(requireReachable(trusted, tls.trustedUrl)).resolves.toBeUndefined();
    expect(await queriesAnswered()).toBe(before + 1);

    const untrusted = capacityQueryApi({ queryUrl: tls.trustedUrl });
    await expect(requireReachable(untrusted, tls.trustedUrl)).rejects.toThrow(
      new CommandError(
        `--query-url ${tls.trustedUrl}: its certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): pass the CA that issued it with --query-ca FILE`,
      ),
    );
  });
});
