import type { EnvironmentConfig } from '../../../lib/config';
import { loadEnvironmentConfig } from '../../../lib/config';
import { JOB_EXPOSURES } from '../../../lib/contract/exposures';
import { monitorJobs } from '../../../lib/contract/operator-jobs';
import { ruleQueries } from '../../../lib/contract/rule-queries';
import { checkSelectors, type Query } from '../../../lib/contract/selectors';
import { type DashboardQuery, dashboardQueries, dashboardSpecs } from '../../../lib/dashboards';
import { kubernetesObjects } from '../../../lib/k8s';
import type { KubernetesObject } from '../../../lib/k8s/types';
import { contractTargets, type ScrapedBinaries, scrapeRealBinaries } from '../../support/contract-targets';

/**
 * The rule ↔ target contract against reality: every vector selector of every alert and recording rule must select
 * a job some rendered monitor produces (computed as prometheus-operator does) and a metric that job really exposes
 * (scraped from the real binaries, or cited upstream for Thanos, Kong and GreenLang).
 */
const config = loadEnvironmentConfig('prod');
const objects = kubernetesObjects(config);
let scraped: ScrapedBinaries;

beforeAll(async () => {
  scraped = await scrapeRealBinaries(config);
}, 120_000);

afterAll(async () => {
  await scraped?.stop();
});

/** Every Grafana panel query as a contract query, named `dashboards/<uid>/<panel title>`. */
function panelQueries(envConfig: EnvironmentConfig): Query[] {
  return dashboardQueries(envConfig).map((q: DashboardQuery) => ({
    source: `dashboards/${q.dashboard}/${q.panel}`,
    expr: q.expr,
  }));
}

/** The objects with one monitor's `job` relabeling replaced (or removed with `undefined`). */
function withMonitorJob(name: string, job: string | undefined): KubernetesObject[] {
  return objects.map((o) => {
    if ((o.kind !== 'ServiceMonitor' && o.kind !== 'PodMonitor') || o.metadata.name !== name) return o;
    const spec = o.spec as Record<string, Record<string, unknown>[]>;
    const key = o.kind === 'PodMonitor' ? 'podMetricsEndpoints' : 'endpoints';
    const endpoints = (spec[key] ?? []).map((e) => ({
      ...e,
      relabelings: job === undefined ? [] : [{ action: 'replace', targetLabel: 'job', replacement: job }],
    }));
    return { ...o, spec: { ...spec, [key]: endpoints } };
  });
}

