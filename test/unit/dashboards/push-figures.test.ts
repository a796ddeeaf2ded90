import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PowertoolsPushMetrics,
  PowertoolsRepairMetrics,
  pushFunctionMetrics,
} from '../../../lambdas/adapters/push-metrics';
import {
  INGEST_METRICS,
  PUSH_METRICS_NAMESPACE,
  PUSH_SERVICES,
  REPAIR_METRICS,
} from '../../../lambdas/domain/push-metric-names';
import { loadEnvironmentConfig } from '../../../lib/config';
import { CLOUDWATCH_DATASOURCE, GRAFANA_UNITS } from '../../../lib/dashboards/model';
import { renderPlan } from '../../../lib/render/plan';
import { writeRenderedFiles } from '../../../lib/render/write';
import { captureEmf, type EmfSeries, emfSeries, emfValue } from '../../support/emf';

// biome-ignore lint/suspicious/noExplicitAny: plain dashboard JSON
type Json = Record<string, any>;

/** The Pushgateway dashboard as Grafana reads it: rendered by `npm run render`'s plan, parsed back from disk. */
function renderedPushgatewayDashboard(): Json {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-push-figures-'));
  try {
    const files = renderPlan(loadEnvironmentConfig('prod')).filter(
      (f) => f.path === 'grafana/dashboards/greenlang-pushgateway.json',
    );
    writeRenderedFiles(files, out);
    return JSON.parse(fs.readFileSync(path.join(out, 'grafana/dashboards/greenlang-pushgateway.json'), 'utf8'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** What the two push functions emit for a representative push of each kind and two repair passes. */
function emitted(): EmfSeries[] {
  const emf = captureEmf();
  try {
    const ingest = new PowertoolsPushMetrics(pushFunctionMetrics(PUSH_SERVICES.ingest));
    ingest.push({ status: 200, bytes: 1234, series: 17, missedReplicas: ['pushgateway-1'], ackMs: 41.5 });
    ingest.push({ status: 202, bytes: 0, missedReplicas: [], ackMs: 12 });
    ingest.push({ status: 400, bytes: 99, series: 3, missedReplicas: [], ackMs: 3 });
    ingest.push({ status: 413, bytes: 6_000_000, missedReplicas: [], ackMs: 1 });
    const repair = new PowertoolsRepairMetrics(pushFunctionMetrics(PUSH_SERVICES.repair));
    repair.pass({ synced: 0, stillOwed: 2, writeFailures: 0, restarted: [], unreachable: ['pushgateway-1'] });
    repair.pass({ synced: 2, stillOwed: 0, writeFailures: 1, restarted: ['pushgateway-1'], unreachable: [] });
    return emfSeries(emf.documents());
  } finally {
    emf.restore();
  }
}

describe("the push functions' figures and the Pushgateway dashboard", () => {
  const series = emitted();
  const dashboard = renderedPushgatewayDashboard();
  const cloudwatchPanels = (dashboard.panels as Json[]).filter(
    (p) => p.type !== 'row' && p.datasource?.uid === CLOUDWATCH_DATASOURCE.uid,
  );
  const targets = cloudwatchPanels.flatMap((p) => p.targets as Json[]);

  it('Powertools writes one EMF document per push and per pass, in the fixed namespace, with the service dimension', () => {
    for (const s of series) {
      expect(s.namespace).toBe(PUSH_METRICS_NAMESPACE);
      expect(Object.values(PUSH_SERVICES)).toContain(s.dimensions.service);
    }
    const ingest = { service: 'push-ingest' };
    // Accepted and refused as 1/0 points, so Sum counts pushes; series and misses only for accepted pushes.
    expect(series.filter((s) => s.metricName === INGEST_METRICS.accepted).map((s) => s.values[0])).toEqual([
      1, 1, 0, 0,
    ]);
    expect(series.filter((s) => s.metricName === INGEST_METRICS.series).map((s) => s.values[0])).toEqual([17, 0]);
    expect(series.filter((s) => s.metricName === INGEST_METRICS.replicasMissed).map((s) => s.values[0])).toEqual([
      1, 0,
    ]);
    expect(emfValue(series, INGEST_METRICS.answers, { ...ingest, status: '413' })).toBe(1);
    expect(emfValue(series, INGEST_METRICS.replicaMisses, { ...ingest, replica: 'pushgateway-1' })).toBe(1);
    const units = Object.fromEntries(series.map((s) => [s.metricName, s.unit]));
    expect(units).toMatchObject({
      [INGEST_METRICS.bytes]: 'Bytes',
      [INGEST_METRICS.ackTime]: 'Milliseconds',
      [INGEST_METRICS.series]: 'Count',
      [REPAIR_METRICS.stillOwed]: 'Count',
    });
    const repair = series.filter((s) => s.dimensions.service === 'push-repair');
    expect(repair.filter((s) => s.metricName === REPAIR_METRICS.stillOwed).map((s) => s.values[0])).toEqual([2, 0]);
    expect(repair.filter((s) => s.metricName === REPAIR_METRICS.unreachable).map((s) => s.values[0])).toEqual([1, 0]);
    expect(repair.filter((s) => s.metricName === REPAIR_METRICS.writeFailures).map((s) => s.values[0])).toEqual([0, 1]);
  });

  it('every CloudWatch query of the dashboard selects a series the functions emit: namespace, metric name, exactly its dimensions', () => {
    expect(targets.length).toBeGreaterThanOrEqual(15);
    const unmatched = targets.filter(
      (t) =>
        !series.some(
          (s) =>
            s.namespace === t.namespace &&
            s.metricName === t.metricName &&
            // matchExact: CloudWatch matches the dimension names exactly; `*` takes any value of one.
            t.matchExact === true &&
            Object.keys(s.dimensions).sort().join() === Object.keys(t.dimensions).sort().join() &&
            Object.entries(t.dimensions as Record<string, string>).every(
              ([k, v]) => v === '*' || s.dimensions[k] === v,
            ),
        ),
    );
    expect(unmatched.map((t) => `${t.metricName} ${JSON.stringify(t.dimensions)}`)).toEqual([]);
  });

  it('every figure the functions emit is on the dashboard', () => {
    const shown = new Set(targets.map((t) => t.metricName));
    const names = [...new Set(series.map((s) => s.metricName))];
    expect(names.filter((n) => !shown.has(n))).toEqual([]);
    expect(names).toHaveLength(Object.keys(INGEST_METRICS).length + Object.keys(REPAIR_METRICS).length);
  });

  it('panels carry a unit and a description; wildcard queries label each series by its dimension value', () => {
    for (const panel of cloudwatchPanels) {
      expect(GRAFANA_UNITS.has(panel.fieldConfig.defaults.unit)).toBe(true);
      expect(panel.description.length).toBeGreaterThan(40);
      for (const t of panel.targets as Json[]) expect(t.datasource).toEqual(CLOUDWATCH_DATASOURCE);
    }
    const answers = targets.find((t) => t.metricName === INGEST_METRICS.answers);
    expect(answers).toMatchObject({ dimensions: { service: 'push-ingest', status: '*' }, statistic: 'Sum' });
    // CloudWatch's dynamic label for a dimension's value: ${PROP('Dim.<name>')}.
    expect(answers?.label).toBe(`\${PROP('Dim.status')}`);
    const ack = cloudwatchPanels.find((p) => p.title === 'Time to acknowledge a push');
    expect(ack?.fieldConfig.defaults.unit).toBe('ms');
    expect(ack?.targets.map((t: Json) => t.statistic)).toEqual(['p50', 'p99', 'Maximum']);
  });
});
