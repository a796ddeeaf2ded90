import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { basicAuthorization } from '../../../lambdas/domain/basic-credentials';
import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../../lambdas/domain/compactor-metrics';
import { loadEnvironmentConfig } from '../../../lib/config';
import { type RunningComponent, startPushgateway } from '../../../lib/devstack/components';
import { freePort } from '../../../lib/devstack/processes';
import { compactorRunScript } from '../../../lib/k8s/compactor-script';
import { thanosCompactArgs } from '../../../lib/k8s/thanos-compactor';

/**
 * Runs the GENERATED compactor wrapper with `sh`, a stand-in `thanos` first on PATH and two real Pushgateways, and
 * reads back what each Pushgateway holds.
 *
 * The stand-in behaves as `thanos compact` does in job mode (no `--wait`), which the wrapper must classify:
 * - cmd/thanos/compact.go: `if !conf.wait { return compactMainFn() }` — the run's error is returned, never the
 *   `--wait`-only "critical error detected; halting" log line;
 * - cmd/thanos/main.go: `level.Error(logger).Log("err", fmt.Sprintf("%+v", errors.Wrapf(err, "%s command
 *   failed", cmd)))` then `os.Exit(1)`, printed as JSON with `--log.format=json`;
 * - the error texts: the overlap halt is quoted from thanos docs/operating/troubleshooting.md ("Overlaps": the
 *   error of compactMainFn, `compaction failed: compaction: pre compaction overlap check: overlaps found while
 *   gathering blocks. [...]`); the retriable failure is built from pkg/compact/compact.go's wraps
 *   (`errors.Wrap(err, "compaction")`, `errors.Wrapf(err, "group %s", g.Key())` with DefaultGroupKey's
 *   `<resolution>@<labels hash>`, `retry(errors.Wrapf(err, "download block %s", meta.ULID))`) around Go's
 *   context.DeadlineExceeded text;
 * - an OOM kill is a SIGKILL: the shell reports exit 137 and Thanos prints nothing.
 */
const OVERLAP_HALT =
  'compaction failed: compaction: pre compaction overlap check: overlaps found while gathering blocks. [mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s, blocks: 2]: <ulid: 01D94ZRM050JQK6NDYNVBNR6WQ, mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s>, <ulid: 01D8AQXTF2X914S419TYTD4P5B, mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s>';
const DOWNLOAD_FAILURE =
  'compaction: group 0@5679675083797525161: download block 01D94ZRM050JQK6NDYNVBNR6WQ: context deadline exceeded';
const STANDIN_THANOS = `#!/bin/sh
printf '%s\\n' "$@" > "$STANDIN_DIR/args"
curl -fsS -H "@$STANDIN_AUTH_HEADER" "$STANDIN_OBSERVE_URL/metrics" > "$STANDIN_DIR/during-run.prom"
exit_with() { printf '{"caller":"main.go:161","err":"compact command failed: %s","level":"error","ts":"2026-11-30T10:00:00Z"}\\n' "$1" >&2; exit 1; }
case "$STANDIN_MODE" in
  success) echo '{"caller":"compact.go:492","level":"info","msg":"downsampling iterations done","ts":"2026-11-30T10:00:00Z"}'; exit 0 ;;
  failure) exit_with '${DOWNLOAD_FAILURE}' ;;
  halt) exit_with '${OVERLAP_HALT}' ;;
  oom) kill -9 $$ ;;
esac
exit 3
`;

type Mode = 'success' | 'failure' | 'halt' | 'oom';

let gateways: RunningComponent[] = [];
let binDir: string;
const config = loadEnvironmentConfig('prod');
/** The replicas admit one user, as in the cluster (lib/k8s/pushgateway-auth.ts); the wrapper reads its header file. */
const AUTH = { username: 'greenlang', password: 'compactor-run-test-password' };
const authorization = basicAuthorization(AUTH);
let headerFile: string;

/** A request to a replica, with the credentials. */
const gw = (url: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { authorization } });

