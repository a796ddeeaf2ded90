import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { type BasicCredentials, basicAuthorization } from '../../lambdas/domain/basic-credentials';
import { pushgatewayWebConfig } from '../k8s/pushgateway-auth';
import { BINARIES, freePort, type ManagedProcess, startProcess } from './processes';

/** A real component running on loopback. */
export interface RunningComponent extends ManagedProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Its data folder (removed by `stop` unless it was given by the caller). */
  readonly dataDir: string;
}

interface ComponentSpec {
  readonly name: string;
  readonly command: string;
  readonly readyPath: string;
  readonly dataDir?: string;
  readonly args: (port: number, dataDir: string) => string[];
  readonly onOutput?: (chunk: string) => void;
  /** Listen on this port (one attempt). @default a free port, retried if taken meanwhile */
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly readyHeaders?: Readonly<Record<string, string>>;
}

/** Starts a component on a free port, retrying with another port if the one chosen was taken meanwhile. */
async function startComponent(spec: ComponentSpec): Promise<RunningComponent> {
  const ownsDataDir = spec.dataDir === undefined;
  const dataDir = spec.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `gl-${spec.name}-`));
  let lastError: unknown;
  for (let attempt = 0; attempt < (spec.port === undefined ? 3 : 1); attempt++) {
    const port = spec.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    try {
      const process = await startProcess({
        name: spec.name,
        command: spec.command,
        args: spec.args(port, dataDir),
        readyUrl: `${url}${spec.readyPath}`,
        ...(spec.readyHeaders ? { readyHeaders: spec.readyHeaders } : {}),
        onOutput: spec.onOutput,
        ...(spec.env ? { env: spec.env } : {}),
      });
      const stop = process.stop;
      return {
        ...process,
        port,
        url,
        dataDir,
        async stop(graceMs?: number) {
          await stop(graceMs);
          if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String(error))) break;
    }
  }
  if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  throw lastError;
}

export interface PrometheusOptions {
  /** prometheus.yml to load. */
  readonly configFile: string;
  readonly dataDir?: string;
  /** @default a free port */
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
}

/** Prometheus (Debian package `prometheus`) with the lifecycle API on, so tests can reload its config. */
export function startPrometheus(options: PrometheusOptions): Promise<RunningComponent> {
  return startComponent({
    name: 'prometheus',
    command: BINARIES.prometheus.command,
    readyPath: '/-/ready',
    dataDir: options.dataDir,
    port: options.port,
    onOutput: options.onOutput,
    args: (port, dataDir) => [
      `--config.file=${options.configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Links in alerts and notifications (generatorURL) point where it listens, not at the machine's host name.
      `--web.external-url=http://127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--web.enable-admin-api',
    ],
  });
}

export interface AlertmanagerOptions {
  readonly configFile: string;
  readonly dataDir?: string;
  /** Gossip peers' `host:port`; without peers, clustering is off. */
  readonly peers?: readonly string[];
  /** Gossip listen port when clustering. */
  readonly clusterPort?: number;
  /** Web port (one attempt; restart on the same port). @default a free port */
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
}

/** Alertmanager (Debian package `prometheus-alertmanager`). */
export function startAlertmanager(options: AlertmanagerOptions): Promise<RunningComponent> {
  const clustered = options.clusterPort !== undefined;
  return startComponent({
    name: 'alertmanager',
    command: BINARIES.alertmanager.command,
    readyPath: '/-/ready',
    dataDir: options.dataDir,
    port: options.port,
    onOutput: options.onOutput,
    args: (port, dataDir) => [
      `--config.file=${options.configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Notification links (externalURL, silence links) point where it listens, not at the machine's host name.
      `--web.external-url=http://127.0.0.1:${port}`,
      // The default gossip address (0.0.0.0:9094) would clash between instances and with a real Alertmanager.
      `--cluster.listen-address=${clustered ? `127.0.0.1:${options.clusterPort}` : ''}`,
      ...(options.peers ?? []).map((peer) => `--cluster.peer=${peer}`),
    ],
  });
}

