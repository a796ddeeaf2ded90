import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startPushgateway } from '../../lib/devstack/components';
import { findBinary, freePort, requireBinaries, startProcess } from '../../lib/devstack/processes';

describe('devstack processes', () => {
  it('finds the Debian binaries the tests need', () => {
    const found = requireBinaries(['prometheus', 'promtool', 'alertmanager', 'amtool', 'pushgateway']);
    expect(Object.values(found).every((p) => path.isAbsolute(p))).toBe(true);
  });

  it('names the missing binaries and the apt-get command that installs them', () => {
    const saved = process.env.PATH;
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-empty-path-'));
    process.env.PATH = empty;
    try {
      expect(() => requireBinaries(['prometheus', 'alertmanager'])).toThrow(
        'Not found on PATH: prometheus, prometheus-alertmanager. Install them with: sudo apt-get install -y prometheus prometheus-alertmanager',
      );
    } finally {
      process.env.PATH = saved;
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(findBinary('prometheus', '/nonexistent')).toBeUndefined();
  });

  it('starts a real Pushgateway on a free loopback port, serves pushes, and stops it', async () => {
    const pushgateway = await startPushgateway();
    try {
      expect(pushgateway.url).toBe(`http://127.0.0.1:${pushgateway.port}`);
      const push = await fetch(`${pushgateway.url}/metrics/job/devstack`, { method: 'PUT', body: 'devstack_test 1\n' });
      expect(push.status).toBe(200);
      const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
      expect(metrics).toMatch(/^devstack_test\{instance="",job="devstack"\} 1$/m);
    } finally {
      await pushgateway.stop();
    }
    expect(pushgateway.child.exitCode !== null || pushgateway.child.signalCode !== null).toBe(true);
    await expect(fetch(`${pushgateway.url}/-/ready`)).rejects.toThrow();
  });

  it('reports the output of a process that never becomes ready', async () => {
    const port = await freePort();
    await expect(
      startProcess({
        name: 'broken',
        command: 'sh',
        args: ['-c', 'echo boom; exit 3'],
        readyUrl: `http://127.0.0.1:${port}/`,
        readyTimeoutMs: 5000,
      }),
    ).rejects.toThrow(/broken did not start: exited before .* answered\n--- output ---\nboom/);
  });
});
