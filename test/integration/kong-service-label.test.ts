import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadEnvironmentConfig } from '../../lib/config';
import { dashboardQueries } from '../../lib/dashboards';
import { type RunningComponent, startPrometheus } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { localScrapeConfigs } from '../../lib/devstack/scrape-config';
import { kubernetesObjects } from '../../lib/k8s';
import { type AlertingRule, ruleFiles } from '../../lib/rules';
import { JOBS } from '../../lib/rules/conventions';
import { KONG_SERVICE_LABEL } from '../../lib/rules/kong';
import { eventually } from '../support/eventually';
import { type InstantSample, instantQuery } from '../support/prometheus-query';

/**
 * Kong's own `service` label through a real scrape (Prometheus 2.42). A small HTTP server serves what Kong's
 * Prometheus plugin (3.x) exposes for two Kong services: `greenlang-reports` failing every request (2/s, all 502)
 * and `greenlang-api` healthy at 50 times that volume. Prometheus scrapes it with the scrape config the operator
 * generates for the RENDERED Kong ServiceMonitor (lib/devstack/scrape-config.ts: the target labels `namespace`,
 * `service` = the Kubernetes Service `kong-proxy`, `pod`, the job relabelings and the monitor's own
 * metricRelabelings), and the rendered rule and panel expressions are evaluated through the HTTP API.
 *
 * A second scrape of the same server without the metric relabelings shows the failure they fix: Kong's `service`
 * is stored as `exported_service`, and grouping by `service` sums every Kong service under `kong-proxy`.
 */

requireBinaries(['prometheus']);
const config = loadEnvironmentConfig('prod');
const objects = kubernetesObjects(config);
const KUBERNETES_SERVICE = 'kong-proxy';
const UNRELABELED_JOB = 'kong-without-metric-relabelings';

type Sample = InstantSample;

/** What the fake Kong exposes: the plugin with the three settings on, with status codes only, or its defaults. */
type PluginMode = 'all-settings' | 'status-codes-only' | 'defaults';
let mode: PluginMode = 'all-settings';
const started = Date.now();

/** Kong services, their request rate per second, status code and latency bucket (ms). */
const KONG_SERVICES = [
  { name: 'greenlang-api', route: 'api-v1', perSecond: 100, code: '200', latencyMs: 40 },
  { name: 'greenlang-reports', route: 'reports-v1', perSecond: 2, code: '502', latencyMs: 4000 },
] as const;
const BUCKETS = [50, 500, 5000] as const;

