import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import type { EnvironmentConfig } from '../../lib/config';
import {
  JOB_EXPOSURES,
  PUSHED_BATCH_JOB_NAMES,
  PUSHED_COMPACTOR_NAMES,
  type ScrapableBinary,
} from '../../lib/contract/exposures';
import { monitorJobs } from '../../lib/contract/operator-jobs';
import { recordingRuleTargets } from '../../lib/contract/rule-queries';
import { ANY_PUSHED_JOB, type Target } from '../../lib/contract/selectors';
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
import type { KubernetesObject } from '../../lib/k8s/types';
import { ruleFiles } from '../../lib/rules';
import { eventually } from './eventually';

/**
 * Series names Prometheus adds to every scraped target (prometheus/prometheus scrape/scrape.go: `up`,
 * `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`,
 * `scrape_series_added`).
 */
export const SYNTHETIC_SCRAPE_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

/** The metric names of a text exposition (series names: histogram `_bucket`/`_count`/`_sum` included). */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name) names.add(name);
  }
  return names;
}

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

/**
 * The contract's targets for the rendered Kubernetes objects: one per job a monitor produces (names from the real
 * binary or the cited list of {@link JOB_EXPOSURES}, plus Prometheus' synthetic scrape series), the pushed groups,
 * and the recording rules. A job without a known exposure exposes nothing (every selector on it fails).
 */
export function contractTargets(
  config: EnvironmentConfig,
  objects: readonly KubernetesObject[],
  scraped: ReadonlyMap<ScrapableBinary, ReadonlySet<string>>,
  exposures = JOB_EXPOSURES,
): Target[] {
  const targets: Target[] = [];
  for (const { job, monitor } of monitorJobs(objects)) {
    if (job === undefined) continue;
    const exposure = exposures[job];
    const names = new Set<string>(SYNTHETIC_SCRAPE_NAMES);
    if (exposure?.scrape) for (const n of scraped.get(exposure.scrape) ?? []) names.add(n);
    for (const cited of exposure?.cited ?? []) names.add(cited.name);
    const origin = exposure?.scrape
      ? `monitor ${monitor}: scraped from the real ${exposure.scrape}`
      : `monitor ${monitor}: cited names`;
    targets.push({ job, names, origin });
  }
  const pushgatewayNames = [...(scraped.get('pushgateway') ?? [])].filter((n) => n.startsWith('push_'));
  targets.push({
    job: COMPACTOR_PUSH_JOB,
    names: new Set([...PUSHED_COMPACTOR_NAMES.map((n) => n.name), ...pushgatewayNames]),
    origin: 'pushed by the compactor CronJob',
  });
  targets.push({
    job: ANY_PUSHED_JOB,
    names: new Set([...PUSHED_BATCH_JOB_NAMES.map((n) => n.name), ...pushgatewayNames]),
    origin: 'groups batch jobs push (Pushgateway adds push_time_seconds, push_failure_time_seconds)',
  });
  targets.push(...recordingRuleTargets(config));
  return targets;
}
