import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { PUSHGATEWAY_REPLICA_LABEL, QUERY_REPLICA_LABELS } from '../../lambdas/domain/replica-labels';
import { loadEnvironmentConfig } from '../../lib/config';
import { type RunningComponent, startPrometheus, startPushgateway } from '../../lib/devstack/components';
import { freePort, requireBinaries } from '../../lib/devstack/processes';
import { kubernetesObjects } from '../../lib/k8s';
import { type OperatorRelabeling, toPrometheusRelabelConfig } from '../../lib/k8s/pushgateway-dedup';
import { ruleFiles } from '../../lib/rules';
import { JOBS } from '../../lib/rules/conventions';
import { PUSHGATEWAY_GROUPS_HELD_RECORD, PUSHGATEWAY_POD_LABEL } from '../../lib/rules/pushgateway';
import { eventually } from '../support/eventually';
import { type InstantSample, instantQuery } from '../support/prometheus-query';

/**
 * Pushed series counted once. Two real Pushgateways receive the same pushes (as from the push ingestion, which
 * writes every replica); a real Prometheus scrapes both with the relabelings of the rendered Pushgateway
 * ServiceMonitor, after the target labels prometheus-operator gives a ServiceMonitor target (`job` = service,
 * `namespace`, `service`, `pod`, `container`, `endpoint`, pkg/prometheus/promcfg.go). Thanos Query's
 * deduplication is then applied as Thanos defines it: series equal once the `--query.replica-label` labels are
 * removed are one series (docs/components/query.md, "Deduplication"); there is no Thanos binary here.
 */

requireBinaries(['prometheus', 'pushgateway']);
const config = loadEnvironmentConfig('prod');

type Sample = InstantSample;

const monitor = kubernetesObjects(config).find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'pushgateway');
type Endpoint = { relabelings: OperatorRelabeling[]; metricRelabelings: OperatorRelabeling[] };
const endpoint = (monitor?.spec as { endpoints: Endpoint[] } | undefined)?.endpoints[0];
if (!endpoint) throw new Error('the rendered objects have no pushgateway ServiceMonitor endpoint');

let dir: string;
const gateways: RunningComponent[] = [];
let prometheus: RunningComponent | undefined;

const query = (expr: string): Promise<Sample[]> => instantQuery(prometheus?.url, expr);

/** Thanos Query's dedup: drop the replica labels, keep one series per remaining label set. */
function deduplicate(samples: readonly Sample[]): Sample[] {
  const byKey = new Map<string, Sample>();
  for (const sample of samples) {
    const labels = Object.entries(sample.metric).filter(
      ([name]) => !(QUERY_REPLICA_LABELS as readonly string[]).includes(name),
    );
    const key = JSON.stringify(labels.sort(([a], [b]) => a.localeCompare(b)));
    if (!byKey.has(key)) byKey.set(key, { ...sample, metric: Object.fromEntries(labels) });
  }
  return [...byKey.values()];
}

const sum = (samples: readonly Sample[]) => samples.reduce((total, s) => total + Number(s.value[1]), 0);

