import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadEnvironmentConfig } from '../../lib/config';
import { dashboardQueries } from '../../lib/dashboards';
import { DASHBOARD_JOBS } from '../../lib/dashboards/jobs';
import {
  type RunningComponent,
  startAlertmanager,
  startPostgres,
  startPostgresExporter,
  startPrometheus,
  startPushgateway,
} from '../../lib/devstack/components';
import { freePort, type ManagedProcess, requireBinaries, startProcess } from '../../lib/devstack/processes';
import { ruleFiles } from '../../lib/rules';
import { PUSHGATEWAY_GROUPS_HELD_RECORD } from '../../lib/rules/pushgateway';
import { eventually } from '../support/eventually';

/**
 * Every panel query of every dashboard, run against a real Prometheus (Debian's 2.42) through /api/v1/query with
 * the template variables substituted: none may fail. The Prometheus scrapes itself (job `prometheus`), a real
 * Pushgateway (job `pushgateway`, honor_labels), a real node-exporter, Alertmanager, redis_exporter (over a real
 * redis-server) and postgres_exporter (Debian's 0.11.1, over a real PostgreSQL 15), and evaluates the capacity
 * and Pushgateway recording rules, so the panels over those jobs must also return data: their metric names are real.
 */

const {
  nodeExporter,
  redis: redisServer,
  redisExporter,
} = requireBinaries([
  'prometheus',
  'pushgateway',
  'alertmanager',
  'nodeExporter',
  'redis',
  'redisExporter',
  'postgres',
  'initdb',
  'postgresExporter',
]);
const config = loadEnvironmentConfig('prod');

interface QueryResult {
  readonly status: string;
  readonly error?: string;
  readonly data?: { resultType: string; result: unknown[] };
}

let dir: string;
let prometheus: RunningComponent | undefined;
let pushgateway: RunningComponent | undefined;
let node: ManagedProcess | undefined;
let alertmanager: RunningComponent | undefined;
let redis: ManagedProcess | undefined;
let redisMetrics: ManagedProcess | undefined;
let postgres: RunningComponent | undefined;
let postgresMetrics: RunningComponent | undefined;