describe('rule ↔ target contract', () => {
  it('holds for every alert and recording rule of every environment', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const envConfig = loadEnvironmentConfig(env);
      const targets = contractTargets(envConfig, kubernetesObjects(envConfig), scraped.names);
      expect(checkSelectors(ruleQueries(envConfig), targets)).toEqual([]);
    }
  });

  it('the real binaries expose families the rules read (the catalogue is not empty by accident)', () => {
    expect(scraped.names.get('prometheus')?.has('prometheus_tsdb_head_series')).toBe(true);
    expect(scraped.names.get('alertmanager')?.has('alertmanager_cluster_members')).toBe(true);
    expect(scraped.names.get('pushgateway')?.has('push_failure_time_seconds')).toBe(true);
    expect(scraped.names.get('postgres-exporter')?.has('pg_up')).toBe(true);
    expect(scraped.names.get('redis-exporter')?.has('redis_evicted_keys_total')).toBe(true);
    expect(scraped.names.get('node-exporter')?.has('node_cpu_seconds_total')).toBe(true);
  });

  it('knows where the names of every job a monitor produces come from', () => {
    const jobs = monitorJobs(objects).map((j) => j.job);
    expect(jobs.filter((job) => job === undefined || !(job in JOB_EXPOSURES))).toEqual([]);
  });

  it('fails when a monitor is renamed: every rule reading the old job is reported', () => {
    const targets = contractTargets(config, withMonitorJob('alertmanager', 'am'), scraped.names);
    const violations = checkSelectors(ruleQueries(config), targets);
    const sources = new Set(violations.map((v) => v.source));
    expect(sources).toContain('rules/alertmanager/AlertmanagerMembersInconsistent');
    expect(violations.every((v) => v.source.startsWith('rules/alertmanager/'))).toBe(true);
    expect(violations[0]?.problem).toMatch(/job="alertmanager" is produced by no monitor/);
  });

  it("fails without the job relabeling: the operator's default job (<namespace>/<PodMonitor>) matches no rule", () => {
    const targets = contractTargets(config, withMonitorJob('thanos-sidecar', undefined), scraped.names);
    const violations = checkSelectors(ruleQueries(config), targets);
    expect(violations.map((v) => v.source)).toContain('rules/thanos/ThanosSidecarPrometheusDown');
  });

  it('fails on a metric the target does not expose', () => {
    const targets = contractTargets(config, objects, scraped.names);
    const violations = checkSelectors(
      [
        { source: 'typo', expr: 'rate(prometheus_tsdb_head_samples_appended{job="prometheus"}[5m]) > 0' },
        { source: 'wrong job', expr: 'pg_up{job="redis-exporter"} == 0' },
      ],
      targets,
    );
    expect(violations).toEqual([
      {
        source: 'typo',
        selector: 'prometheus_tsdb_head_samples_appended{job="prometheus"}',
        problem: expect.stringMatching(/prometheus_tsdb_head_samples_appended is exposed by none of the targets/),
      },
      {
        source: 'wrong job',
        selector: 'pg_up{job="redis-exporter"}',
        problem: expect.stringMatching(/pg_up is exposed by none of the targets job="redis-exporter" selects/),
      },
    ]);
  });
});

describe('dashboard ↔ target contract (issue #16: every panel query checked)', () => {
  it('holds for every panel query of every dashboard in every environment', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const envConfig = loadEnvironmentConfig(env);
      const targets = contractTargets(envConfig, kubernetesObjects(envConfig), scraped.names);
      expect(checkSelectors(panelQueries(envConfig), targets)).toEqual([]);
    }
  });

  it('checks the panels of every dashboard (the query list is not empty by accident)', () => {
    const checked = new Set(panelQueries(config).map((q) => q.source.split('/')[1]));
    expect([...checked].sort()).toEqual(
      dashboardSpecs(config)
        .map((d) => d.uid)
        .sort(),
    );
  });

  it('fails when a cluster monitor is renamed: every panel reading its job is reported', () => {
    const targets = contractTargets(config, withMonitorJob('kube-state-metrics', 'ksm'), scraped.names);
    const violations = checkSelectors(panelQueries(config), targets);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.selector.includes('job="kube-state-metrics"'))).toBe(true);
    expect(violations[0]?.problem).toMatch(/job="kube-state-metrics" is produced by no monitor/);
  });

  it('fails on a panel reading a metric its job does not expose', () => {
    const targets = contractTargets(config, objects, scraped.names);
    const violations = checkSelectors(
      [
        // A real cAdvisor series, but the cadvisor endpoint keeps only the series the alerts and dashboards read.
        { source: 'dashboards/x/dropped by the monitor', expr: 'sum(container_memory_usage_bytes{job="cadvisor"})' },
        { source: 'dashboards/x/typo', expr: 'sum(container_memroy_working_set_bytes{job="cadvisor"})' },
        // ALERTS is written by the rule managers, not scraped under a job.
        { source: 'dashboards/x/ALERTS by job', expr: 'ALERTS{job="thanos-query-frontend"}' },
      ],
      targets,
    );
    expect(violations.map((v) => v.source)).toEqual([
      'dashboards/x/dropped by the monitor',
      'dashboards/x/typo',
      'dashboards/x/ALERTS by job',
    ]);
  });
});
