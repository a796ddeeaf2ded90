import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort, type ManagedProcess, requireBinaries, startProcess } from '../../../lib/devstack/processes';
import { GRAFANA_SCRAPE_TLS_CONFIG } from '../../../lib/k8s/grafana-tls';
import { KUBE_STATE_METRICS_TLS_DIR } from '../../../lib/k8s/kube-state-metrics-tls';
import { NODE_EXPORTER_TLS_DIR, nodeExporterTlsValues } from '../../../lib/k8s/node-exporter-tls';
import { PROMETHEUS_CLIENT_TLS_CONFIG } from '../../../lib/k8s/prometheus';
import { prometheusAdapterRelease } from '../../../lib/k8s/prometheus-adapter';
import { QUERY_FRONTEND_SCRAPE_TLS_CONFIG } from '../../../lib/k8s/query-frontend-tls';
import { thanosHttpClientTlsConfig } from '../../../lib/k8s/thanos-http-tls';
import { THANOS_TLS_DIR } from '../../../lib/k8s/thanos-tls';
import { eventually } from '../../support/eventually';
import { type TestPki, testPki } from '../../support/tls-pki';
import { find, type Json, objectsFor } from '../../unit/k8s/support';

/**
 * Reality as the oracle for the web TLS settings the cluster objects carry:
 * - the RENDERED Thanos `--http.config` (ConfigMap thanos-http-config) is served by the real exporter-toolkit web
 *   server (Prometheus' `--web.config.file` reads the same format: thanos-io/thanos docs/operating/https.md) with a
 *   certificate carrying the RENDERED Certificate's names, issued by a test CA (openssl stands in for cert-manager's
 *   CA issuer: same ECDSA P-256 keys and SANs);
 * - a real client verifies it with the CA and the server name our Thanos client configs carry
 *   (`thanosHttpClientTlsConfig`: `ca_file` + `server_name`, the keys of Thanos' exthttp TLSConfig, mapped onto
 *   prometheus/common's TLSConfig, which Prometheus' scrape config parses with the same key names): Prometheus
 *   scraping over HTTPS, `up` 1 with the right name and 0 with another;
 * - Prometheus' web certificate verifies for the host prometheus-adapter dials (no server-name setting there) and
 *   for the PodMonitor's serverName;
 * - the query-frontend's rendered web config and certificate verify as Grafana's data source URL host and as its
 *   scrape's serverName; node-exporter's rendered web config is served by the real node_exporter
 *   (`--web.config.file`) and verified as its scrape does; kube-state-metrics' rendered `--tls-config` file passes
 *   `promtool check web-config` and serves TLS; Grafana's certificate names what its scrape and port-forward verify.
 */
const bins = requireBinaries(['prometheus', 'promtool', 'openssl']);
const run = promisify(execFile);
const { objects } = objectsFor('prod');
/** Grafana's provisioned data sources file, as rendered. */
const dataSources = (): string => find(objects, 'ConfigMap', 'grafana-config').data['datasources.yaml'];

let pki: TestPki;
let dir: string;
const processes: ManagedProcess[] = [];

let serial = 0;