async function query(expr: string): Promise<QueryResult> {
  const url = `${prometheus?.url}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const response = await fetch(url);
  return (await response.json()) as QueryResult;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-dashboard-queries-'));
  pushgateway = await startPushgateway();
  const nodePort = await freePort();
  node = await startProcess({
    name: 'node-exporter',
    command: nodeExporter,
    args: [
      `--web.listen-address=127.0.0.1:${nodePort}`,
      '--collector.disable-defaults',
      '--collector.cpu',
      '--collector.meminfo',
      '--collector.filesystem',
    ],
    readyUrl: `http://127.0.0.1:${nodePort}/metrics`,
  });
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    stringify({
      route: { receiver: 'fanout' },
      receivers: [{ name: 'fanout', webhook_configs: [{ url: 'http://127.0.0.1:9/alerts' }] }],
    }),
  );
  // Clustering on (one member): the cluster metrics exist only then.
  alertmanager = await startAlertmanager({
    configFile: path.join(dir, 'alertmanager.yml'),
    clusterPort: await freePort(),
  });
  const redisPort = await freePort();
  redis = await startProcess({
    name: 'redis-server',
    command: redisServer,
    args: [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      '100mb',
    ],
    readyPort: redisPort,
  });
  const redisExporterPort = await freePort();
  redisMetrics = await startProcess({
    name: 'redis-exporter',
    command: redisExporter,
    args: ['-redis.addr', `redis://127.0.0.1:${redisPort}`, '-web.listen-address', `127.0.0.1:${redisExporterPort}`],
    readyUrl: `http://127.0.0.1:${redisExporterPort}/metrics`,
  });
  postgres = await startPostgres();
  postgresMetrics = await startPostgresExporter(postgres.url);
  // A batch job's push, so the Pushgateway panels have a pushed group.
  const push = await fetch(`${pushgateway.url}/metrics/job/nightly-report`, {
    method: 'PUT',
    body: 'greenlang_batch_job_interval_seconds 86400\n',
  });
  expect(push.status).toBe(200);

  // The recording rules the panels read: capacity's, and the Pushgateway's groups held per replica.
  const recorded = ruleFiles(config).filter((f) => f.name === 'capacity-recording' || f.name === 'pushgateway');
  expect(recorded).toHaveLength(2);
  fs.writeFileSync(path.join(dir, 'recorded.yaml'), stringify({ groups: recorded.flatMap((f) => f.groups) }));
  const promPort = await freePort();
  const scrape = (job: string, target: string, extra: Record<string, unknown> = {}) => ({
    job_name: job,
    static_configs: [{ targets: [target] }],
    ...extra,
  });
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'recorded.yaml')],
      scrape_configs: [
        scrape(DASHBOARD_JOBS.prometheus, `127.0.0.1:${promPort}`),
        scrape(DASHBOARD_JOBS.pushgateway, `127.0.0.1:${pushgateway.port}`, { honor_labels: true }),
        scrape(DASHBOARD_JOBS.nodeExporter, `127.0.0.1:${nodePort}`),
        scrape(DASHBOARD_JOBS.alertmanager, `127.0.0.1:${alertmanager.port}`),
        scrape(DASHBOARD_JOBS.redis, `127.0.0.1:${redisExporterPort}`),
        scrape(DASHBOARD_JOBS.postgres, `127.0.0.1:${postgresMetrics.port}`),
      ],
    }),
  );
  prometheus = await startPrometheus({ configFile: path.join(dir, 'prometheus.yml'), port: promPort });
  // Two scrapes of each target (rate() needs two samples) and one evaluation of the recording rules.
  await eventually(
    async () => {
      const result = await query(
        `min(count_over_time(up[1m])) >= 3 and on() count(pod:prometheus_tsdb_head_series:sum) > 0 and on() count(${PUSHGATEWAY_GROUPS_HELD_RECORD}) > 0`,
      );
      if ((result.data?.result ?? []).length === 0) throw new Error('targets not scraped twice yet');
    },
    { timeoutMs: 30_000 },
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await pushgateway?.stop();
  await node?.stop();
  await alertmanager?.stop();
  await redisMetrics?.stop();
  await redis?.stop();
  await postgresMetrics?.stop();
  await postgres?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard queries against a real Prometheus', () => {
  it('every panel query runs without error', async () => {
    const failures: string[] = [];
    for (const q of dashboardQueries(config)) {
      const result = await query(q.expr);
      if (result.status !== 'success') failures.push(`${q.dashboard} / ${q.panel}: ${result.error} (${q.expr})`);
    }
    expect(failures).toEqual([]);
  });

  it.each([
    ['greenlang-prometheus', 'Head series'],
    ['greenlang-prometheus', 'Samples appended per second'],
    ['greenlang-prometheus', 'Slowest scrape per job'],
    ['greenlang-prometheus', 'Storage used by blocks'],
    ['greenlang-prometheus', 'WAL fsync duration (p99)'],
    ['greenlang-prometheus', 'Resident memory'],
    ['greenlang-stack-overview', 'Share of targets up, per job'],
    ['greenlang-stack-overview', 'Active series per replica vs the scale trigger'],
    ['greenlang-capacity', 'Memory: seed formula vs measured'],
    ['greenlang-pushgateway', 'Time since last successful push, per job'],
    ['greenlang-pushgateway', 'Staleness against the declared interval'],
    ['greenlang-pushgateway', 'Groups held'],
    ['greenlang-pushgateway', 'Pushgateway memory'],
    ['greenlang-kubernetes', 'Node CPU busy'],
    ['greenlang-kubernetes', 'Node memory used'],
    ['greenlang-kubernetes', 'Node root filesystem used'],
    ['greenlang-alertmanager', 'Notifications sent per second'],
    ['greenlang-alertmanager', 'Notification failures per second'],
    ['greenlang-alertmanager', 'Notification latency (p99)'],
    ['greenlang-alertmanager', 'Cluster members seen by each pod'],
    ['greenlang-alertmanager', 'Failed peers and config reloads'],
    ['greenlang-services', 'Redis memory used'],
    ['greenlang-services', 'Redis clients and evictions'],
    ['greenlang-services', 'Connections used'],
  ])('%s / %s returns data from the real components', async (dashboard, panel) => {
    const queries = dashboardQueries(config).filter((q) => q.dashboard === dashboard && q.panel === panel);
    expect(queries.length).toBeGreaterThan(0);
    const results = await Promise.all(queries.map((q) => query(q.expr)));
    const series = results.map((r) => r.data?.result.length ?? 0);
    expect(series.every((n) => n > 0)).toBe(true);
  });

  it("PostgreSQL panels: every metric Debian's postgres_exporter 0.11.1 exposes returns data; only the replication lag is newer", async () => {
    const queries = dashboardQueries(config).filter((q) => /\bpg_/.test(q.expr));
    const results = await Promise.all(queries.map(async (q) => [q.expr, (await query(q.expr)).data?.result.length]));
    const empty = results.filter(([, n]) => !n).map(([expr]) => expr);
    // pg_replication_lag_seconds comes from the replication collector of newer releases (upstream
    // collector/pg_replication.go, cited in lib/contract/exposures.ts); 0.11.1 has no such metric.
    expect(empty).toEqual([expect.stringContaining('pg_replication_lag_seconds')]);
    expect(results.length).toBeGreaterThanOrEqual(3);
  });
});
