import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningComponent, startPrometheus, startPushgateway } from '../../lib/devstack/components';
import { freePort, type ManagedProcess, requireBinaries, startProcess } from '../../lib/devstack/processes';

/** `/metrics` of real exporters (Prometheus, Pushgateway, node exporter), captured live. */
export interface ExporterOutput {
  readonly name: string;
  readonly text: string;
}

/** The delimited protobuf a client_golang exporter serves when asked for it (what client_golang pushes). */
export const PROTOBUF_ACCEPT =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

export interface RunningExporters {
  /** One snapshot of every exporter's `/metrics`. */
  capture(): Promise<ExporterOutput[]>;
  /** One snapshot of every exporter's `/metrics` in delimited protobuf. */
  captureProtobuf(): Promise<{ readonly name: string; readonly bytes: Uint8Array }[]>;
  stop(): Promise<void>;
}

/**
 * Starts every exporter of the corpus. Each is required: a missing binary fails with the install command, so the
 * number of cases never depends on what happens to be installed (`.ci/run` installs them all).
 */
export async function startExporters(): Promise<RunningExporters> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-exporters-'));
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, 'global:\n  scrape_interval: 1s\nscrape_configs: []\n');
  const running: (RunningComponent | ManagedProcess)[] = [];
  const targets: { name: string; url: string }[] = [];
  try {
    const prometheus = await startPrometheus({ configFile });
    running.push(prometheus);
    targets.push({ name: 'prometheus', url: `${prometheus.url}/metrics` });
    const pushgateway = await startPushgateway();
    running.push(pushgateway);
    targets.push({ name: 'pushgateway', url: `${pushgateway.url}/metrics` });
    const { nodeExporter } = requireBinaries(['nodeExporter']);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    running.push(
      await startProcess({
        name: 'node-exporter',
        command: nodeExporter,
        args: [`--web.listen-address=127.0.0.1:${port}`],
        readyUrl: url,
      }),
    );
    targets.push({ name: 'node-exporter', url });
  } catch (error) {
    await Promise.all(running.map((r) => r.stop()));
    throw error;
  }
  return {
    async capture() {
      return Promise.all(targets.map(async (t) => ({ name: t.name, text: await (await fetch(t.url)).text() })));
    },
    async captureProtobuf() {
      return Promise.all(
        targets.map(async (t) => {
          const response = await fetch(t.url, { headers: { accept: PROTOBUF_ACCEPT } });
          const type = response.headers.get('content-type') ?? '';
          if (!type.includes('encoding=delimited')) throw new Error(`${t.name} served ${type}, not delimited protobuf`);
          return { name: t.name, bytes: new Uint8Array(await response.arrayBuffer()) };
        }),
      );
    },
    async stop() {
      await Promise.all(running.map((r) => r.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