async function pushToEvery(group: string, body: string): Promise<void> {
  for (const gateway of gateways) {
    const response = await fetch(`${gateway.url}/metrics/${group}`, { method: 'PUT', body });
    expect(response.status).toBe(200);
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-pushgateway-dedup-'));
  gateways.push(await startPushgateway(), await startPushgateway());
  // Batch jobs: one without an instance (the usual case), one pushing its own instance.
  await pushToEvery(
    'job/nightly-report',
    '# TYPE greenlang_report_rows_total counter\ngreenlang_report_rows_total 10\n',
  );
  await pushToEvery(
    'job/etl/instance/worker-a',
    '# TYPE greenlang_report_rows_total counter\ngreenlang_report_rows_total 5\n',
  );
  // A CronJob's pod pushing its own pod name (a grouping label Kubernetes batch jobs often use).
  await pushToEvery(
    'job/cleanup/pod/cleanup-28391',
    '# TYPE greenlang_report_rows_total counter\ngreenlang_report_rows_total 2\n',
  );
  const port = await freePort();
  // What the operator generates for each ServiceMonitor target, then the monitor's own relabelings.
  const operatorTargetLabels = (pod: string) => [
    { target_label: 'job', replacement: 'pushgateway' },
    { target_label: 'namespace', replacement: 'monitoring' },
    { target_label: 'service', replacement: 'pushgateway' },
    { target_label: 'container', replacement: 'pushgateway' },
    { target_label: 'endpoint', replacement: 'http' },
    { target_label: 'pod', replacement: pod },
    // __meta_kubernetes_pod_name, as the pod name the monitor's relabeling reads.
    { target_label: '__meta_kubernetes_pod_name', replacement: pod },
  ];
  // The Pushgateway rule file as rendered (its recording rule counts the groups per replica).
  const rules = ruleFiles(config).find((f) => f.name === 'pushgateway');
  fs.writeFileSync(path.join(dir, 'pushgateway.yaml'), stringify({ groups: rules?.groups ?? [] }));
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'pushgateway.yaml')],
      scrape_configs: gateways.map((gateway, i) => ({
        job_name: `pushgateway-${i}`,
        honor_labels: true,
        static_configs: [{ targets: [`127.0.0.1:${gateway.port}`] }],
        relabel_configs: [
          ...operatorTargetLabels(`pushgateway-${i}`),
          ...endpoint.relabelings.map(toPrometheusRelabelConfig),
        ],
        metric_relabel_configs: endpoint.metricRelabelings.map(toPrometheusRelabelConfig),
      })),
    }),
  );
  prometheus = await startPrometheus({ configFile: path.join(dir, 'prometheus.yml'), port });
  await eventually(async () => {
    if ((await query('greenlang_report_rows_total')).length < 6) throw new Error('both Pushgateways not scraped yet');
    if ((await query(`up{job="${JOBS.pushgateway}"} == 1`)).length < 2) throw new Error('targets not up');
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const gateway of gateways) await gateway.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('pushed series across two Pushgateways', () => {
  it('are identical but for pushgateway_replica, so sum() after Thanos dedup counts each push once', async () => {
    const rows = await query('greenlang_report_rows_total');
    // Two replicas × three groups, each copy carrying its replica.
    expect(rows.map((s) => s.metric[PUSHGATEWAY_REPLICA_LABEL]).sort()).toEqual([
      'pushgateway-0',
      'pushgateway-0',
      'pushgateway-0',
      'pushgateway-1',
      'pushgateway-1',
      'pushgateway-1',
    ]);
    // The replica's pod name is gone; a pod label the job pushed is the job's own and stays.
    expect(rows.map((s) => s.metric.pod ?? '-').sort()).toEqual(['-', '-', '-', '-', 'cleanup-28391', 'cleanup-28391']);
    // Without dedup (one Prometheus, no Thanos) a plain sum doubles...
    expect(sum(rows)).toBe(34);
    // ...with Thanos Query's replica labels it is right: 10 + 5 + 2.
    const deduplicated = deduplicate(rows);
    expect(deduplicated.map((s) => s.metric).sort((a, b) => String(a.job).localeCompare(String(b.job)))).toEqual([
      expect.objectContaining({ job: 'cleanup', pod: 'cleanup-28391' }),
      expect.objectContaining({ job: 'etl', instance: 'worker-a' }),
      expect.not.objectContaining({ instance: expect.anything() }),
    ]);
    expect(sum(deduplicated)).toBe(17);
  });

  it('keeps the Pushgateways’ own metrics per replica (each its own counter, never merged)', async () => {
    const own = await query(`pushgateway_build_info{job="${JOBS.pushgateway}"}`);
    expect(own.map((s) => s.metric.pod).sort()).toEqual(['pushgateway-0', 'pushgateway-1']);
    for (const s of own) expect(s.metric[PUSHGATEWAY_REPLICA_LABEL]).toBeUndefined();
    expect(deduplicate(own)).toHaveLength(2);
  });

  it('counts the groups each replica holds apart, though Thanos Query merges their series, and 0 for one emptied', async () => {
    const countByReplica = `count by (${PUSHGATEWAY_REPLICA_LABEL}) (push_time_seconds)`;
    // In Prometheus the copies are apart; through Query (its dedup applied to the selected series) they are one.
    expect(await query(countByReplica)).toHaveLength(2);
    expect(deduplicate(await query('push_time_seconds'))).toHaveLength(3);
    const held = async () =>
      Object.fromEntries(
        deduplicate(await query(PUSHGATEWAY_GROUPS_HELD_RECORD)).map((s) => [
          s.metric[PUSHGATEWAY_POD_LABEL],
          Number(s.value[1]),
        ]),
      );
    await eventually(async () => expect(await held()).toEqual({ 'pushgateway-0': 3, 'pushgateway-1': 3 }));
    // Replica 1 emptied (restarted without its persistence file, as it were): the record says 0, not nothing.
    for (const group of ['job/nightly-report', 'job/etl/instance/worker-a', 'job/cleanup/pod/cleanup-28391']) {
      const response = await fetch(`${gateways[1]?.url}/metrics/${group}`, { method: 'DELETE' });
      expect(response.status).toBe(202);
    }
    await eventually(async () => expect(await held()).toEqual({ 'pushgateway-0': 3, 'pushgateway-1': 0 }));
  });

  it('lets Thanos Query deduplicate on that label', () => {
    const query = kubernetesObjects(config).find((o) => o.kind === 'Deployment' && o.metadata.name === 'thanos-query');
    const args = JSON.stringify(query?.spec);
    expect(args).toContain(`--query.replica-label=${PUSHGATEWAY_REPLICA_LABEL}`);
  });
});
