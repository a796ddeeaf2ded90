import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { type RunningComponent, startAlertmanager, startPrometheus, startPushgateway } from './components';
import { requireBinaries } from './processes';

/** What `npm start` runs, and where. Written to `.local/endpoints.json`. */
export interface LocalEndpoints {
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly pushgateways: readonly string[];
  readonly [service: string]: unknown;
}

export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  readonly components: readonly RunningComponent[];
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Working folder for configs and data (`.local/`). */
  readonly workDir: string;
  /** Called with each line a component logs, prefixed with its name. */
  readonly onLog?: (line: string) => void;
}

/**
 * Starts Prometheus, Alertmanager and two Pushgateways on loopback, Prometheus scraping both Pushgateways with
 * honor_labels and sending alerts to the Alertmanager.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  requireBinaries(['prometheus', 'alertmanager', 'pushgateway']);
  const configDir = path.join(options.workDir, 'config');
  const dataDir = path.join(options.workDir, 'data');
  fs.mkdirSync(configDir, { recursive: true });
  const components: RunningComponent[] = [];
  const log = (name: string) => (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(`[${name}] ${line}`);
  };
  const stop = async () => {
    await Promise.all(components.map((c) => c.stop()));
  };
  try {
    const pushgateways: RunningComponent[] = [];
    for (const replica of [0, 1]) {
      const dir = path.join(dataDir, `pushgateway-${replica}`);
      fs.mkdirSync(dir, { recursive: true });
      const pushgateway = await startPushgateway({
        persistenceFile: path.join(dir, 'metrics.db'),
        onOutput: log(`pushgateway-${replica}`),
      });
      components.push(pushgateway);
      pushgateways.push(pushgateway);
    }

    const alertmanagerConfig = path.join(configDir, 'alertmanager.yml');
    fs.writeFileSync(alertmanagerConfig, stringify({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
    fs.mkdirSync(path.join(dataDir, 'alertmanager'), { recursive: true });
    const alertmanager = await startAlertmanager({
      configFile: alertmanagerConfig,
      dataDir: path.join(dataDir, 'alertmanager'),
      onOutput: log('alertmanager'),
    });
    components.push(alertmanager);

    const prometheusConfig = path.join(configDir, 'prometheus.yml');
    fs.writeFileSync(
      prometheusConfig,
      stringify({
        global: {
          scrape_interval: '5s',
          evaluation_interval: '5s',
          external_labels: { cluster: 'greenlang-local', region: 'local' },
        },
        alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace('http://', '')] }] }] },
        scrape_configs: [
          {
            job_name: 'pushgateway',
            honor_labels: true,
            static_configs: [{ targets: pushgateways.map((p) => p.url.replace('http://', '')) }],
          },
        ],
      }),
    );
    fs.mkdirSync(path.join(dataDir, 'prometheus'), { recursive: true });
    const prometheus = await startPrometheus({
      configFile: prometheusConfig,
      dataDir: path.join(dataDir, 'prometheus'),
      onOutput: log('prometheus'),
    });
    components.push(prometheus);

    const endpoints: LocalEndpoints = {
      prometheus: prometheus.url,
      alertmanager: alertmanager.url,
      pushgateways: pushgateways.map((p) => p.url),
    };
    fs.writeFileSync(path.join(options.workDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, components, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
