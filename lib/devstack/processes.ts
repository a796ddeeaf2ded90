import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/**
 * Running real binaries (Prometheus, Alertmanager, Pushgateway) on loopback, for the integration tests and for
 * `npm start`: free ports, readiness checks, clean shutdown, and the process output kept for error messages.
 */

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: no port assigned'));
      });
    });
  });
}

/** Finds an executable on PATH. */
export function findBinary(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (path.isAbsolute(name)) {
    try {
      fs.accessSync(name, fs.constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The binaries the local stack and the integration tests use, and the Debian package of each. */
export const BINARIES = {
  prometheus: { command: 'prometheus', debianPackage: 'prometheus' },
  promtool: { command: 'promtool', debianPackage: 'prometheus' },
  alertmanager: { command: 'prometheus-alertmanager', debianPackage: 'prometheus-alertmanager' },
  amtool: { command: 'amtool', debianPackage: 'prometheus-alertmanager' },
  pushgateway: { command: 'prometheus-pushgateway', debianPackage: 'prometheus-pushgateway' },
  nodeExporter: { command: 'prometheus-node-exporter', debianPackage: 'prometheus-node-exporter' },
  postgresExporter: { command: 'prometheus-postgres-exporter', debianPackage: 'prometheus-postgres-exporter' },
  redisExporter: { command: 'prometheus-redis-exporter', debianPackage: 'prometheus-redis-exporter' },
  redis: { command: 'redis-server', debianPackage: 'redis-server' },
  // Debian keeps the server binaries off PATH, per major version.
  postgres: { command: '/usr/lib/postgresql/15/bin/postgres', debianPackage: 'postgresql-15' },
  initdb: { command: '/usr/lib/postgresql/15/bin/initdb', debianPackage: 'postgresql-15' },
  /** Builds the client_golang pusher of the client tests (with golang-github-prometheus-client-golang-dev). */
  go: { command: 'go', debianPackage: 'golang-go golang-github-prometheus-client-golang-dev' },
  /** Runs the prometheus_client pusher of the client tests. */
  python3: { command: 'python3', debianPackage: 'python3-prometheus-client' },
  /** Issues the test CAs and certificates of the TLS tests (web TLS; the Pushgateway replica client). */
  openssl: { command: 'openssl', debianPackage: 'openssl' },
  /**
   * A real client of the local push server (`Expect: 100-continue`, http1-server.test.ts) and the compactor
   * wrapper's client (`-H @file`).
   */
  curl: { command: 'curl', debianPackage: 'curl' },
  /** The Pushgateway image's shell and wget, which run its probes (pushgateway-auth.test.ts). */
  busybox: { command: 'busybox', debianPackage: 'busybox' },
  /**
   * AWS CLI v2 (Debian 12: 2.9), to parse docs/deploy.md's commands offline. By absolute path: another `aws` earlier
   * on PATH (a pip install) may be v1.
   */
  aws: { command: '/usr/bin/aws', debianPackage: 'awscli' },
} as const;
export type BinaryName = keyof typeof BINARIES;

/** Resolves the binaries or throws one message that lists what is missing and how to install it. */
export function requireBinaries(names: readonly BinaryName[]): Record<BinaryName, string> {
  const found: Partial<Record<BinaryName, string>> = {};
  const missing: BinaryName[] = [];
  for (const name of names) {
    const location = findBinary(BINARIES[name].command);
    if (location) found[name] = location;
    else missing.push(name);
  }
  if (missing.length > 0) {
    const commands = missing.map((n) => BINARIES[n].command).join(', ');
    const packages = [...new Set(missing.map((n) => BINARIES[n].debianPackage))].join(' ');
    throw new Error(`Not found on PATH: ${commands}. Install them with: sudo apt-get install -y ${packages}`);
  }
  return found as Record<BinaryName, string>;
}

export interface StartProcessOptions {
  /** Short name used in messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Polled until it answers 2xx. */
  readonly readyUrl?: string;
  /** Headers of the readiness requests (e.g. the credentials a server asks of every request). */
  readonly readyHeaders?: Readonly<Record<string, string>>;
  /** Or: polled until a TCP connection to 127.0.0.1:<port> succeeds (for servers without a health URL). */
  readonly readyPort?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 30000 */
  readonly readyTimeoutMs?: number;
  /** Called with each chunk the process writes (stdout and stderr). */
  readonly onOutput?: (chunk: string) => void;
}

/** A process started by {@link startProcess}. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (the last 64 KB). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the process exits by itself or is stopped. */
  readonly exited: Promise<number | null>;
}

const MAX_OUTPUT = 64 * 1024;

/** Polls `url` until it answers with a 2xx status. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
  headers: Readonly<Record<string, string>> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`exited before ${url} answered`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${lastError})`);
}

/** Polls until a TCP connection to 127.0.0.1:`port` succeeds. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`exited before port ${port} accepted connections`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} not accepting connections after ${timeoutMs} ms`);
}

/** Starts a process and waits until its readiness URL answers. Throws with the process output if it does not. */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const record = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-MAX_OUTPUT);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running = false;
      resolve(code);
    });
    child.on('error', (error) => {
      running = false;
      output += `\n${error.message}`;
      resolve(null);
    });
  });

  const managed: ManagedProcess = {
    name: options.name,
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  try {
    const timeout = options.readyTimeoutMs ?? 30_000;
    if (options.readyUrl !== undefined) {
      await waitForHttp(options.readyUrl, timeout, () => running, options.readyHeaders);
    } else if (options.readyPort !== undefined) await waitForPort(options.readyPort, timeout, () => running);
    else throw new Error('startProcess needs readyUrl or readyPort');
  } catch (error) {
    await managed.stop(1000);
    throw new Error(
      `${options.name} did not start: ${(error as Error).message}\n--- output ---\n${output.slice(-4000)}`,
    );
  }
  return managed;
}
