import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
        onOutput: spec.onOutput,
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
    onOutput: options.onOutput,
    args: (port, dataDir) => [
      `--config.file=${options.configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
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
}

/** Pushgateway (Debian package `prometheus-pushgateway`). */
export async function startPushgateway(options: PushgatewayOptions = {}): Promise<RunningComponent> {
  const args = (port: number) => [
    `--web.listen-address=127.0.0.1:${port}`,
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
    dataDir: options.dataDir,
    onOutput: options.onOutput,
    port: options.port,
    args,
  });
}