/** A server certificate for `dnsNames`/`ipAddresses` signed by the test CA (files `<name>.pem/.key` in the PKI). */
function issue(name: string, dnsNames: readonly string[], ipAddresses: readonly string[] = []): void {
  const san = [...dnsNames.map((d) => `DNS:${d}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(',');
  serial += 1;
  pki.signed(
    name,
    'ca',
    `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
    serial,
  );
}

/**
 * Writes `fileName` in the temp dir: the rendered web config (ConfigMap `configMap`, key `key`) with the
 * mounted-secret paths under `mountDir` pointed at `certName`'s files in the temp dir. Answers its path.
 */
function renderedWebConfigFile(
  fileName: string,
  rendering: { readonly configMap: string; readonly key: string; readonly mountDir: string },
  certName: string,
): string {
  const { configMap, key, mountDir } = rendering;
  const rendered = parse(find(objects, 'ConfigMap', configMap).data[key]);
  const local = (file: string) => {
    if (!file.startsWith(`${mountDir}/`)) throw new Error(`${file} is not in ${mountDir}`);
    const files: Record<string, string> = { 'tls.crt': `${certName}.pem`, 'tls.key': `${certName}.key` };
    const name = files[file.slice(mountDir.length + 1)];
    if (!name) throw new Error(`${file} is neither tls.crt nor tls.key of the mounted secret`);
    return path.join(dir, name);
  };
  const server = rendered.tls_server_config;
  const file = path.join(dir, fileName);
  fs.writeFileSync(
    file,
    stringify({
      ...rendered,
      tls_server_config: { ...server, cert_file: local(server.cert_file), key_file: local(server.key_file) },
    }),
  );
  return file;
}

/** Writes `fileName` in the temp dir: a web config serving `certName`'s certificate and key. Answers its path. */
function certWebConfigFile(fileName: string, certName: string): string {
  const file = path.join(dir, fileName);
  fs.writeFileSync(
    file,
    stringify({
      tls_server_config: { cert_file: path.join(dir, `${certName}.pem`), key_file: path.join(dir, `${certName}.key`) },
    }),
  );
  return file;
}

/** The test CA's certificate (what cert-manager writes as `ca.crt`). */
const testCa = (): Buffer => fs.readFileSync(path.join(dir, 'ca.pem'));

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** GET over HTTPS with an explicit trust anchor and SNI/verification name (what our clients configure). */
/**
 * Polls `/-/ready` over TLS until it answers 200 (Prometheus answers 503 until its storage is up). A handshake the
 * client refuses keeps failing, and the last error is thrown at the deadline.
 */
async function readyOverTls(port: number, options: { ca?: Buffer; servername?: string }): Promise<void> {
  await eventually(async () => {
    const answer = await httpsGet(`https://127.0.0.1:${port}/-/ready`, options);
    if (answer.status !== 200) throw new Error(`/-/ready answered ${answer.status}`);
  });
}

function httpsGet(url: string, options: { ca?: Buffer; servername?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca: options.ca, servername: options.servername, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`timeout: ${url}`)));
    request.on('error', reject);
  });
}

/** The ALPN protocol the server on `port` agrees to when a client offers h2 and http/1.1 (false: none). */
function negotiated(port: number, servername: string): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername, ca: testCa(), ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        resolve(socket.alpnProtocol ?? false);
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

