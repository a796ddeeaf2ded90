import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../lambdas/adapters/group-store';
import { needsRepair } from '../../lambdas/domain/group-sync';
import { startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * The local store without fsync (`--store-sync none`, the default) can lose its last records in an OS crash while a
 * replica already got them. After a reboot the ingestion trusts no replica proof in the store, so the repair
 * rewrites every group and the replicas end equal to what the store kept.
 */

jest.setTimeout(60_000);
requireBinaries(['pushgateway']);

describe('the local store after a reboot', () => {
  let workDir: string;
  let replicas: RunningComponent[];

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-store-'));
    replicas = await Promise.all([startPushgateway(), startPushgateway()]);
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('rewrites every group to every replica when the store was last written during another boot', async () => {
    const [first, second] = replicas as [RunningComponent, RunningComponent];
    const storeFile = path.join(workDir, 'store.jsonl');
    const pushgateways = [first.url, second.url];
    const before = await startIngestServer({ pushgateways, storeFile, repairIntervalMs: 100 });
    const pushed = await fetch(`${before.url}/metrics/job/kept`, { method: 'PUT', body: 'kept_x 1\n' });
    expect(pushed.status).toBe(200);
    await before.close();
    // The crash: the second replica got a version the store lost (its last record, never fsynced), and the store
    // was last written during a boot that is over.
    const lost = await fetch(`${second.url}/metrics/job/kept`, { method: 'PUT', body: 'kept_x 2\n' });
    expect(lost.status).toBe(200);
    const names = ['pushgateway-0', 'pushgateway-1'];
    const owed = (entry: Parameters<typeof needsRepair>[0]) => needsRepair(entry, names);
    await new FileGroupStore(storeFile, owed, { bootId: 'a boot before the crash', sync: 'none' }).close();

    const after = await startIngestServer({ pushgateways, storeFile, repairIntervalMs: 100 });
    try {
      expect(after.store.rebooted).toBe(true);
      await eventually(
        async () => {
          const text = await (await fetch(`${second.url}/metrics`)).text();
          expect(text).toContain('kept_x{instance="",job="kept"} 1\n');
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
    } finally {
      await after.close();
    }
    // The same store opened again in this boot trusts its proofs: nothing to rewrite.
    const again = new FileGroupStore(storeFile, owed);
    expect(again.rebooted).toBe(false);
    await again.close();
  });
});
