import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../paths';

/**
 * The lifecycle of `npm start`: one instance per working folder, a clean start unless history is wanted, and no
 * process left behind whichever way it ends (Ctrl-C, SIGTERM, SIGHUP when the terminal closes, or npm dying).
 */

/** Another `npm start` holds the working folder. */
export class InstanceRunningError extends Error {
  override readonly name = 'InstanceRunningError';
}

export interface InstanceLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<workDir>/start.lock` (holding this pid) or throws {@link InstanceRunningError} naming the running
 * instance. A lock left by an instance that no longer runs (killed with SIGKILL, machine reset) is taken over.
 */
export function acquireInstanceLock(workDir: string, pid = process.pid): InstanceLock {
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, 'start.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${pid}\n`, { flag: 'wx' });
      return {
        file,
        release() {
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) {
        throw new InstanceRunningError(
          `another npm start (pid ${holder}) is running with ${displayPath(workDir)}: ` +
            `stop it first (Ctrl-C in its terminal, or kill ${holder}), or pass --work-dir DIR to run a second loop`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new InstanceRunningError(`could not take ${file}: another npm start is starting at the same moment`);
}

/**
 * What a clean start removes: the previous run's data (Prometheus TSDB, Alertmanager state, Pushgateway
 * persistence, S3 stand-in, ingest store), configs, notification log and endpoints. Old series of the previous
 * run's targets (other ports, so other `instance` labels) would otherwise stay queryable for Prometheus' 5-minute
 * lookback and raise alerts such as AlertmanagerConfigInconsistent, and pushed metrics (a halted compactor) would
 * fire again.
 */
export const RUN_STATE = ['data', 'config', 'notifications.jsonl', 'endpoints.json', 'aws.env', 'reports'] as const;

/** Removes the previous run's state from `workDir` (everything in {@link RUN_STATE}), or with `keepData` only
 * what each start rewrites anyway. */
export function resetWorkDir(workDir: string, options: { keepData?: boolean } = {}): void {
  const keep = new Set<string>(options.keepData ? ['data', 'notifications.jsonl'] : []);
  for (const entry of RUN_STATE) {
    if (!keep.has(entry)) fs.rmSync(path.join(workDir, entry), { recursive: true, force: true });
  }
}

/**
 * Calls `onGone` once when this process's parent changes (npm was killed, e.g. by SIGHUP, which npm does not forward
 * to its script: @npmcli/run-script's signal-manager.js forwards only SIGINT and SIGTERM). Returns a stop function.
 */
export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** A running process: its pid and command name. */
export interface ProcessEntry {
  readonly pid: number;
  readonly command: string;
}

/** This process's live children, from /proc (Linux); empty where /proc is not available. */
export function childProcesses(pid = process.pid): ProcessEntry[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children: ProcessEntry[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/**
 * Kills (SIGKILL) whatever child of this process is still running and returns them: the last safety net before
 * exit. (tsx's esbuild service is one such child by design; it would exit on its own once its pipe closes.)
 */
export function killRemainingChildren(pid = process.pid): ProcessEntry[] {
  const left = childProcesses(pid);
  for (const child of left) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