beforeAll(async () => {
  gateways = await Promise.all([startPushgateway({ basicAuth: AUTH }), startPushgateway({ basicAuth: AUTH })]);
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-standin-thanos-'));
  fs.writeFileSync(path.join(binDir, 'thanos'), STANDIN_THANOS, { mode: 0o755 });
  headerFile = path.join(binDir, 'authorization-header');
  fs.writeFileSync(headerFile, `Authorization: ${authorization}`);
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  fs.rmSync(binDir, { recursive: true, force: true });
});

beforeEach(async () => {
  // Every test starts from empty groups.
  await Promise.all(gateways.map((g) => gw(`${g.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'DELETE' })));
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
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-compactor-run-'));
  const script = compactorRunScript({
    pushgatewayUrls: urls,
    thanosArgs: thanosCompactArgs(config),
    authorizationHeaderFile: headerFile,
  });
  const before = Math.floor(Date.now() / 1000);
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'sh',
      ['-c', script, 'compactor-run'],
      {
        env: {
          PATH: `${binDir}:${process.env.PATH}`,
          TMPDIR: runDir,
          STANDIN_DIR: runDir,
          STANDIN_MODE: mode,
          STANDIN_OBSERVE_URL: gateways[0]?.url ?? '',
          STANDIN_AUTH_HEADER: headerFile,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
  const after = Math.ceil(Date.now() / 1000);
  const args = fs.readFileSync(path.join(runDir, 'args'), 'utf8').trimEnd().split('\n');
  const duringRun = groupValues(fs.readFileSync(path.join(runDir, 'during-run.prom'), 'utf8'));
  fs.rmSync(runDir, { recursive: true, force: true });
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
  return groupValues(await (await gw(`${gateway.url}/metrics`)).text());
}

const M = COMPACTOR_METRICS;

describe('the generated compactor wrapper, against real Pushgateways', () => {
  it('runs thanos compact once with the rendered arguments and pushes a successful run to every replica', async () => {
    const run = await runScript('success');
    expect(run.code).toBe(0);
    expect(run.args).toEqual(thanosCompactArgs(config));
    expect(run.stdout).toContain('downsampling iterations done');
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
    await gw(`${a.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(1_700_000_100) });
    await gw(`${b.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(1_700_000_200) });
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

  it('reports the overlap halt of job mode (no "critical error detected" line) as halted=1 and fails the job', async () => {
    const run = await runScript('halt');
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('critical error detected');
    expect(run.stdout).toContain('pre compaction overlap check');
    for (const gateway of gateways) {
      const v = await held(gateway);
      expect(v.get(M.halted)).toBe(1);
      expect(v.get(M.lastRunSuccess)).toBe(0);
      expect(v.get(M.consecutiveFailures)).toBe(1);
    }
  });

  it('a retriable bucket error or an OOM kill fails the run without a halt, keeping the exit code', async () => {
    const failed = await runScript('failure');
    expect(failed.code).toBe(1);
    expect((await held(gateways[0] as RunningComponent)).get(M.halted)).toBe(0);
    const killed = await runScript('oom');
    expect(killed.code).toBe(137);
    const v = await held(gateways[1] as RunningComponent);
    expect(v.get(M.halted)).toBe(0);
    expect(v.get(M.lastRunSuccess)).toBe(0);
  });

  it('counts failed runs in a row on every replica and resets the count on success', async () => {
    for (const [mode, expected] of [
      ['failure', 1],
      ['oom', 2],
      ['halt', 3],
      ['success', 0],
      ['failure', 1],
    ] as const) {
      await runScript(mode);
      for (const gateway of gateways) expect((await held(gateway)).get(M.consecutiveFailures)).toBe(expected);
    }
  });

  it('continues the count from the replica that holds the highest one', async () => {
    const [a, b] = gateways as [RunningComponent, RunningComponent];
    const seed = (value: number) => `# TYPE ${M.consecutiveFailures} gauge\n${M.consecutiveFailures} ${value}\n`;
    await gw(`${a.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(4) });
    await gw(`${b.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, { method: 'PUT', body: seed(2) });
    await runScript('failure');
    for (const gateway of gateways) expect((await held(gateway)).get(M.consecutiveFailures)).toBe(5);
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