export interface PushgatewayOptions {
  /** Persist metrics to this file (survives restarts). @default no persistence */
  readonly persistenceFile?: string;
  readonly dataDir?: string;
  /** Port to listen on (restart on the same port). @default a free port */
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
  /**
   * Admit only this user, as the cluster's replicas do (lib/k8s/pushgateway-auth.ts): a web config with its bcrypt
   * hash is written to the data folder. @default no authentication
   */
  readonly basicAuth?: BasicCredentials;
  /** A web config file of the caller's, used instead of writing one (`basicAuth` then only serves the ready check). */
  readonly webConfigFile?: string;
}

/**
 * Writes the exporter-toolkit web config admitting only `credentials` to `file` (bcrypt cost 10, as sprig's `bcrypt`
 * in the cluster): the Pushgateway reads it on every request, so rewriting it changes the password at once.
 */
export function writePushgatewayWebConfig(file: string, credentials: BasicCredentials): void {
  const hash = bcrypt.hashSync(credentials.password, 10);
  fs.writeFileSync(file, pushgatewayWebConfig([[credentials.username, hash]]), {
    mode: 0o600,
  });
}

/** Pushgateway (Debian package `prometheus-pushgateway`). */
export async function startPushgateway(options: PushgatewayOptions = {}): Promise<RunningComponent> {
  const webConfig = (dataDir: string) => {
    if (options.webConfigFile !== undefined) return [`--web.config.file=${options.webConfigFile}`];
    if (!options.basicAuth) return [];
    const file = path.join(dataDir, 'web-config.yml');
    writePushgatewayWebConfig(file, options.basicAuth);
    return [`--web.config.file=${file}`];
  };
  const args = (port: number, dataDir: string) => [
    `--web.listen-address=127.0.0.1:${port}`,
    ...webConfig(dataDir),
    // Debian's build defaults --persistence.file to /var/lib/prometheus/pushgateway.data: without an explicit
    // (empty) value every Pushgateway on the machine would share and overwrite that one file.
    ...(options.persistenceFile
      ? [`--persistence.file=${options.persistenceFile}`, '--persistence.interval=1s']
      : ['--persistence.file=']),
  ];
  // A given port (a restart on the same address) is tried once; a data folder made here is removed on stop.
  return startComponent({
    name: 'pushgateway',
    command: BINARIES.pushgateway.command,
    readyPath: '/-/ready',
    ...(options.basicAuth ? { readyHeaders: { authorization: basicAuthorization(options.basicAuth) } } : {}),
    dataDir: options.dataDir,
    onOutput: options.onOutput,
    port: options.port,
    args,
  });
}

export interface ExporterOptions {
  /** @default a free port */
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
}

/** prometheus-node-exporter (Debian package) on loopback. */
export function startNodeExporter(options: ExporterOptions = {}): Promise<RunningComponent> {
  return startComponent({
    name: 'node-exporter',
    command: BINARIES.nodeExporter.command,
    readyPath: '/metrics',
    port: options.port,
    onOutput: options.onOutput,
    args: (port) => [`--web.listen-address=127.0.0.1:${port}`],
  });
}

/** A server that speaks its own protocol (no HTTP): PostgreSQL, Redis. */
export interface RunningServer extends ManagedProcess {
  readonly port: number;
  readonly dataDir: string;
}

/**
 * Runs `argv` as the `postgres` system user when we are root (PostgreSQL refuses to run as root; `setpriv` execs
 * directly, so signals reach the server itself), else as ourselves.
 */
function asPostgresUser(argv: readonly string[]): { command: string; args: string[] } {
  const [command, ...args] = argv;
  if (!command) throw new Error('asPostgresUser: empty command');
  if (process.getuid?.() !== 0) return { command, args };
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
  };
}

