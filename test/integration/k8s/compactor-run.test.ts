import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../../lambdas/domain/compactor-metrics';
import { loadEnvironmentConfig } from '../../../lib/config';
import { type RunningComponent, startPushgateway } from '../../../lib/devstack/components';
import { freePort } from '../../../lib/devstack/processes';
import { compactorRunScript } from '../../../lib/k8s/compactor-script';
import { thanosCompactArgs } from '../../../lib/k8s/thanos-compactor';

/**
 * Runs the GENERATED compactor wrapper with `sh`, a fake `thanos` first on PATH and two real Pushgateways, and
 * reads back what each Pushgateway holds.
 */

// The fake thanos: records its arguments and what the Pushgateway held while it ran, then behaves as told.
const FAKE_THANOS = `#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_DIR/args"
curl -fsS "$FAKE_OBSERVE_URL/metrics" > "$FAKE_DIR/during-run.prom"
case "$FAKE_MODE" in
  success) echo 'level=info msg="compaction iterations done"'; exit 0 ;;
  failure) echo 'level=error msg="running command failed" err="get objects: access denied"' >&2; exit 1 ;;
  halt) echo 'level=error msg="critical error detected; halting" err="compaction: pre compaction overlap check: overlaps found while gathering blocks"' >&2; exit 1 ;;
esac
exit 3
`;

type Mode = 'success' | 'failure' | 'halt';

let gateways: RunningComponent[] = [];
let binDir: string;
const config = loadEnvironmentConfig('prod');

beforeAll(async () => {
  gateways = await Promise.all([startPushgateway(), startPushgateway()]);
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-fake-thanos-'));
  fs.writeFileSync(path.join(binDir, 'thanos'), FAKE_THANOS, { mode: 0o755 });
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

beforeEach(async () => {
  // Every test starts from empty groups.
  await Promise.all(gateways.map((g) => fetch(`${g.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'DELETE' })));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  before: number;
  after: number;
  args: string[];
  duringRun: Map<string, number>;
}

async function runScript(mode: Mode, urls: string[] = gateways.map((g) => g.url)): Promise<Run> {
  const fakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-compactor-run-'));
  const script = compactorRunScript({ pushgatewayUrls: urls, thanosArgs: thanosCompactArgs(config) });
  const before = Math.floor(Date.now() / 1000);
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'sh',
      ['-c', script, 'compactor-run'],
      {
        env: {
          PATH: `${binDir}:${process.env.PATH}`,
          TMPDIR: fakeDir,
          FAKE_DIR: fakeDir,
          FAKE_MODE: mode,
          FAKE_OBSERVE_URL: gateways[0]?.url ?? '',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
  const after = Math.ceil(Date.now() / 1000);
  const args = fs.readFileSync(path.join(fakeDir, 'args'), 'utf8').trimEnd().split('\n');
  const duringRun = groupValues(fs.readFileSync(path.join(fakeDir, 'during-run.prom'), 'utf8'));
  return { ...result, before, after, args, duringRun };
}

/** The compactor group's samples (metric name → value) in a Pushgateway's exposition. */
function groupValues(exposition: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match?.[1] || !match[3] || !match[2]?.includes(`job="${COMPACTOR_PUSH_JOB}"`)) continue;
    if (!match[1].startsWith('greenlang_thanos_compactor_')) continue;
    values.set(match[1], Number(match[3]));
  }
  return values;
}

async function held(gateway: RunningComponent): Promise<Map<string, number>> {
  return groupValues(await (await fetch(`${gateway.url}/metrics`)).text());
}

const M = COMPACTOR_METRICS;

describe('the generated compactor wrapper, against real Pushgateways', () => {
  it('runs thanos compact once with the rendered arguments and pushes a successful run to every replica', async () => {
    const run = await runScript('success');
    expect(run.code).toBe(0);
    expect(run.args).toEqual(thanosCompactArgs(config));
    expect(run.stdout).toContain('compaction iterations done');
    for (const gateway of gateways) {
      const v = await held(gateway);
      const start = v.get(M.lastRunStart) ?? Number.NaN;
      const end = v.get(M.lastRunEnd) ?? Number.NaN;
      expect(start).toBeGreaterThanOrEqual(run.before);
      expect(end).toBeGreaterThanOrEqual(start);
      expect(end).toBeLessThanOrEqual(run.after);
      expect(v.get(M.lastSuccess)).toBe(end);
      expect(v.get(M.lastRunSuccess)).toBe(1);
      expect(v.get(M.halted)).toBe(0);
      expect(v.get(M.lastRunDuration)).toBe(end - start);
    }
  });

  it('pushes the start before thanos runs (start only on a fresh group)', async () => {
    const run = await runScript('success');
    const final = await held(gateways[0] as RunningComponent);
    expect([...run.duringRun.keys()]).toEqual([M.lastRunStart]);
    expect(run.duringRun.get(M.lastRunStart)).toBe(final.get(M.lastRunStart));
  });

  it('keeps the previous result visible during a run and carries the last success over a failed run', async () => {
    const first = await runScript('success');
    expect(first.code).toBe(0);
    const previous = await held(gateways[0] as RunningComponent);
    const failed = await runScript('failure');
    expect(failed.code).toBe(1);
    // While the failing run was in progress: the previous run's end and success, and this run's start.
    expect(failed.duringRun.get(M.lastRunEnd)).toBe(previous.get(M.lastRunEnd));
    expect(failed.duringRun.get(M.lastRunSuccess)).toBe(1);
    for (const gateway of gateways) {
      const v = await held(gateway);
      expect(v.get(M.lastRunSuccess)).toBe(0);
      expect(v.get(M.halted)).toBe(0);
      expect(v.get(M.lastSuccess)).toBe(previous.get(M.lastSuccess));
      expect(v.get(M.lastRunStart)).toBeGreaterThanOrEqual(failed.before);
    }
  });

  it('carries over the highest last success any replica holds', async () => {
    const [a, b] = gateways as [RunningComponent, RunningComponent];
    const seed = (value: number) => `# TYPE ${M.lastSuccess} gauge\n${M.lastSuccess} ${value}\n`;
    await fetch(`${a.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(1_700_000_100) });
    await fetch(`${b.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(1_700_000_200) });
    const run = await runScript('failure');
    expect(run.code).toBe(1);
    for (const gateway of gateways) expect((await held(gateway)).get(M.lastSuccess)).toBe(1_700_000_200);
  });

  it('leaves the last success out after a failure when no replica ever saw one', async () => {
    await runScript('failure');
    for (const gateway of gateways) {
      const v = await held(gateway);
      expect(v.has(M.lastSuccess)).toBe(false);
      expect(v.get(M.lastRunSuccess)).toBe(0);
    }
  });

  it('reports a halt (critical error, e.g. overlapping blocks) as halted=1 and fails the job', async () => {
    const run = await runScript('halt');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('critical error detected; halting');
    for (const gateway of gateways) {
      const v = await held(gateway);
      expect(v.get(M.halted)).toBe(1);
      expect(v.get(M.lastRunSuccess)).toBe(0);
    }
  });

  it('still pushes to the reachable replica when another one is down, and keeps thanos exit code', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const run = await runScript('success', [down, (gateways[1] as RunningComponent).url]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`push (PUT) to ${down} failed`);
    const v = await held(gateways[1] as RunningComponent);
    expect(v.get(M.lastRunSuccess)).toBe(1);
  }, 60_000);
});
