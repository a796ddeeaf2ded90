import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAlertmanager, startPostgres, startPostgresExporter, startRedis, startRedisExporter } from './components';
import { type BinaryName, freePort, type ManagedProcess, requireBinaries } from './processes';
import type { LocalTarget } from './scrape-config';

/**
 * The scrape targets of the local loop besides Prometheus and the Pushgateways: a second, clustered Alertmanager
 * replica, and the Debian exporters against a local PostgreSQL and Redis (started on free ports, data in the
 * loop's data folder). Each can be stopped and started again on the same port, so a test (or a developer) can take
 * one down and watch its alert fire, then resolve.
 */

/** A component that keeps its port and data across stop/start. Behaves as the process currently running. */
export interface Restartable extends ManagedProcess {
  /** The pod it stands in for (the `pod` label of its series). */
  readonly pod: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` (PostgreSQL and Redis: their own URL scheme). */
  readonly url: string;
  /** Starts it again (no-op when running). */
  start(): Promise<void>;
  isRunning(): boolean;
}

/** Wraps a start function bound to a fixed port into a {@link Restartable}. */
export async function restartable(props: {
  name: string;
  pod: string;
  port: number;
  url: string;
  start: () => Promise<ManagedProcess>;
}): Promise<Restartable> {
  let current = await props.start();
  let running = true;
  const handle: Restartable = {
    name: props.name,
    pod: props.pod,
    port: props.port,
    url: props.url,
    get child(): ChildProcess {
      return current.child;
    },
    get exited() {
      return current.exited;
    },
    output: () => current.output(),
    async stop(graceMs?: number) {
      running = false;
      await current.stop(graceMs);
    },
    async start() {
      if (running) return;
      current = await props.start();
      running = true;
    },
    isRunning: () => running,
  };
  return handle;
}

export interface LocalTargets {
  /** Alertmanager replicas after the first (the loop starts replica 0 itself). */
  readonly alertmanagers: readonly Restartable[];
  readonly postgres: Restartable;
  readonly postgresExporter: Restartable;
  readonly redis: Restartable;
  readonly redisExporter: Restartable;
  /** Every component, in start order (stop in reverse). */
  readonly all: readonly Restartable[];
}

export interface LocalTargetsOptions {
  /** Where PostgreSQL and Redis keep their data (`<workDir>/data`). */
  readonly dataDir: string;
  /** Alertmanager config and the first replica's gossip address, to start more replicas that join it. */
  readonly alertmanager: { readonly configFile: string; readonly peer: string; readonly replicas: number };
  readonly log?: (name: string) => (chunk: string) => void;
}

/** The Debian binaries the local targets run (a second Alertmanager, PostgreSQL, Redis and their exporters). */
export const LOCAL_TARGET_BINARIES: readonly BinaryName[] = [
  'alertmanager',
  'postgres',
  'initdb',
  'postgresExporter',
  'redis',
  'redisExporter',
];

/** Starts the local targets; on failure stops what it started and throws. */
export async function startLocalTargets(options: LocalTargetsOptions): Promise<LocalTargets> {
  requireBinaries(LOCAL_TARGET_BINARIES);
  const started: Restartable[] = [];
  const log = options.log ?? (() => undefined);
  const add = async (props: Parameters<typeof restartable>[0]) => {
    const handle = await restartable(props);
    started.push(handle);
    return handle;
  };
  try {
    const alertmanagers: Restartable[] = [];
    for (let replica = 1; replica < options.alertmanager.replicas; replica++) {
      const name = `alertmanager-${replica}`;
      const [port, clusterPort] = [await freePort(), await freePort()];
      const dataDir = path.join(options.dataDir, name);
      fs.mkdirSync(dataDir, { recursive: true });
      alertmanagers.push(
        await add({
          name,
          pod: `alertmanager-greenlang-${replica}`,
          port,
          url: `http://127.0.0.1:${port}`,
          start: () =>
            startAlertmanager({
              configFile: options.alertmanager.configFile,
              dataDir,
              port,
              clusterPort,
              peers: [options.alertmanager.peer],
              onOutput: log(name),
            }),
        }),
      );
    }
    const postgresPort = await freePort();
    const postgresDir = path.join(options.dataDir, 'postgres');
    const postgresUrl = `postgresql://postgres@127.0.0.1:${postgresPort}/postgres?sslmode=disable`;
    const postgres = await add({
      name: 'postgres',
      pod: 'greenlang-db-0',
      port: postgresPort,
      url: postgresUrl,
      start: () => startPostgres({ dataDir: postgresDir, port: postgresPort, onOutput: log('postgres') }),
    });
    const postgresExporterPort = await freePort();
    const postgresExporter = await add({
      name: 'postgres-exporter',
      pod: 'postgres-exporter-0',
      port: postgresExporterPort,
      url: `http://127.0.0.1:${postgresExporterPort}`,
      start: () =>
        startPostgresExporter(postgresUrl, { port: postgresExporterPort, onOutput: log('postgres-exporter') }),
    });
    const redisPort = await freePort();
    const redisDir = path.join(options.dataDir, 'redis');
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const redis = await add({
      name: 'redis',
      pod: 'greenlang-redis-0',
      port: redisPort,
      url: redisUrl,
      start: () => startRedis({ dataDir: redisDir, port: redisPort, onOutput: log('redis') }),
    });
    const redisExporterPort = await freePort();
    const redisExporter = await add({
      name: 'redis-exporter',
      pod: 'redis-exporter-0',
      port: redisExporterPort,
      url: `http://127.0.0.1:${redisExporterPort}`,
      start: () => startRedisExporter(redisUrl, { port: redisExporterPort, onOutput: log('redis-exporter') }),
    });
    return { alertmanagers, postgres, postgresExporter, redis, redisExporter, all: started };
  } catch (error) {
    for (const handle of [...started].reverse()) await handle.stop();
    throw error;
  }
}

/** The local targets of each rendered monitor the loop can stand in for (lib/devstack/scrape-config.ts). */
export function localMonitorTargets(props: {
  prometheus: { address: string };
  alertmanagers: readonly { address: string; pod: string }[];
  pushgateways: readonly { address: string; pod: string }[];
  targets: LocalTargets;
}): Record<string, LocalTarget[]> {
  const address = (handle: Restartable) => `127.0.0.1:${handle.port}`;
  return {
    prometheus: [{ address: props.prometheus.address, pod: 'prometheus-greenlang-0' }],
    alertmanager: [...props.alertmanagers],
    pushgateway: [...props.pushgateways],
    'postgres-exporter': [
      { address: address(props.targets.postgresExporter), pod: props.targets.postgresExporter.pod },
    ],
    'redis-exporter': [{ address: address(props.targets.redisExporter), pod: props.targets.redisExporter.pod }],
  };
}
