import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  acquireInstanceLock,
  childProcesses,
  InstanceRunningError,
  killRemainingChildren,
  RUN_STATE,
  resetWorkDir,
} from '../../../lib/devstack/lifecycle';
import { isSupportedNode, unsupportedNodeMessage } from '../../../lib/node-version';
import { eventually } from '../../support/eventually';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-lifecycle-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('acquireInstanceLock', () => {
  it('takes the lock, refuses a second holder while the first runs, and frees it on release', () => {
    // The parent of this test process is alive, so a lock it held would be live.
    const first = acquireInstanceLock(dir, process.ppid);
    expect(fs.readFileSync(first.file, 'utf8')).toBe(`${process.ppid}\n`);
    expect(() => acquireInstanceLock(dir, process.pid)).toThrow(InstanceRunningError);
    expect(() => acquireInstanceLock(dir, process.pid)).toThrow(
      new RegExp(`another npm start \\(pid ${process.ppid}\\) is running .*kill ${process.ppid}`),
    );
    first.release();
    const second = acquireInstanceLock(dir, process.pid);
    expect(fs.readFileSync(second.file, 'utf8')).toBe(`${process.pid}\n`);
    second.release();
    expect(fs.existsSync(second.file)).toBe(false);
  });

  it('takes over a lock whose holder no longer runs', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    fs.writeFileSync(path.join(dir, 'start.lock'), `${pid}\n`);
    const lock = acquireInstanceLock(dir, process.pid);
    expect(fs.readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });
});

describe('resetWorkDir', () => {
  const populate = () => {
    for (const entry of RUN_STATE) {
      if (entry.includes('.')) fs.writeFileSync(path.join(dir, entry), 'x');
      else fs.mkdirSync(path.join(dir, entry, 'inner'), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, 'start.lock'), '1\n');
  };

  it('removes the previous run by default, and keeps data and notifications with keepData', () => {
    populate();
    resetWorkDir(dir);
    expect(fs.readdirSync(dir)).toEqual(['start.lock']);
    populate();
    resetWorkDir(dir, { keepData: true });
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'notifications.jsonl', 'start.lock']);
  });
});

describe('children', () => {
  it('finds the live children of a process by pid and command, and kills what is left', async () => {
    // A shell with one child of its own, so only that shell's children are looked at and killed.
    const shell = spawn('sh', ['-c', 'sleep 30 & wait']);
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    const shellPid = shell.pid ?? 0;
    // Between fork and exec the child is still a copy of `sh`: wait until it has become `sleep`.
    const [sleep] = await eventually(
      () => {
        const found = childProcesses(shellPid);
        expect(found.map((c) => c.command)).toEqual(['sleep']);
        return found;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect(killRemainingChildren(shellPid)).toEqual([sleep]);
    await exited; // the shell's wait returns once its child is killed
    expect(childProcesses(shellPid)).toEqual([]);
  });
});

describe('the Node.js version check', () => {
  it('accepts 22.12 and later, refuses older with one line saying what to install', () => {
    expect(isSupportedNode('22.12.0')).toBe(true);
    expect(isSupportedNode('v22.23.3')).toBe(true);
    expect(isSupportedNode('24.1.0')).toBe(true);
    expect(isSupportedNode('22.11.9')).toBe(false);
    expect(isSupportedNode('20.19.0')).toBe(false);
    expect(unsupportedNodeMessage('v22.23.3', 'start')).toBeUndefined();
    expect(unsupportedNodeMessage('v20.19.0', 'start')).toBe(
      'start: Node.js 22.12.0 or later is required, this is 20.19.0. Install Node 22 (the version in .node-version, e.g. `nvm install`) and run it again.',
    );
  });
});