/** Kong 3.x exposition (Kong/kong kong/plugins/prometheus/exporter.lua: names and label sets). */
function kongExposition(): string {
  const seconds = (Date.now() - started) / 1000;
  const lines = [
    '# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable',
    '# TYPE kong_datastore_reachable gauge',
    'kong_datastore_reachable 1',
  ];
  if (mode !== 'defaults') {
    lines.push('# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong');
    lines.push('# TYPE kong_http_requests_total counter');
    for (const s of KONG_SERVICES) {
      const count = Math.floor(seconds * s.perSecond);
      lines.push(
        `kong_http_requests_total{service="${s.name}",route="${s.route}",code="${s.code}",source="service",consumer=""} ${count}`,
      );
    }
  }
  if (mode === 'all-settings') {
    lines.push('# HELP kong_request_latency_ms Total latency incurred during requests for each service/route in Kong');
    lines.push('# TYPE kong_request_latency_ms histogram');
    for (const s of KONG_SERVICES) {
      const count = Math.floor(seconds * s.perSecond);
      const labels = `service="${s.name}",route="${s.route}"`;
      for (const le of BUCKETS) {
        lines.push(`kong_request_latency_ms_bucket{${labels},le="${le}"} ${s.latencyMs <= le ? count : 0}`);
      }
      lines.push(`kong_request_latency_ms_bucket{${labels},le="+Inf"} ${count}`);
      lines.push(`kong_request_latency_ms_sum{${labels}} ${count * s.latencyMs}`);
      lines.push(`kong_request_latency_ms_count{${labels}} ${count}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

let dir: string;
let kong: http.Server | undefined;
let prometheus: RunningComponent | undefined;

const query = (expr: string): Promise<Sample[]> => instantQuery(prometheus?.url, expr);

/** The rendered alert's expression (without `for`: the test asks what it returns now). */
function alertExpr(name: string): string {
  const rule = ruleFiles(config)
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .find((r): r is AlertingRule => 'alert' in r && r.alert === name);
  if (!rule) throw new Error(`no rendered alert ${name}`);
  return rule.expr;
}

function panelExpr(title: string): string {
  const panel = dashboardQueries(config).find((q) => q.panel === title);
  if (!panel) throw new Error(`no rendered panel "${title}"`);
  return panel.expr;
}

const sortBy = (samples: readonly Sample[], label: string) =>
  [...samples].sort((a, b) => String(a.metric[label]).localeCompare(String(b.metric[label])));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-kong-service-'));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(kongExposition());
  });
  kong = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The scrape config of the rendered Kong ServiceMonitor, its metricRelabelings taken from the rendered object.
  const [scrape] = localScrapeConfigs(objects, {
    kong: [{ address, pod: 'kong-7c9d8f6b5-x2x7q', service: KUBERNETES_SERVICE }],
  });
  if (!scrape) throw new Error('no scrape config for the kong monitor');
  const unrelabeled = {
    ...scrape,
    job_name: `${scrape.job_name}-unrelabeled`,
    relabel_configs: [...scrape.relabel_configs, { target_label: 'job', replacement: UNRELABELED_JOB }],
    metric_relabel_configs: [],
  };
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    configFile,
    stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [scrape, unrelabeled] }),
  );
  prometheus = await startPrometheus({ configFile });
  // rate() needs two samples in its window, for both jobs (and the latency histogram for the panel).
  await eventually(
    async () => {
      for (const job of [JOBS.kong, UNRELABELED_JOB]) {
        const rates = await query(`count(rate(kong_http_requests_total{job="${job}"}[5m]))`);
        if (rates.length === 0) throw new Error(`job ${job} has no request rate yet`);
      }
      if ((await query(`count(rate(kong_request_latency_ms_bucket{job="${JOBS.kong}"}[5m]))`)).length === 0)
        throw new Error('no latency rate yet');
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => (kong ? kong.close(resolve) : resolve(undefined)));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the rendered Kong ServiceMonitor', () => {
  it('has metric relabelings (the test scrapes with the ones it renders)', () => {
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'kong');
    const spec = monitor?.spec as { endpoints: { metricRelabelings?: unknown[] }[] } | undefined;
    const endpoint = spec?.endpoints[0];
    expect(endpoint?.metricRelabelings).toEqual([
      { action: 'replace', sourceLabels: ['exported_service'], targetLabel: KONG_SERVICE_LABEL },
      { action: 'labeldrop', regex: 'exported_service' },
    ]);
  });

  it(`stores Kong's service as ${KONG_SERVICE_LABEL}, with service = the Kubernetes Service and no exported_service`, async () => {
    const stored = sortBy(await query(`kong_http_requests_total{job="${JOBS.kong}"}`), KONG_SERVICE_LABEL);
    expect(stored.map((s) => s.metric)).toEqual([
      expect.objectContaining({ service: KUBERNETES_SERVICE, [KONG_SERVICE_LABEL]: 'greenlang-api', code: '200' }),
      expect.objectContaining({ service: KUBERNETES_SERVICE, [KONG_SERVICE_LABEL]: 'greenlang-reports', code: '502' }),
    ]);
    for (const s of stored) expect(s.metric.exported_service).toBeUndefined();
    // Series without a Kong service get no empty kong_service either.
    const [datastore] = await query(`kong_datastore_reachable{job="${JOBS.kong}"}`);
    expect(datastore?.metric).toEqual(expect.not.objectContaining({ [KONG_SERVICE_LABEL]: expect.anything() }));
    expect(datastore?.metric.service).toBe(KUBERNETES_SERVICE);
  });

  it('KongHighErrorRate returns the failing Kong service, not the healthy one', async () => {
    const result = await query(alertExpr('KongHighErrorRate'));
    expect(result.map((s) => s.metric)).toEqual([{ job: JOBS.kong, [KONG_SERVICE_LABEL]: 'greenlang-reports' }]);
    expect(Number(result[0]?.value[1])).toBe(1);
  });

  it('without the metric relabelings Kong’s service is exported_service, and a ratio by service never alerts', async () => {
    const stored = await query(`kong_http_requests_total{job="${UNRELABELED_JOB}"}`);
    expect(stored.map((s) => [s.metric.service, s.metric.exported_service]).sort()).toEqual([
      [KUBERNETES_SERVICE, 'greenlang-api'],
      [KUBERNETES_SERVICE, 'greenlang-reports'],
    ]);
    // The former rule's grouping: both Kong services in one `kong-proxy` group, 2 / 102 ≈ 2% 5xx < 5%.
    const byService = await query(
      `sum by (job, service) (rate(kong_http_requests_total{job="${UNRELABELED_JOB}", code=~"5.."}[5m]))` +
        ` / sum by (job, service) (rate(kong_http_requests_total{job="${UNRELABELED_JOB}"}[5m]))`,
    );
    expect(byService.map((s) => s.metric.service)).toEqual([KUBERNETES_SERVICE]);
    expect(Number(byService[0]?.value[1])).toBeLessThan(0.05);
  });

  it('the Kong panels show one series per Kong service', async () => {
    const requests = await query(panelExpr('Kong requests per second by service and code'));
    expect(sortBy(requests, KONG_SERVICE_LABEL).map((s) => s.metric)).toEqual([
      { [KONG_SERVICE_LABEL]: 'greenlang-api', code: '200' },
      { [KONG_SERVICE_LABEL]: 'greenlang-reports', code: '502' },
    ]);
    const latency = sortBy(await query(panelExpr('Kong request latency (p99)')), KONG_SERVICE_LABEL);
    expect(latency.map((s) => s.metric)).toEqual([
      { [KONG_SERVICE_LABEL]: 'greenlang-api' },
      { [KONG_SERVICE_LABEL]: 'greenlang-reports' },
    ]);
    expect(Number(latency[0]?.value[1])).toBeLessThanOrEqual(50);
    expect(Number(latency[1]?.value[1])).toBeGreaterThan(500);
  });
});

describe('KongRequestMetricsMissing on the real scrape', () => {
  const missing = () => query(alertExpr('KongRequestMetricsMissing'));

  it('stays silent while Kong exports request counts and latencies', async () => {
    expect(await missing()).toEqual([]);
  });

  it('returns the kong job once latencies are gone (latency_metrics off), and with the plugin defaults', async () => {
    // Series gone from a scrape are marked stale at once, so the expression sees the change within a scrape or two.
    mode = 'status-codes-only';
    const withoutLatency = await eventually(async () => {
      const result = await missing();
      if (result.length === 0) throw new Error('not returned yet');
      return result;
    });
    expect(withoutLatency.map((s) => s.metric)).toEqual([{ job: JOBS.kong }]);
    mode = 'defaults';
    await eventually(async () => {
      if ((await query(`kong_http_requests_total{job="${JOBS.kong}"}`)).length > 0) throw new Error('still stored');
    });
    expect((await missing()).map((s) => s.metric)).toEqual([{ job: JOBS.kong }]);
  });
});