export interface PostgresOptions {
  /** Cluster folder (initialised on first start, kept by `stop`). @default a temp folder, removed by `stop` */
  readonly dataDir?: string;
  /** @default a free port */
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
}

/**
 * PostgreSQL 15 (Debian `postgresql-15`) on 127.0.0.1 only: `initdb` with trust authentication for the local
 * `postgres` role, then `postgres` in the foreground (socket in the data folder, nothing in /var/run). Stopped with
 * SIGINT, PostgreSQL's fast shutdown (SIGTERM waits for every client, e.g. the exporter, to disconnect).
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningServer & { readonly url: string }> {
  const ownsDataDir = options.dataDir === undefined;
  const root = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gl-postgres-'));
  const cluster = path.join(root, 'cluster');
  fs.mkdirSync(root, { recursive: true });
  if (process.getuid?.() === 0) {
    // The postgres user must be able to reach its folder: let others search (not list) every ancestor, e.g. a
    // 0700 mkdtemp folder the data lives in.
    for (let dir = path.dirname(root); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    }
    execFileSync('chown', ['-R', 'postgres:postgres', root]);
  }
  if (!fs.existsSync(path.join(cluster, 'PG_VERSION'))) {
    const init = asPostgresUser([
      BINARIES.initdb.command,
      '-D',
      cluster,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    execFileSync(init.command, init.args, { stdio: 'pipe' });
  }
  const port = options.port ?? (await freePort());
  const server = asPostgresUser([
    BINARIES.postgres.command,
    '-D',
    cluster,
    '-p',
    String(port),
    '-k',
    cluster,
    '-c',
    'listen_addresses=127.0.0.1',
  ]);
  const managed = await startProcess({
    name: 'postgres',
    command: server.command,
    args: server.args,
    readyPort: port,
    onOutput: options.onOutput,
  });
  return {
    ...managed,
    port,
    dataDir: root,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop(graceMs = 10_000) {
      if (managed.child.exitCode === null && managed.child.signalCode === null) {
        managed.child.kill('SIGINT');
        const timer = setTimeout(() => managed.child.kill('SIGKILL'), graceMs);
        await managed.exited;
        clearTimeout(timer);
      }
      if (ownsDataDir) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface RedisOptions {
  readonly dataDir?: string;
  readonly port?: number;
  readonly onOutput?: (chunk: string) => void;
}

/** redis-server (Debian package) on 127.0.0.1, no persistence, its folder as working directory. */
export async function startRedis(options: RedisOptions = {}): Promise<RunningServer & { readonly url: string }> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gl-redis-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const managed = await startProcess({
    name: 'redis',
    command: BINARIES.redis.command,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--appendonly', 'no'],
    readyPort: port,
    onOutput: options.onOutput,
  });
  const stop = managed.stop;
  return {
    ...managed,
    port,
    dataDir,
    url: `redis://127.0.0.1:${port}`,
    async stop(graceMs?: number) {
      await stop(graceMs);
      if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** prometheus-postgres-exporter against `dataSourceName` (a postgresql:// URL). */
export function startPostgresExporter(
  dataSourceName: string,
  options: ExporterOptions = {},
): Promise<RunningComponent> {
  return startComponent({
    name: 'postgres-exporter',
    command: BINARIES.postgresExporter.command,
    readyPath: '/metrics',
    port: options.port,
    onOutput: options.onOutput,
    env: { ...process.env, DATA_SOURCE_NAME: dataSourceName },
    args: (port) => [`--web.listen-address=127.0.0.1:${port}`],
  });
}

/** prometheus-redis-exporter against `redisUrl` (redis://host:port). */
export function startRedisExporter(redisUrl: string, options: ExporterOptions = {}): Promise<RunningComponent> {
  return startComponent({
    name: 'redis-exporter',
    command: BINARIES.redisExporter.command,
    readyPath: '/metrics',
    port: options.port,
    onOutput: options.onOutput,
    args: (port) => ['-web.listen-address', `127.0.0.1:${port}`, '-redis.addr', redisUrl],
  });
}
