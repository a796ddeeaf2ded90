import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { freePort, requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * The compactor's results beside the push ingestion, on real Pushgateways (Debian 1.5.1). The compactor writes its
 * group to every replica itself (lib/k8s/compactor-script.ts: `PUT /metrics/job/thanos-compactor` with curl), so no
 * record of the ingestion holds it. Before, a replica restarted from its persistence file was "resynchronised" by
 * the repair, which deletes every group no record has: the compactor's results, and the last success it carries
 * over from one run to the next, were gone from that replica until the next run.
 */
requireBinaries(['pushgateway']);

const COMPACTOR_GROUP = [
  `# TYPE ${COMPACTOR_METRICS.lastSuccess} gauge`,
  `${COMPACTOR_METRICS.lastSuccess} 1796000000`,
  `# TYPE ${COMPACTOR_METRICS.lastRunSuccess} gauge`,
  `${COMPACTOR_METRICS.lastRunSuccess} 1`,
  '',
].join('\n');

let workDir: string;
let stable: RunningComponent;
let victim: RunningComponent;
let ingest: IngestServer;
const logged: string[] = [];

const metricsOf = async (component: RunningComponent) => (await fetch(`${component.url}/metrics`)).text();

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-direct-groups-'));
  const persistence = { persistenceFile: path.join(workDir, 'victim.db'), dataDir: workDir };
  stable = await startPushgateway();
  victim = await startPushgateway({ port: await freePort(), ...persistence });
  ingest = await startIngestServer({
    pushgateways: [stable.url, victim.url],
    storeFile: path.join(workDir, 'store.jsonl'),
    repairIntervalMs: 200,
    logger: {
      info: (message, extra) => void logged.push(`${message} ${JSON.stringify(extra ?? {})}`),
      warn: () => undefined,
      error: () => undefined,
    },
  });
}, 60_000);

afterAll(async () => {
  await ingest?.close();
  await Promise.all([stable?.stop(), victim?.stop()]);
  fs.rmSync(workDir, { recursive: true, force: true });
});

it('refuses a push to the compactor job through the ingestion (403): nothing reaches a replica', async () => {
  const answer = await fetch(`${ingest.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, {
    method: 'PUT',
    body: `${COMPACTOR_METRICS.lastRunSuccess} 0\n`,
  });
  expect(answer.status).toBe(403);
  expect(await answer.text()).toMatch(/is written by the stack itself/);
  for (const replica of [stable, victim])
    expect(await metricsOf(replica)).not.toContain(COMPACTOR_METRICS.lastRunSuccess);
});

it("keeps the compactor's group on a replica restarted from its persistence file, while a stray group goes", async () => {
  // A batch job through the ingestion; the compactor and a stray writer straight to the replicas.
  expect((await fetch(`${ingest.url}/metrics/job/nightly`, { method: 'PUT', body: 'nightly_rows 5\n' })).status).toBe(
    200,
  );
  for (const replica of [stable, victim]) {
    const put = await fetch(`${replica.url}/metrics/job/${COMPACTOR_PUSH_JOB}`, {
      method: 'PUT',
      body: COMPACTOR_GROUP,
    });
    expect(put.status).toBe(200);
  }
  expect((await fetch(`${victim.url}/metrics/job/stray`, { method: 'PUT', body: 'stray_rows 1\n' })).status).toBe(200);
  // Persisted (every second), then killed -9 and restarted from the file on the same port.
  await eventually(async () => {
    const saved = fs.existsSync(path.join(workDir, 'victim.db'))
      ? fs.readFileSync(path.join(workDir, 'victim.db'))
      : '';
    if (!saved.includes('stray_rows')) throw new Error('not persisted yet');
  });
  const port = victim.port;
  victim.child.kill('SIGKILL');
  await victim.exited;
  victim = await startPushgateway({ port, persistenceFile: path.join(workDir, 'victim.db'), dataDir: workDir });
  // The repair sees the new run and resynchronises it (strays are deleted before it says so).
  await eventually(async () => {
    if (!logged.some((line) => line.startsWith('repair ') && line.includes('"restarted":["pushgateway-1"]'))) {
      throw new Error('not resynchronised yet');
    }
  });
  const after = await metricsOf(victim);
  expect(after).not.toContain('stray_rows');
  expect(after).toMatch(
    new RegExp(`^${COMPACTOR_METRICS.lastSuccess}\\{[^}]*job="${COMPACTOR_PUSH_JOB}"[^}]*\\} 1\\.796e\\+09$`, 'm'),
  );
  expect(after).toMatch(/^nightly_rows\{[^}]*job="nightly"[^}]*\} 5$/m);
});
