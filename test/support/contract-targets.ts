import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../../lib/config';
import type { ScrapableBinary } from '../../lib/contract/exposures';
import { exposedNames } from '../../lib/contract/targets';
import {
  type RunningComponent,
  type RunningServer,
  startAlertmanager,
  startNodeExporter,
  startPostgres,
  startPostgresExporter,
  startPrometheus,
  startPushgateway,
  startRedis,
  startRedisExporter,
} from '../../lib/devstack/components';
import { freePort, requireBinaries } from '../../lib/devstack/processes';
import { ruleFiles } from '../../lib/rules';
import { eventually } from './eventually';

export { contractTargets, exposedNames, SYNTHETIC_SCRAPE_NAMES } from '../../lib/contract/targets';

/** Every name each real binary exposes when it runs as in the cluster, and how to stop them. */
export interface ScrapedBinaries {
  readonly names: ReadonlyMap<ScrapableBinary, ReadonlySet<string>>;
  stop(): Promise<void>;
}

/**
 * Runs the real binaries configured as the cluster runs them, so vector metrics appear: Prometheus with the
 * rendered rules and an Alertmanager to notify (rule group and notification families exist only then), Alertmanager
 * clustered (cluster metrics exist only with a peer), a Pushgateway that has taken a push, and the exporters against
 * a local PostgreSQL and Redis. Scrapes each once every expected family is there (rules evaluated, a push seen).
 */
export async function scrapeRealBinaries(config: EnvironmentConfig): Promise<ScrapedBinaries> {
  requireBinaries([
    'prometheus',
    'alertmanager',
    'pushgateway',
    'nodeExporter',
    'postgresExporter',
    'redisExporter',
    'redis',
    'postgres',
    'initdb',
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-contract-'));
  const running: (RunningComponent | RunningServer)[] = [];
  const stop = async () => {
    for (const component of [...running].reverse()) await component.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const alertmanagerConfig = path.join(dir, 'alertmanager.yml');
    fs.writeFileSync(alertmanagerConfig, stringify({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
    const alertmanager = await startAlertmanager({ configFile: alertmanagerConfig, clusterPort: await freePort() });
    running.push(alertmanager);
    const pushgateway = await startPushgateway();
    running.push(pushgateway);
    const push = await fetch(`${pushgateway.url}/metrics/job/contract-probe`, {
      method: 'PUT',
      body: '# TYPE contract_probe gauge\ncontract_probe 1\n',
    });
    if (!push.ok) throw new Error(`push to the Pushgateway failed: ${push.status}`);

    const rulesDir = path.join(dir, 'rules');
    fs.mkdirSync(rulesDir);
    for (const file of ruleFiles(config)) {
      fs.writeFileSync(path.join(rulesDir, `${file.name}.yaml`), stringify({ groups: file.groups }, { lineWidth: 0 }));
    }
    const prometheusConfig = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(
      prometheusConfig,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [path.join(rulesDir, '*.yaml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace('http://', '')] }] }] },
        scrape_configs: [],
      }),
    );
    const prometheus = await startPrometheus({ configFile: prometheusConfig });
    running.push(prometheus);
    const postgres = await startPostgres();
    running.push(postgres);
    const postgresExporter = await startPostgresExporter(postgres.url);
    running.push(postgresExporter);
    const redis = await startRedis();
    running.push(redis);
    const redisExporter = await startRedisExporter(redis.url);
    running.push(redisExporter);
    const nodeExporter = await startNodeExporter();
    running.push(nodeExporter);

    const scrape = async (url: string) => exposedNames(await (await fetch(`${url}/metrics`)).text());
    const names = new Map<ScrapableBinary, ReadonlySet<string>>();
    // Families that exist only once something happened: rule groups evaluated, the alertmanager discovered.
    names.set(
      'prometheus',
      await eventually(
        async () => {
          const n = await scrape(prometheus.url);
          if (!n.has('prometheus_rule_evaluation_failures_total') || !n.has('prometheus_notifications_sent_total')) {
            throw new Error('Prometheus has not evaluated its rules or discovered the Alertmanager yet');
          }
          return n;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      ),
    );
    names.set('alertmanager', await scrape(alertmanager.url));
    names.set('pushgateway', await scrape(pushgateway.url));
    names.set('node-exporter', await scrape(nodeExporter.url));
    names.set('postgres-exporter', await scrape(postgresExporter.url));
    names.set('redis-exporter', await scrape(redisExporter.url));
    return { names, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