/** Starts Prometheus on `port` serving HTTPS with `webConfigFile`, scraping `scrapeConfigs` every second. */
async function startHttpsPrometheus(
  name: string,
  webConfigFile: string,
  port: number,
  scrapeConfigs: object[] = [],
): Promise<void> {
  const configFile = path.join(dir, `${name}-prometheus.yml`);
  fs.writeFileSync(configFile, stringify({ global: { scrape_interval: '1s' }, scrape_configs: scrapeConfigs }));
  processes.push(
    await startProcess({
      name,
      command: bins.prometheus,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, `${name}-data`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.config.file=${webConfigFile}`,
      ],
      readyPort: port,
    }),
  );
}

beforeAll(() => {
  pki = testPki(bins.openssl, 'gl-web-tls-');
  pki.rootCa('ca', 'greenlang-thanos-grpc-ca');
  dir = pki.dir;
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  pki?.remove();
});

describe('Thanos HTTP TLS: the rendered --http.config served by the real exporter-toolkit web server', () => {
  const queryCert = find(objects, 'Certificate', 'thanos-query-grpc-tls');
  const clientTls = thanosHttpClientTlsConfig(); // { ca_file, server_name } with the in-cluster CA path
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    issue('query', queryCert.spec.dnsNames);
    ca = testCa();
    const webConfigFile = renderedWebConfigFile(
      'thanos-http-config.yaml',
      { configMap: 'thanos-http-config', key: 'http-config.yaml', mountDir: THANOS_TLS_DIR },
      'query',
    );
    // promtool validates the file as a web config (unknown keys would be refused).
    await run(bins.promtool, ['check', 'web-config', webConfigFile]);
    const caFile = path.join(dir, 'ca.pem');
    port = await freePort();
    // The server scrapes itself twice: as our Thanos clients are configured (ca_file + server_name), and with
    // another server name.
    const job = (jobName: string, tls: object) => ({
      job_name: jobName,
      scheme: 'https',
      tls_config: tls,
      static_configs: [{ targets: [`127.0.0.1:${port}`] }],
    });
    await startHttpsPrometheus('prometheus-thanos-web-config', webConfigFile, port, [
      job('verified', { ...clientTls, ca_file: caFile }),
      job('other-name', { ...clientTls, ca_file: caFile, server_name: 'thanos-grpc-other.monitoring.svc' }),
    ]);
    await eventually(async () => {
      const ready = await httpsGet(`https://127.0.0.1:${port}/-/ready`, { ca, servername: clientTls.server_name });
      if (ready.status !== 200) throw new Error(`/-/ready: ${ready.status}`);
    });
  });

  it('serves HTTP/1.1 only: a client offering h2 (as the frontend and the Ruler do) is not given it', async () => {
    // The control: the same certificate under a web config without http_server_config is offered h2 by the same
    // binary (exporter-toolkit's default), so this test would see it.
    const controlPort = await freePort();
    await startHttpsPrometheus('prometheus-h2-control', certWebConfigFile('h2-control.yaml', 'query'), controlPort);
    expect(await eventually(() => negotiated(controlPort, clientTls.server_name))).toBe('h2');
    expect(await eventually(() => negotiated(port, clientTls.server_name))).not.toBe('h2');
  });

  it('serves TLS that verifies with the CA as thanos-http.monitoring.svc, the name every client verifies', async () => {
    const answer = await httpsGet(`https://127.0.0.1:${port}/-/healthy`, { ca, servername: clientTls.server_name });
    expect(answer.status).toBe(200);
  });

  it('refuses plain HTTP, an unknown CA and a name the certificate does not carry', async () => {
    const plain = await fetch(`http://127.0.0.1:${port}/-/healthy`);
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain('HTTP request to an HTTPS server');
    await expect(
      httpsGet(`https://127.0.0.1:${port}/-/healthy`, { servername: clientTls.server_name }),
    ).rejects.toThrow(/self[- ]signed|unable to (verify|get local issuer)/i);
    await expect(
      httpsGet(`https://127.0.0.1:${port}/-/healthy`, { ca, servername: 'thanos-grpc-other.monitoring.svc' }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('a client with our tls_config keys (ca_file, server_name) verifies it; the same client with another name fails', async () => {
    const up = async (jobName: string) => {
      const answer = await httpsGet(`https://127.0.0.1:${port}/api/v1/targets?state=active`, {
        ca,
        servername: clientTls.server_name,
      });
      const target = (JSON.parse(answer.body) as Json).data.activeTargets.find((t: Json) => t.labels.job === jobName);
      if (!target || target.health === 'unknown') throw new Error(`${jobName}: not scraped yet`);
      return target;
    };
    const verified = await eventually(() => up('verified'));
    expect(verified.health).toBe('up');
    const other = await eventually(() => up('other-name'));
    expect(other.health).toBe('down');
    expect(other.lastError).toMatch(
      /x509: certificate is valid for .*thanos-http\.monitoring\.svc.*not thanos-grpc-other/,
    );
  });
});

describe("Prometheus web TLS: the rendered certificate's names verify for every client", () => {
  const promCert = find(objects, 'Certificate', 'prometheus-web-tls');
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    issue('prometheus', promCert.spec.dnsNames, promCert.spec.ipAddresses);
    ca = testCa();
    // The operator writes the web config from spec.web.tlsConfig (tls_server_config cert_file/key_file): the same
    // format, with the certificate under test.
    const webConfigFile = certWebConfigFile('prometheus-web-config.yaml', 'prometheus');
    port = await freePort();
    await startHttpsPrometheus('prometheus-web', webConfigFile, port);
  });

  it.each([
    [
      "prometheus-adapter's URL host",
      () => {
        const values = prometheusAdapterRelease('prometheus-operated', 'prometheus-web-tls').values as Json;
        return new URL(values.prometheus.url).hostname;
      },
    ],
    ["the self-scrape PodMonitor's serverName", () => PROMETHEUS_CLIENT_TLS_CONFIG.serverName],
    ['localhost (config reloader and Thanos sidecar in the pod)', () => 'localhost'],
  ])('verifies as %s', async (_what, name) => {
    const servername = name();
    await readyOverTls(port, { ca, servername });
  });
});

describe('query-frontend HTTPS: its rendered web config and certificate against a real server, as its clients verify it', () => {
  const cert = find(objects, 'Certificate', 'thanos-query-frontend-web-tls');
  const frontend = find(objects, 'Deployment', 'thanos-query-frontend').spec.template.spec;
  const tlsDir = frontend.containers[0].volumeMounts.find((m: Json) => m.name === 'web-tls').mountPath as string;
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    issue('frontend', cert.spec.dnsNames);
    ca = testCa();
    const webConfigFile = renderedWebConfigFile(
      'frontend-http-config.yaml',
      { configMap: 'thanos-query-frontend-http-config', key: 'http-config.yaml', mountDir: tlsDir },
      'frontend',
    );
    await run(bins.promtool, ['check', 'web-config', webConfigFile]);
    port = await freePort();
    await startHttpsPrometheus('prometheus-frontend-web-config', webConfigFile, port);
  });

  it.each([
    ["Grafana's data source URL host", () => new URL(parse(dataSources()).datasources[0].url).hostname],
    ["the ServiceMonitor's serverName", () => QUERY_FRONTEND_SCRAPE_TLS_CONFIG.serverName],
  ])('verifies with the CA as %s', async (_what, name) => {
    await readyOverTls(port, { ca, servername: name() });
  });

  it('refuses plain HTTP (a client left on http:// fails loudly)', async () => {
    const plain = await fetch(`http://127.0.0.1:${port}/-/ready`);
    expect(plain.status).toBe(400);
  });
});

