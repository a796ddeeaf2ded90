import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../lib/config';
import {
  dashboardQueries,
  dashboardSpecs,
  dashboards,
  GRAFANA_UNITS,
  substituteTemplateVariables,
  THANOS_DATASOURCE,
} from '../../../lib/dashboards';
import { DASHBOARD_JOBS } from '../../../lib/dashboards/jobs';
import { buildDashboard, CLOUDWATCH_DATASOURCE, type DashboardSpec } from '../../../lib/dashboards/model';
import { thanosBucketName } from '../../../lib/naming';
import { renderPlan } from '../../../lib/render/plan';
import { writeRenderedFiles } from '../../../lib/render/write';
import { dashboardSchemaErrors } from '../../support/grafana-schema';

// biome-ignore lint/suspicious/noExplicitAny: test helper over plain JSON
type Json = Record<string, any>;
const config = loadEnvironmentConfig('prod');
const built = dashboards(config);

/** Rendered files as Grafana reads them: written by the renderer, parsed back from disk. */
function renderedDashboards(env: (typeof ENVIRONMENT_NAMES)[number]): { name: string; json: Json }[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-dashboards-'));
  try {
    const files = renderPlan(loadEnvironmentConfig(env)).filter((f) => f.path.startsWith('grafana/dashboards/'));
    writeRenderedFiles(files, out);
    return files.map((f) => ({ name: f.path, json: JSON.parse(fs.readFileSync(path.join(out, f.path), 'utf8')) }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const panelsOf = (model: Json): Json[] => (model.panels ?? []).filter((p: Json) => p.type !== 'row');

/** PromQL syntax errors found by Prometheus' own grammar (the lezer parser of the Prometheus UI). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(node.from, node.to + 10)}"`);
    },
  });
  return errors;
}

describe('dashboards as code', () => {
  it('renders one JSON file per dashboard under grafana/dashboards/, for every environment', () => {
    for (const env of ENVIRONMENT_NAMES) {
      expect(renderedDashboards(env).map((d) => d.name)).toEqual([
        'grafana/dashboards/greenlang-stack-overview.json',
        'grafana/dashboards/greenlang-prometheus.json',
        'grafana/dashboards/greenlang-thanos.json',
        'grafana/dashboards/greenlang-alertmanager.json',
        'grafana/dashboards/greenlang-pushgateway.json',
        'grafana/dashboards/greenlang-services.json',
        'grafana/dashboards/greenlang-capacity.json',
        'grafana/dashboards/greenlang-kubernetes.json',
      ]);
    }
  });

  it("is valid against Grafana's dashboard schema (foundation SDK types of the dashboard, prometheus, timeseries and stat kinds)", () => {
    expect(dashboardSchemaErrors(renderedDashboards('prod'))).toEqual([]);
  });

  it('the schema check rejects unknown fields, wrong types and values outside an enum', () => {
    const [first] = renderedDashboards('prod');
    const bad = structuredClone(first?.json) as Json;
    bad.refreshh = '1m';
    const series = panelsOf(bad).find((p) => p.type === 'timeseries') as Json;
    series.gridPos.h = 'eight';
    series.options.legend.placement = 'top';
    series.targets[0].exp = 'up';
    const errors = dashboardSchemaErrors([{ name: 'bad', json: bad }]);
    expect(errors).toEqual([
      expect.stringContaining('\'"refreshh"\' does not exist'),
      expect.stringMatching(/panel\d+: Json<dashboard.Panel>: Type 'string' is not assignable to type 'number'/),
      expect.stringContaining('\'"exp"\' does not exist'),
      expect.stringContaining(`Type '"top"' is not assignable to type '"bottom" | "right"'`),
    ]);
  });

  it('every panel has a description, a Grafana unit, one provisioned data source and at least one query', () => {
    for (const d of built) {
      for (const panel of panelsOf(d.model as Json)) {
        const where = `${d.uid} / ${panel.title}`;
        expect(`${where}: ${panel.description?.length > 20}`).toBe(`${where}: true`);
        expect(`${where}: ${GRAFANA_UNITS.has(panel.fieldConfig?.defaults?.unit)}`).toBe(`${where}: true`);
        expect([THANOS_DATASOURCE, CLOUDWATCH_DATASOURCE]).toContainEqual(panel.datasource);
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
      }
    }
  });

  it("reads the Thanos bucket's size per storage class of its retention tiers from CloudWatch", () => {
    const thanos = built.find((d) => d.uid === 'greenlang-thanos');
    const panel = panelsOf(thanos?.model as Json).find(
      (p) => p.title === 'Bucket size by storage class (retention tier)',
    );
    expect(panel?.datasource).toEqual(CLOUDWATCH_DATASOURCE);
    const dimensions = panel?.targets.map((t: Json) => t.dimensions);
    // Seed tiers: STANDARD (warm), INTELLIGENT_TIERING (cool), GLACIER_IR (cold).
    expect(dimensions.map((d: Json) => d.StorageType)).toEqual([
      'StandardStorage',
      'IntelligentTieringFAStorage',
      'IntelligentTieringIAStorage',
      'IntelligentTieringAIAStorage',
      'GlacierInstantRetrievalStorage',
    ]);
    for (const d of dimensions) expect(d.BucketName).toBe(thanosBucketName(config));
    expect(panel?.targets[0]).toMatchObject({ namespace: 'AWS/S3', metricName: 'BucketSizeBytes', period: '86400' });
  });

  it('refuses a panel mixing PromQL and CloudWatch queries', () => {
    const [spec] = dashboardSpecs(config);
    const cloudwatch = {
      namespace: 'AWS/S3',
      metricName: 'X',
      dimensions: {},
      statistic: 'Sum',
      period: '60',
      label: 'x',
    } as const;
    const mixed: DashboardSpec = {
      ...(spec as DashboardSpec),
      rows: [
        {
          title: 'r',
          panels: [{ title: 'm', description: 'd', unit: 's', queries: [{ expr: 'up' }, { cloudwatch }] }],
        },
      ],
    };
    expect(() => buildDashboard(mixed)).toThrow('panel "m": mixes PromQL and CloudWatch queries');
  });

  it('panel ids are unique within a dashboard and panels fit the 24-column grid', () => {
    for (const d of built) {
      const all = (d.model.panels ?? []) as Json[];
      const ids = all.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of all) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('lists every panel query, each valid PromQL once the template variables are substituted', () => {
    const queries = dashboardQueries(config);
    const targets = built.flatMap((d) =>
      panelsOf(d.model as Json).flatMap((p) => p.targets.filter((t: Json) => t.datasource.type === 'prometheus')),
    );
    expect(queries).toHaveLength(targets.length);
    for (const q of queries) {
      expect(q.expr).not.toContain('$');
      expect(`${q.dashboard} / ${q.panel}: ${promqlErrors(q.expr).join(', ')}`).toBe(`${q.dashboard} / ${q.panel}: `);
    }
    expect(queries).toContainEqual({
      dashboard: 'greenlang-prometheus',
      panel: 'Head series',
      expr: 'max by (pod) (prometheus_tsdb_head_series{job="prometheus", pod=~".*", cluster=~".*"})',
      rawExpr: 'max by (pod) (prometheus_tsdb_head_series{job="prometheus", pod=~"$pod", cluster=~"$cluster"})',
    });
  });

  it('filters only on job names the monitors set (lib/rules/conventions.ts, the cluster jobs, the pushed compactor job)', () => {
    const known = new Set<string>(Object.values(DASHBOARD_JOBS));
    const used = new Set(
      dashboardQueries(config).flatMap((q) => [...q.expr.matchAll(/job!?="([^"]+)"/g)].map((m) => m[1])),
    );
    expect([...used].filter((job) => !known.has(job as string))).toEqual([]);
    expect(used.size).toBeGreaterThan(10);
  });

  it('every query filters on the cluster variable, and the dashboards offer it', () => {
    for (const q of dashboardQueries(config)) expect(q.rawExpr).toContain('cluster=~"$cluster"');
    for (const d of built) {
      const names = (d.model.templating?.list ?? []).map((v) => v.name);
      expect(names[0]).toBe('cluster');
    }
  });

  it('substitutes $var and the braced form with a given value or the "All" regex', () => {
    const braced = ['up{a=~"$cluster", b=~"$', '{pod}"}'].join('');
    expect(substituteTemplateVariables(braced, { pod: 'p-0' })).toBe('up{a=~".*", b=~"p-0"}');
  });

  it("draws the seed's scale triggers and the configured limits as thresholds", () => {
    const thresholdsOf = (uid: string, title: string) => {
      const d = built.find((b) => b.uid === uid);
      const panel = panelsOf(d?.model as Json).find((p) => p.title === title);
      return panel?.fieldConfig.defaults.thresholds.steps.map((s: Json) => s.value);
    };
    expect(thresholdsOf('greenlang-stack-overview', 'Active series per replica vs the scale trigger')).toEqual([
      null,
      500_000,
    ]);
    expect(thresholdsOf('greenlang-thanos', 'Thanos Query QPS vs the scale trigger')).toEqual([null, 100]);
    expect(thresholdsOf('greenlang-thanos', 'Store gateway Series latency (p99) vs the scale trigger')).toEqual([
      null,
      10,
    ]);
    // 8Gi Prometheus memory limit, 100Gi volume.
    expect(thresholdsOf('greenlang-capacity', 'Memory: seed formula vs measured')).toEqual([null, 8 * 2 ** 30]);
    expect(thresholdsOf('greenlang-capacity', 'Local storage: seed formula vs measured')).toEqual([
      null,
      100 * 2 ** 30,
    ]);
  });

  it("computes the seed's memory and storage formulas in PromQL next to the measured values", () => {
    const capacity = dashboardQueries(config).filter((q) => q.dashboard === 'greenlang-capacity');
    // series × 3 KB × 2 + 1 GB; samples/s × 7 d × 86400 s × 1.5 B × 2.
    expect(capacity.map((q) => q.expr)).toEqual(
      expect.arrayContaining([
        'max by (pod) (pod:prometheus_tsdb_head_series:sum{cluster=~".*"}) * 6000 + 1000000000',
        `max by (pod) (pod:prometheus_tsdb_head_samples_appended:rate5m{cluster=~".*"}) * ${7 * 86_400 * 1.5 * 2}`,
      ]),
    );
  });

  it('a spec without a query is refused', () => {
    const [spec] = dashboardSpecs(config);
    const broken: DashboardSpec = {
      ...(spec as DashboardSpec),
      rows: [{ title: 'r', panels: [{ title: 'p', description: 'd', unit: 's', queries: [] }] }],
    };
    expect(() => buildDashboard(broken)).toThrow('panel "p": has no query');
  });
});
