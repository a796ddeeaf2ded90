import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../lambdas/adapters/group-store';
import {
  PowertoolsPushMetrics,
  PowertoolsRepairMetrics,
  pushFunctionMetrics,
} from '../../lambdas/adapters/push-metrics';
import { pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { needsRepair, type SyncTiming } from '../../lambdas/domain/group-sync';
import { DEFAULT_PUSH_LIMITS } from '../../lambdas/domain/push-limits';
import { INGEST_METRICS, PUSH_SERVICES, REPAIR_METRICS } from '../../lambdas/domain/push-metric-names';
import { GroupView } from '../../lambdas/handlers/push-ingest/group-view';
import { type Logger, MISSED_HEADER, makeHandler } from '../../lambdas/handlers/push-ingest/handler';
import { makeRepair } from '../../lambdas/handlers/push-repair/repair';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { freePort, requireBinaries, waitForHttp } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';
import { captureEmf, emfSeries, emfValue } from '../support/emf';
import { handlerRequest } from '../support/handler-request';

/**
 * The push functions' figures from the real path: the handler and the repair in front of a real Pushgateway and a
 * replica that is down (then started), writing through Powertools Metrics; the EMF documents it prints are read
 * back. And `npm run local -- ingest` keeps stdout for its result: no EMF line there.
 */

jest.setTimeout(120_000);

requireBinaries(['pushgateway']);

const logger: Logger = { info() {}, warn() {}, error() {} };
const TIMING: SyncTiming = { leaseMs: 3000, writerExpiryMs: 60_000 };
const request = handlerRequest;

let workDir: string;
const started: RunningComponent[] = [];
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-push-figures-'));
});
afterAll(async () => {
  for (const component of started) await component.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("the push functions' figures against real Pushgateways", () => {
  it('per push and per pass: accepted, refused by status, the replica missed, series, then repaired and no longer owed', async () => {
    const first = await startPushgateway();
    started.push(first);
    const downPort = await freePort();
    const replicas = [
      pushgatewayReplica('pushgateway-0', first.url, { timeoutMs: 2000 }),
      pushgatewayReplica('pushgateway-1', `http://127.0.0.1:${downPort}`, { timeoutMs: 2000 }),
    ];
    const store = new FileGroupStore(path.join(workDir, 'store.jsonl'), (e) =>
      needsRepair(e, ['pushgateway-0', 'pushgateway-1']),
    );
    const emf = captureEmf();
    try {
      const handle = makeHandler({
        replicas,
        store,
        view: await GroupView.load(store),
        limits: DEFAULT_PUSH_LIMITS,
        timing: TIMING,
        logger,
        metrics: new PowertoolsPushMetrics(pushFunctionMetrics(PUSH_SERVICES.ingest)),
      });
      const ok = await handle(request('PUT', '/metrics/job/figures', 'a 1\nb{x="1"} 2\n'));
      expect(ok.status).toBe(200);
      expect(ok.headers[MISSED_HEADER]).toBe('pushgateway-1');
      // A sample with a timestamp: the Pushgateway refuses it (400), and so does the ingestion.
      expect((await handle(request('PUT', '/metrics/job/figures', 'a 1 1700000000000\n'))).status).toBe(400);

      const ingest = emfSeries(emf.documents());
      const svc = { service: PUSH_SERVICES.ingest };
      expect(ingest.filter((s) => s.metricName === INGEST_METRICS.accepted).map((s) => s.values[0])).toEqual([1, 0]);
      expect(ingest.filter((s) => s.metricName === INGEST_METRICS.refused).map((s) => s.values[0])).toEqual([0, 1]);
      expect(emfValue(ingest, INGEST_METRICS.answers, { ...svc, status: '200' })).toBe(1);
      expect(emfValue(ingest, INGEST_METRICS.answers, { ...svc, status: '400' })).toBe(1);
      expect(emfValue(ingest, INGEST_METRICS.replicasMissed, svc)).toBe(1);
      expect(emfValue(ingest, INGEST_METRICS.replicaMisses, { ...svc, replica: 'pushgateway-1' })).toBe(1);
      expect(emfValue(ingest, INGEST_METRICS.series, svc)).toBe(2);
      expect(ingest.filter((s) => s.metricName === INGEST_METRICS.bytes).map((s) => s.values[0])).toEqual([15, 18]);
      for (const s of ingest.filter((x) => x.metricName === INGEST_METRICS.ackTime)) {
        expect(s.values[0]).toBeGreaterThan(0);
        expect(s.values[0]).toBeLessThan(10_000);
      }

      emf.lines.length = 0;
      const repair = makeRepair({
        replicas,
        store,
        timing: TIMING,
        logger,
        metrics: new PowertoolsRepairMetrics(pushFunctionMetrics(PUSH_SERVICES.repair)),
      });
      await repair();
      let passes = emfSeries(emf.documents());
      const rsvc = { service: PUSH_SERVICES.repair };
      expect(emfValue(passes, REPAIR_METRICS.unreachable, rsvc)).toBe(1);
      expect(emfValue(passes, REPAIR_METRICS.stillOwed, rsvc)).toBe(1);

      // The missing replica comes up: the next pass resynchronises it and brings it the group.
      started.push(await startPushgateway({ port: downPort }));
      emf.lines.length = 0;
      await repair();
      passes = emfSeries(emf.documents());
      expect(emfValue(passes, REPAIR_METRICS.unreachable, rsvc)).toBe(0);
      expect(emfValue(passes, REPAIR_METRICS.resynchronised, rsvc)).toBe(1);
      expect(emfValue(passes, REPAIR_METRICS.repaired, rsvc)).toBe(1);
      expect(emfValue(passes, REPAIR_METRICS.stillOwed, rsvc)).toBe(0);
      expect(emfValue(passes, REPAIR_METRICS.writeFailures, rsvc)).toBe(0);
      expect(await (await fetch(`http://127.0.0.1:${downPort}/metrics`)).text()).toMatch(
        /^b\{instance="",job="figures",x="1"\} 2$/m,
      );
    } finally {
      emf.restore();
      await store.close();
    }
  });

  it('`npm run local -- ingest` writes only its result to stdout: no EMF line, whatever is pushed', async () => {
    const replica = started[0] ?? (await startPushgateway());
    if (!started.includes(replica)) started.push(replica);
    const port = await freePort();
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const child: ChildProcess = spawn(
      tsx,
      [
        'bin/local.ts',
        'ingest',
        '--port',
        String(port),
        '--store',
        path.join(workDir, 'local.jsonl'),
        '--pushgateway',
        replica.url,
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30_000, () => child.exitCode === null);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/metrics/job/local`, { method: 'PUT', body: 'l 1\n' })).status).toBe(200);
      expect((await fetch(`${base}/metrics/job/local`, { method: 'PUT', body: 'l{' })).status).toBe(400);
      expect((await fetch(`${base}/metrics/job/local`, { method: 'DELETE' })).status).toBe(202);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(stderr).not.toMatch(/_aws/);
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ url: `http://127.0.0.1:${port}`, pushgateways: [replica.url] });
  });
});