describe('node-exporter HTTPS: the rendered web config served by the real node_exporter, verified as the scrape does', () => {
  const bin = requireBinaries(['nodeExporter']);
  const cert = find(objects, 'Certificate', 'node-exporter-web-tls');
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    issue('node-exporter', cert.spec.dnsNames);
    ca = testCa();
    const webConfigFile = renderedWebConfigFile(
      'node-exporter-web-config.yaml',
      { configMap: 'node-exporter-web-config', key: 'web-config.yaml', mountDir: NODE_EXPORTER_TLS_DIR },
      'node-exporter',
    );
    port = await freePort();
    // The rendered flag, with the file at its temp path.
    const [flag] = (nodeExporterTlsValues().extraArgs as string[]).map((a) => a.split('=')[0]);
    processes.push(
      await startProcess({
        name: 'node-exporter-https',
        command: bin.nodeExporter,
        args: [
          `--web.listen-address=127.0.0.1:${port}`,
          `${flag}=${webConfigFile}`,
          '--collector.disable-defaults',
          '--collector.loadavg',
        ],
        readyPort: port,
      }),
    );
  });

  it('serves /metrics over TLS that verifies with the CA as the ServiceMonitor serverName', async () => {
    const monitor = find(objects, 'ServiceMonitor', 'node-exporter');
    const endpoint = monitor.spec.endpoints[0];
    expect(endpoint.scheme).toBe('https');
    const answer = await eventually(() =>
      httpsGet(`https://127.0.0.1:${port}/metrics`, { ca, servername: endpoint.tlsConfig.serverName }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('node_load1');
  });

  it('refuses plain HTTP and a name the certificate does not carry', async () => {
    const plain = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(plain.status).toBe(400);
    await expect(
      httpsGet(`https://127.0.0.1:${port}/metrics`, { ca, servername: 'node-exporter-other.monitoring.svc' }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('kube-state-metrics and Grafana: rendered web config and certificate names, verified as their scrapes verify them', () => {
  let ca: Buffer;

  beforeAll(() => {
    ca = testCa();
  });

  it('kube-state-metrics: the rendered --tls-config file is a valid exporter-toolkit web config that serves TLS verifying as the scrape serverName', async () => {
    const cert = find(objects, 'Certificate', 'kube-state-metrics-web-tls');
    issue('ksm', cert.spec.dnsNames);
    const webConfigFile = renderedWebConfigFile(
      'ksm-web-config.yaml',
      { configMap: 'kube-state-metrics-web-config', key: 'web-config.yaml', mountDir: KUBE_STATE_METRICS_TLS_DIR },
      'ksm',
    );
    // kube-state-metrics hands --tls-config to exporter-toolkit (pkg/app/server.go); promtool checks that format.
    await run(bins.promtool, ['check', 'web-config', webConfigFile]);
    const port = await freePort();
    await startHttpsPrometheus('prometheus-ksm-web-config', webConfigFile, port);
    const servername = find(objects, 'ServiceMonitor', 'kube-state-metrics').spec.endpoints[0].tlsConfig.serverName;
    await readyOverTls(port, { ca, servername });
  });

  it.each([
    ["the Grafana ServiceMonitor's serverName", () => GRAFANA_SCRAPE_TLS_CONFIG.serverName],
    ['localhost (kubectl port-forward)', () => 'localhost'],
  ])("Grafana's certificate verifies as %s", async (_what, name) => {
    const cert = find(objects, 'Certificate', 'grafana-web-tls');
    if (!fs.existsSync(path.join(dir, 'grafana.pem'))) {
      issue('grafana', cert.spec.dnsNames, cert.spec.ipAddresses);
    }
    // Grafana itself is not installed here: its certificate is served by the exporter-toolkit server instead; the
    // names are what this checks (Grafana's own HTTPS settings: lib/k8s/grafana-tls.ts, cited there).
    const webConfigFile = certWebConfigFile('grafana-web-config.yaml', 'grafana');
    const port = await freePort();
    await startHttpsPrometheus(`prometheus-grafana-cert-${name()}`, webConfigFile, port);
    await readyOverTls(port, { ca, servername: name() });
  });
});
