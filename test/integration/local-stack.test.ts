import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalEndpoints } from '../../lib/devstack/local-stack';
import type { ReceivedNotification } from '../../lib/devstack/notification-log';
import { PROJECT_ROOT } from '../../lib/paths';

/** Polls `check` until it returns a value, or fails with what it last saw. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

interface Started {
  child: ChildProcess;
  output: () => string;
  endpoints: LocalEndpoints;
}

/** `npm start` as a user runs it, in its own process group so Ctrl-C (SIGINT to the group) can be sent. */
async function npmStart(workDir: string): Promise<Started> {
  fs.rmSync(path.join(workDir, 'endpoints.json'), { force: true });
  const child = spawn('npm', ['start', '--', '--work-dir', workDir], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const endpoints = await eventually('endpoints.json', () => {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    const file = path.join(workDir, 'endpoints.json');
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as LocalEndpoints) : undefined;
  });
  return { child, output: () => output, endpoints };
}

/**
 * Ctrl-C: SIGINT to the whole process group, as a terminal sends it. npm itself dies of the signal; the start
 * script stops every component and exits. Resolves with npm's exit code or signal.
 */
async function ctrlC(started: Started): Promise<number | NodeJS.Signals | null> {
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    started.child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  if (started.child.pid) process.kill(-started.child.pid, 'SIGINT');
  return exited;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

describe('npm start: the whole loop on one machine', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-npm-start-'));
  let first: Started | undefined;

  afterAll(async () => {
    try {
      if (first?.child.pid) process.kill(-first.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  it('writes every endpoint, and a pushed metric travels to a notification', async () => {
    first = await npmStart(workDir);
    const { endpoints } = first;
    expect(Object.keys(endpoints)).toEqual(
      expect.arrayContaining(['prometheus', 'alertmanager', 'ingest', 'alerts', 'pushgateways']),
    );
    expect(endpoints.pushgateways).toHaveLength(2);
    expect(first.output()).toContain(endpoints.prometheus);

    // A batch job pushes through the ingestion, as with curl --data-binary.
    const push = await fetch(`${endpoints.ingest}/metrics/job/thanos-compactor`, {
      method: 'POST',
      // What a halted compactor run pushes (the rule reads the group of the newest finished run).
      body: `greenlang_thanos_compactor_halted 1\ngreenlang_thanos_compactor_last_run_end_timestamp_seconds ${Math.floor(Date.now() / 1000)}\n`,
    });
    expect(push.status).toBe(200);

    // Both Pushgateways hold it, and Prometheus scrapes it with the pushed job label (honor_labels).
    for (const pushgateway of endpoints.pushgateways) {
      const metrics = await (await fetch(`${pushgateway}/metrics`)).text();
      expect(metrics).toMatch(/^greenlang_thanos_compactor_halted\{instance="",job="thanos-compactor"\} 1$/m);
    }
    const series = await eventually('the metric in Prometheus', async () => {
      const query = encodeURIComponent('greenlang_thanos_compactor_halted{job="thanos-compactor"}');
      const body = (await (await fetch(`${endpoints.prometheus}/api/v1/query?query=${query}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return body.data.result[0];
    });
    expect(series.value[1]).toBe('1');

    // The project's rule fires and Alertmanager holds the alert, routed by the project's config.
    const alert = await eventually('ThanosCompactorHalted in Alertmanager', async () => {
      const alerts = (await (
        await fetch(`${endpoints.alertmanager}/api/v2/alerts?filter=alertname%3D%22ThanosCompactorHalted%22`)
      ).json()) as {
        labels: Record<string, string>;
        receivers: { name: string }[];
      }[];
      return alerts[0];
    });
    expect(alert.labels).toEqual(expect.objectContaining({ severity: 'critical', cluster: 'greenlang-dev' }));
    expect(alert.receivers.map((r) => r.name)).toEqual(['slack-critical']);

    // The fan-out delivered it to the Slack stand-in, and the sink recorded it.
    const notification = await eventually('the Slack notification in notifications.jsonl', () =>
      fs
        .readFileSync(endpoints.notifications, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ReceivedNotification)
        .find((n) => n.sink === 'slack' && n.summary.includes('ThanosCompactorHalted')),
    );
    expect(notification.summary).toContain('FIRING');
    expect(JSON.stringify(notification.payload)).toContain('Thanos compactor halted');
  });

  it('stops everything on Ctrl-C, and a second npm start works', async () => {
    if (!first) throw new Error('the first test did not start the stack');
    const { endpoints } = first;
    expect([0, 'SIGINT']).toContain(await ctrlC(first));
    for (const url of [
      endpoints.prometheus,
      endpoints.alertmanager,
      endpoints.ingest,
      endpoints.alerts,
      ...endpoints.pushgateways,
    ]) {
      await eventually(`${url} to stop`, async () => ((await refused(url)) ? true : undefined), 20_000);
    }

    const second = await npmStart(workDir);
    try {
      const ready = await fetch(`${second.endpoints.prometheus}/-/ready`);
      expect(ready.status).toBe(200);
    } finally {
      expect([0, 'SIGINT']).toContain(await ctrlC(second));
    }
  });
});
