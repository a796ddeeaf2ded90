import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { peakQuery, WEEK_PEAKS } from '../../lambdas/adapters/capacity-measurements';
import { prometheusApi } from '../../lambdas/adapters/prometheus-api';
import { directoryReportStore } from '../../lambdas/adapters/report-store';
import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import { SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { SEED_SIZING } from '../../lambdas/domain/sizing';
import { makeCapacityReportHandler } from '../../lambdas/handlers/capacity-report/handler';
import { type RunningComponent, startPrometheus, startPushgateway } from '../../lib/devstack/components';
import { type SnsStandIn, startSnsStandIn } from '../../lib/devstack/sns-standin';
import { PROJECT_ROOT } from '../../lib/paths';
import { eventually } from '../support/eventually';

/**
 * The capacity report and the weekly summary against a real Prometheus (Debian package) scraping real targets:
 * itself and a real Pushgateway holding pushed metrics. Prometheus has none of the capacity recording rules, so
 * the report must fall back to their raw expressions.
 */
// Each `npm run local` starts tsx: several seconds on a busy machine.
jest.setTimeout(120_000);

let prometheus: RunningComponent;
let pushgateway: RunningComponent;
let sns: SnsStandIn;
let workDir: string;
let now: Date;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:greenlang-local-weekly-summary';

const instant = async (expr: string, at: Date) => {
  const api = prometheusApi({ baseUrl: prometheus.url });
  return api.query(expr, at);
};

/**
 * `npm run local -- ...` as a child process, asynchronously: the SNS stand-in answers from this process, so a
 * synchronous spawn would deadlock.
 */
function local(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'local', '--', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function scrapeConfig(targets: Record<string, string>): string {
  const jobs = Object.entries(targets)
    .map(
      ([job, target]) =>
        `  - job_name: ${job}\n    honor_labels: ${job === 'pushgateway'}\n    static_configs:\n      - targets: ['${target}']\n`,
    )
    .join('');
  return `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}`;
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-capacity-'));
  pushgateway = await startPushgateway();
  // A batch job's metrics, as a job would push them: more series for Prometheus to scrape.
  const body = Array.from({ length: 50 }, (_, i) => `batch_rows_processed{table="t${i}"} ${i * 10}\n`).join('');
  const pushed = await fetch(`${pushgateway.url}/metrics/job/nightly-etl`, { method: 'PUT', body });
  expect(pushed.status).toBe(200);

  const configFile = path.join(workDir, 'prometheus.yml');
  fs.writeFileSync(configFile, scrapeConfig({ pushgateway: `127.0.0.1:${pushgateway.port}` }));
  prometheus = await startPrometheus({ configFile });
  // Now that its port is known, Prometheus scrapes itself too.
  fs.writeFileSync(
    configFile,
    scrapeConfig({ prometheus: `127.0.0.1:${prometheus.port}`, pushgateway: `127.0.0.1:${pushgateway.port}` }),
  );
  expect((await fetch(`${prometheus.url}/-/reload`, { method: 'POST' })).status).toBe(200);

  // Wait until both targets were scraped several times (rate() needs two samples, head series must be stable).
  await eventually(
    async () => {
      const t = new Date();
      const [self, pushed] = await Promise.all([
        instant('count_over_time(prometheus_tsdb_head_series[1m])', t),
        instant('count_over_time(batch_rows_processed{table="t0"}[1m])', t),
      ]);
      expect({ self: (self[0]?.value ?? 0) >= 5, pushed: (pushed[0]?.value ?? 0) >= 3 }).toEqual({
        self: true,
        pushed: true,
      });
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  now = new Date(Math.floor(Date.now() / 1000) * 1000);
  sns = await startSnsStandIn({ topics: [TOPIC_ARN] });
}, 90_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), pushgateway?.stop(), sns?.stop()]);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('capacity report against a real Prometheus', () => {
  it('reports the head series Prometheus reports, and estimates follow the seed formulas', async () => {
    const store = directoryReportStore(path.join(workDir, 'reports'));
    const api = prometheusApi({ baseUrl: prometheus.url });
    const run = makeCapacityReportHandler({
      prometheus: api,
      storeList: api,
      store,
      environment: 'local',
      sizing: SEED_SIZING,
      retention: SEED_RETENTION_POLICY,
      now: () => now,
    });
    const { report, written } = await run({});

    const [headSeries] = await instant('prometheus_tsdb_head_series', now);
    const [ingestion] = await instant('rate(prometheus_tsdb_head_samples_appended_total[5m])', now);
    // Memory is judged on its peak over the week (WEEK_PEAKS): here the few minutes this Prometheus has run.
    const [memory] = await instant(
      peakQuery(WEEK_PEAKS.memory, CAPACITY_RECORDING_RULES.prometheusMemoryPerReplica.expr, true),
      now,
    );
    expect(headSeries?.value).toBeGreaterThan(50); // its own series plus the 50 pushed ones
    expect(report.prometheus.replicas).toHaveLength(1);
    const replica = report.prometheus.replicas[0];
    expect(replica?.headSeries).toBe(headSeries?.value);
    expect(replica?.samplesPerSecond).toBeCloseTo(ingestion?.value ?? Number.NaN, 9);
    expect(replica?.samplesPerSecond).toBeGreaterThan(0);
    expect(replica?.memoryBytes).toBe(memory?.value);
    expect(replica?.estimatedMemoryBytes).toBe((headSeries?.value ?? 0) * 3_000 * 2 + 1e9);
    expect(replica?.estimatedLocalStorageBytes).toBeCloseTo((ingestion?.value ?? 0) * 7 * 86_400 * 1.5 * 2, 3);
    // No recording rules in this Prometheus: the raw expressions were used.
    expect(report.sources.headSeries).toBe(CAPACITY_RECORDING_RULES.headSeriesPerReplica.expr);
    const { prometheusMemoryPerReplica, queryRate } = CAPACITY_RECORDING_RULES;
    expect(report.sources.memory).toBe(
      `(max_over_time((${prometheusMemoryPerReplica.expr})[7d:5m])) or (${prometheusMemoryPerReplica.expr})`,
    );
    expect(report.sources.queryRate).toBe(
      `(quantile_over_time(0.95, (${queryRate.expr})[7d:5m])) or (${queryRate.expr})`,
    );
    // Minutes of history are not enough to project 4 weeks.
    expect(replica?.seriesProjection.kind).toBe('insufficient-data');
    // Prometheus has no /api/v1/stores (404 "404 page not found"): the coverage is not checked, not an error.
    expect(report.historyCoverage).toEqual({
      checked: false,
      reason: `${new URL(prometheus.url).origin}/api/v1/stores answered HTTP 404: not Thanos Query`,
    });
    // No Thanos here: query rate and store latency are NO_DATA, Prometheus is fine.
    expect(report.recommendations.map((r) => `${r.component}:${r.code}`).sort()).toEqual([
      'prometheus:FINE',
      'thanosQuery:NO_DATA',
      'thanosStore:NO_DATA',
    ]);
    const day = now.toISOString().slice(0, 10);
    expect(written).toEqual([
      `capacity/${day}/report.json`,
      'capacity/latest.json',
      `capacity/${day}/report.md`,
      'capacity/latest.md',
      `capacity/${day}/report.html`,
      'capacity/latest.html',
    ]);
    expect(JSON.parse((await store.get('capacity/latest.json')) ?? '{}').headline).toBe(report.headline);
  });

  it('npm run local -- capacity renders the HTML report for the same Prometheus', async () => {
    const result = await local([
      'capacity',
      '--query-url',
      prometheus.url,
      '--format',
      'html',
      '--now',
      now.toISOString(),
    ]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const html = result.stdout;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<h1>Capacity report — local</h1>');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('scale trigger 500,000 series/replica');
    expect(html).toContain(
      `<h2>History coverage</h2>\n<p>Not checked: ${new URL(prometheus.url).origin}/api/v1/stores answered HTTP 404: not Thanos Query.</p>`,
    );
    expect(html).not.toMatch(/<script\b/);
  });

  it('npm run local -- capacity prints JSON by default and rejects bad flags with exit code 2', async () => {
    const ok = await local(['capacity', '--query-url', prometheus.url, '--now', now.toISOString()]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).generatedAt).toBe(now.toISOString());
    // The local run asks the store list too (compose.ts), and a plain Prometheus has none.
    expect(JSON.parse(ok.stdout).historyCoverage).toMatchObject({ checked: false });
    const bad = await local(['capacity', '--query-url', prometheus.url, '--format', 'pdf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format: expected one of json, markdown, html, got "pdf"');
    const noUrl = await local(['capacity']);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toContain('--query-url is required');
  });
});

describe('weekly summary through SNS', () => {
  it('npm run local -- summary publishes one email from a reports directory and prints it', async () => {
    const reports = path.join(workDir, 'summary-reports');
    const day = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '/');
    const yesterday = new Date(now.getTime() - 86_400_000);
    const dir = path.join(reports, 'alert-history', day(yesterday));
    fs.mkdirSync(dir, { recursive: true });
    const startsAt = new Date(yesterday.getTime() - 3_600_000).toISOString();
    const endsAt = new Date(yesterday.getTime() - 1_800_000).toISOString();
    const alert = { name: 'PrometheusHighMemory', severity: 'critical', fingerprint: 'abc', startsAt };
    fs.writeFileSync(
      path.join(dir, '1.json'),
      JSON.stringify({ receiver: 'pagerduty', status: 'firing', groupKey: 'g', at: startsAt, alerts: [alert] }),
    );
    fs.writeFileSync(
      path.join(dir, '2.json'),
      JSON.stringify({
        receiver: 'pagerduty',
        status: 'resolved',
        groupKey: 'g',
        at: yesterday.toISOString(),
        alerts: [{ ...alert, endsAt }],
      }),
    );
    fs.writeFileSync(path.join(dir, '3.json'), '{"receiver": "slack", "status": "maybe"}');
    fs.writeFileSync(path.join(dir, '4.json'), 'not json');
    fs.mkdirSync(path.join(reports, 'audit'), { recursive: true });
    fs.writeFileSync(
      path.join(reports, 'audit', 'latest.json'),
      JSON.stringify({ findings: [{ code: 'GLACIER_BLOCK', severity: 'critical', message: 'block 01H in GLACIER' }] }),
    );

    const result = await local(
      [
        'summary',
        '--query-url',
        prometheus.url,
        '--topic-arn',
        TOPIC_ARN,
        '--reports',
        reports,
        '--now',
        now.toISOString(),
      ],
      { AWS_ENDPOINT_URL_SNS: sns.url },
    );
    expect(result.stderr).not.toMatch(/Error:/);
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(sns.published).toHaveLength(1);
    const [email] = sns.published;
    expect(email?.topicArn).toBe(TOPIC_ARN);
    expect(email?.subject).toBe(printed.subject);
    expect(email?.message).toBe(printed.body);
    expect(email?.subject).toMatch(
      /^\[greenlang-local\] Weekly summary \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}: 1 alert, 1 critical$/,
    );
    expect(printed.malformedRecords).toBe(2);
    expect(email?.message).toContain('  By severity: critical 1');
    expect(email?.message).toContain('  Time to resolve: median 30m, longest 30m');
    expect(email?.message).toContain('  - [critical] GLACIER_BLOCK: block 01H in GLACIER');
    expect(email?.message).toContain('Note: 2 alert-history records were malformed and skipped.');
    // No capacity report stored this week: a live one was made from --query-url, written, and linked.
    const html = path.join(reports, 'capacity', now.toISOString().slice(0, 10), 'report.html');
    expect(email?.message).toContain(`Full report: ${html}`);
    expect(fs.readFileSync(html, 'utf8')).toContain('<svg ');
    // No Thanos here: the headline says which checks had no data instead of calling them fine.
    expect(email?.message).toMatch(
      /CAPACITY\n {2}Capacity: no data for Thanos Query, the store gateway; \d+ series\/replica/,
    );
    expect(fs.existsSync(printed.savedAs)).toBe(true);
  });

  it('npm run local -- summary rejects a malformed topic ARN', async () => {
    const result = await local(['summary', '--query-url', prometheus.url, '--topic-arn', 'my-topic']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--topic-arn: not an SNS topic ARN: "my-topic"');
  });
});
