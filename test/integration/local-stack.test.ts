import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BucketAuditReport } from '../../lambdas/domain/audit/findings';
import { basicAuthorization, parseBasicCredentials } from '../../lambdas/domain/basic-credentials';
import type { LocalEndpoints } from '../../lib/devstack/local-stack';
import type { ReceivedNotification } from '../../lib/devstack/notification-log';
import { PROJECT_ROOT } from '../../lib/paths';
import { eventually } from '../support/eventually';

const run = promisify(execFile);

/**
 * Waits (test/support `eventually`) until `check` returns a value; fails naming `what` and what it last saw.
 * `undefined` means "not yet".
 */
function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  return eventually(
    async () => {
      const value = await check();
      if (value === undefined) throw new Error(`no ${what} yet`);
      return value;
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((error: Error) => {
    throw new Error(`timed out waiting for ${what} (${error.message})`);
  });
}

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  endpoints: LocalEndpoints;
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `npm start -s` as a user runs it, as the leader of its own process group (as a shell runs a job). */
function spawnNpmStart(workDir: string): Omit<Started, 'endpoints'> {
  const child = spawn('npm', ['start', '-s', '--', '--work-dir', workDir], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function npmStart(workDir: string): Promise<Started> {
  const started = spawnNpmStart(workDir);
  const file = path.join(workDir, 'endpoints.json');
  const endpoints = await waitFor('endpoints.json', () => {
    if (started.child.exitCode !== null)
      throw new Error(`npm start exited ${started.child.exitCode}:\n${started.stderr()}`);
    // Written last, once everything answers; the table on stdout follows it.
    if (!fs.existsSync(file) || !started.stdout().includes('Ctrl-C stops everything')) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalEndpoints;
  });
  return { ...started, endpoints };
}

/** Every process in the group of `pgid` (Linux /proc), with its command name; zombies are gone already. */
function processGroup(pgid: number): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z') {
        out.push({ pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Sends `signal` to the npm process only, or to its whole process group (what a terminal does on Ctrl-C or when it
 * closes), and checks that everything it started goes away.
 */
async function stopWith(started: Started, signal: NodeJS.Signals, to: 'npm' | 'group' = 'npm'): Promise<void> {
  const pgid = started.child.pid ?? 0;
  const before = processGroup(pgid);
  const commands = before.map((p) => p.command).join(' ');
  // npm, the start script, 2 Pushgateways, 2 local services, Alertmanager, Prometheus.
  expect(commands).toMatch(/npm/);
  expect(commands).toMatch(/prometheus-aler/);
  expect(before.length).toBeGreaterThanOrEqual(8);
  process.kill(to === 'npm' ? pgid : -pgid, signal);
  const code = await started.exited;
  expect([0, signal]).toContain(code);
  await waitFor(
    `every process of npm start to exit after ${signal}`,
    () => (processGroup(pgid).length === 0 ? true : undefined),
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; left: ${JSON.stringify(processGroup(pgid))}`);
  });
  for (const url of [started.endpoints.prometheus, started.endpoints.alertmanager, started.endpoints.ingest]) {
    await expect(fetch(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }
  // SIGHUP to npm alone kills npm (it forwards only SIGINT and SIGTERM): the start script notices its parent went.
  expect(started.stderr()).toMatch(
    to === 'npm' && signal === 'SIGHUP' ? /Stopping \(npm went away\)/ : /Stopping \((SIG|npm went away)/,
  );
}

/** `npm run -s local -- ...` with the AWS settings `npm start` wrote to aws.env (as `source .local/aws.env`). */
async function local(endpoints: LocalEndpoints, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of fs.readFileSync(endpoints.awsEnv, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1]) env[match[1]] = match[2];
  }
  return run('npm', ['run', '-s', 'local', '--', ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
}

/** The Pushgateways admit one user, as in the cluster: the credentials npm start wrote (endpoints.json names them). */
function pushgatewayHeaders(endpoints: LocalEndpoints): Record<string, string> {
  const credentials = parseBasicCredentials(
    fs.readFileSync(endpoints.pushgatewayAuth, 'utf8'),
    endpoints.pushgatewayAuth,
  );
  return { authorization: basicAuthorization(credentials) };
}

function notifications(endpoints: LocalEndpoints): ReceivedNotification[] {
  if (!fs.existsSync(endpoints.notifications)) return [];
  return fs
    .readFileSync(endpoints.notifications, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ReceivedNotification);
}

async function query(
  prometheus: string,
  expr: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const body = (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

describe('npm start: the whole loop on one machine', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-npm-start-'));
  const running: Started[] = [];

  afterAll(async () => {
    for (const started of running) {
      try {
        if (started.child.pid) process.kill(-started.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  let first: Started;

  it('writes every endpoint, keeps stdout for results, and a pushed metric travels to a notification', async () => {
    first = await npmStart(workDir);
    running.push(first);
    const { endpoints } = first;
    expect(endpoints.pushgateways).toHaveLength(2);
    // The files holding the Pushgateways' password (the scrape's basic_auth, the ingestion's) are the owner's only.
    for (const file of ['config/prometheus.yml', 'config/pushgateway-auth.json']) {
      expect([file, fs.statSync(path.join(workDir, file)).mode & 0o777]).toEqual([file, 0o600]);
    }
    // Stdout: the URL table, nothing of npm's and no log lines; progress went to stderr.
    expect(first.stdout()).toMatch(/^env dev\n {2}prometheus {9}http:\/\/127\.0\.0\.1:\d+\n/);
    expect(first.stdout()).not.toMatch(/^> |^\{/m);
    expect(first.stderr()).toContain('clean state; --keep-data keeps history');

    // What a halted compactor run pushes (the rule reads the group of the newest finished run), as the compactor
    // does: straight to each Pushgateway with their user. The ingestion keeps that job for it.
    const halted = `greenlang_thanos_compactor_halted 1\ngreenlang_thanos_compactor_last_run_end_timestamp_seconds ${Math.floor(Date.now() / 1000)}\n`;
    const throughIngestion = await fetch(`${endpoints.ingest}/metrics/job/thanos-compactor`, {
      method: 'POST',
      body: halted,
    });
    expect(throughIngestion.status).toBe(403);
    for (const pushgateway of endpoints.pushgateways) {
      const push = await fetch(`${pushgateway}/metrics/job/thanos-compactor`, {
        method: 'POST',
        headers: pushgatewayHeaders(endpoints),
        body: halted,
      });
      expect(push.status).toBe(200);
    }
    const batch = await fetch(`${endpoints.ingest}/metrics/job/nightly_export`, {
      method: 'PUT',
      body: 'nightly_export_rows 1200\n',
    });
    expect(batch.status).toBe(200);
    for (const pushgateway of endpoints.pushgateways) {
      const metrics = await (await fetch(`${pushgateway}/metrics`, { headers: pushgatewayHeaders(endpoints) })).text();
      expect(metrics).toMatch(/^greenlang_thanos_compactor_halted\{instance="",job="thanos-compactor"\} 1$/m);
      expect(metrics).toMatch(/^nightly_export_rows\{instance="",job="nightly_export"\} 1200$/m);
    }
    // Only the ingestion, Prometheus and the compactor get in, as in the cluster: a push straight to a replica is refused.
    const direct = await fetch(`${endpoints.pushgateways[0]}/metrics/job/direct`, {
      method: 'PUT',
      body: 'direct 1\n',
    });
    expect(direct.status).toBe(401);

    const alert = await waitFor('ThanosCompactorHalted in Alertmanager', async () => {
      const alerts = (await (
        await fetch(`${endpoints.alertmanager}/api/v2/alerts?filter=alertname%3D%22ThanosCompactorHalted%22`)
      ).json()) as { labels: Record<string, string>; receivers: { name: string }[] }[];
      return alerts[0];
    });
    expect(alert.labels).toEqual(expect.objectContaining({ severity: 'critical', cluster: 'greenlang-dev' }));
    expect(alert.receivers.map((r) => r.name)).toEqual(['slack-critical']);

    const notification = await waitFor('the Slack notification in notifications.jsonl', () =>
      notifications(endpoints).find((n) => n.sink === 'slack' && n.summary.includes('ThanosCompactorHalted')),
    );
    expect(notification.summary).toContain('FIRING');
    expect(JSON.stringify(notification.payload)).toContain('Thanos compactor halted');
    // Its links lead to where Prometheus and Alertmanager listen, whatever the machine's host name resolves to.
    // (The runbook links are https to where docs/runbooks is published; the stack's own links are http.)
    const links = [...JSON.stringify(notification.payload).matchAll(/http:\/\/[^/"\\|>]+/g)].map((m) => m[0]);
    expect(links).toEqual(expect.arrayContaining([endpoints.prometheus, endpoints.alertmanager]));
    for (const link of links) expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor('the notification on stdout', () =>
      first.stdout().match(/^notification .*slack .*ThanosCompactorHalted/m) ? true : undefined,
    );
  });

  it('the walkthrough: the audit judges the seeded bucket, the summary reports alerts and audit from the same bucket', async () => {
    const { endpoints } = first;
    const audit = await local(
      endpoints,
      'audit',
      '--bucket',
      endpoints.s3.thanosBucket,
      '--report-bucket',
      endpoints.s3.reportsBucket,
    );
    const report = JSON.parse(audit.stdout) as BucketAuditReport;
    expect(report.inventory.blocks).toBeGreaterThan(20);
    expect(report.inventory.streams).toBe(2);
    expect(report.findings.map((f) => f.code)).toEqual(['STALE_DELETION_MARK']);

    // Pipe-clean: stdout of `npm run -s local` is the result alone, here the capacity report as JSON.
    const capacity = await local(endpoints, 'capacity', '--query-url', endpoints.prometheus, '--format', 'json');
    const capacityReport = JSON.parse(capacity.stdout) as { headline: string; recommendations: { code: string }[] };
    expect(capacityReport.recommendations.map((r) => r.code)).toContain('NO_DATA');
    expect(capacityReport.headline).toMatch(/^Capacity: no data for Thanos Query, the store gateway; [\d,]+ series/);

    const summary = await local(
      endpoints,
      'summary',
      '--query-url',
      endpoints.prometheus,
      '--topic-arn',
      endpoints.topics.summary,
      '--reports',
      `s3://${endpoints.s3.reportsBucket}`,
    );
    const printed = JSON.parse(summary.stdout) as { subject: string; body: string; savedAs: string };
    expect(printed.subject).toMatch(/^\[greenlang-local\] Weekly summary .*: \d+ alerts?, 1 critical$/);
    expect(printed.body).toMatch(/ThanosCompactorHalted \(critical\) x1/);
    expect(printed.body).toMatch(/BUCKET AUDIT\n {2}Latest audit \([^)]+\): 1 finding/);
    expect(printed.body).toContain('STALE_DELETION_MARK');
    expect(printed.savedAs).toMatch(/^s3:\/\/greenlang-local-reports\//);

    // The email went through the SNS stand-in; dev does not email critical alerts (email.criticalAlerts: false).
    const emails = await waitFor('the summary email', () => {
      const sent = notifications(endpoints).filter((n) => n.sink === 'email');
      return sent.length > 0 ? sent : undefined;
    });
    expect(emails.map((e) => e.summary)).toEqual([printed.subject]);
    expect(endpoints.topics.criticalEmail).toBeUndefined();
  });

  it('refuses a second npm start in the same folder, with one line naming the running one', async () => {
    const endpointsBefore = fs.readFileSync(path.join(workDir, 'endpoints.json'), 'utf8');
    const second = spawnNpmStart(workDir);
    expect(await second.exited).toBe(1);
    expect(second.stdout()).toBe('');
    expect(second.stderr()).toMatch(/^start: another npm start \(pid \d+\) is running with .*: stop it first .*\n$/);
    expect(fs.readFileSync(path.join(workDir, 'endpoints.json'), 'utf8')).toBe(endpointsBefore);
  });

  it('SIGTERM to npm stops every process it started', async () => {
    await stopWith(first, 'SIGTERM');
  });

  let restarted: Started;

  it('a restart is clean: nothing from the last run is left to fire', async () => {
    restarted = await npmStart(workDir);
    running.push(restarted);
    const { prometheus } = restarted.endpoints;
    // Let Prometheus evaluate every rule for longer than the longest local `for:` (10 s), a few times over.
    await waitFor(
      'Prometheus to have evaluated its rules for 20 s',
      async () => {
        const [up] = await query(prometheus, 'time() - process_start_time_seconds{job="prometheus"}');
        return Number(up?.value[1] ?? 0) > 20 ? true : undefined;
      },
      60_000,
    );
    const alerts = await query(prometheus, 'ALERTS');
    const names = alerts.map((a) => a.metric.alertname);
    expect(names).not.toContain('ThanosCompactorHalted');
    expect(names).not.toContain('AlertmanagerConfigInconsistent');
    // No series of the previous run's targets (other ports) is left in the TSDB.
    const oldAlertmanager = first.endpoints.alertmanager.replace('http://', '');
    expect(await query(prometheus, `count({instance="${oldAlertmanager}"})`)).toEqual([]);
    // And the previous run's pushes are gone from the Pushgateways.
    for (const pushgateway of restarted.endpoints.pushgateways) {
      const metrics = await fetch(`${pushgateway}/metrics`, { headers: pushgatewayHeaders(restarted.endpoints) });
      expect(await metrics.text()).not.toContain('greenlang_thanos_compactor_halted');
    }
  });

  it('SIGINT to npm stops every process it started', async () => {
    await stopWith(restarted, 'SIGINT');
  });

  it('SIGHUP to npm alone (npm dies of it) stops every process it started', async () => {
    const third = await npmStart(workDir);
    running.push(third);
    await stopWith(third, 'SIGHUP');
  });

  it.each([
    ['SIGHUP', 'the terminal closed'],
    ['SIGINT', 'Ctrl-C'],
  ] as const)('%s to the whole process group (%s) stops every process', async (signal, _why) => {
    const started = await npmStart(workDir);
    running.push(started);
    await stopWith(started, signal, 'group');
  });
});
