import { spawnSync } from 'node:child_process';
import { COMPACTOR_METRICS, COMPACTOR_PUSH_JOB } from '../../../lambdas/domain/compactor-metrics';
import { SEVERITIES } from '../../../lambdas/domain/receivers';
import { CAPACITY_RECORDING_RULES } from '../../../lambdas/domain/recording-rules';
import { type EnvironmentConfig, loadEnvironmentConfig } from '../../../lib/config';
import { RULE_EVALUATOR_LABEL } from '../../../lib/naming';
import { PROJECT_ROOT } from '../../../lib/paths';
import { type AlertingRule, prometheusRuleObjects, ruleFileSpecs, ruleFiles } from '../../../lib/rules';
import {
  API_SLOS,
  BURN_RATE_ALERTS,
  burnRateFactor,
  PROMETHEUS_SLI_WINDOWS,
  RULER_SLI_WINDOWS,
} from '../../../lib/rules/greenlang-slo';
import { renderAnnotation, ruleFileDependencies } from '../../../lib/rules/promtool-tests';
import { COMPACTOR_EXPECTATIONS } from '../../../lib/rules/thanos';

const ENVS = ['dev', 'staging', 'prod'] as const;

/**
 * Validates objects against the prometheus-operator CRD schema (@kubernetes-models, ESM-only: run in a Node child
 * process, which loads ESM natively). Returns one error message or null per object.
 */
function schemaErrors(objects: readonly unknown[]): (string | null)[] {
  const script = `
    import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
    const objects = JSON.parse(await new Response(process.stdin).text());
    const errors = objects.map((o) => { try { new PrometheusRule(o).validate(); return null; } catch (e) { return String(e.message); } });
    process.stdout.write(JSON.stringify(errors));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`schema validation failed to run: ${result.stderr}`);
  return JSON.parse(result.stdout) as (string | null)[];
}
const prod = loadEnvironmentConfig('prod');

const alertsOf = (config: EnvironmentConfig) =>
  ruleFiles(config).flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.filter((r): r is AlertingRule => 'alert' in r).map((rule) => ({ file, rule })),
    ),
  );

/** Range selectors `[5m]`, `[1d]` in seconds. */
function rangeSeconds(expr: string): number[] {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  return [...expr.matchAll(/\[(\d+)([smhdw])\]/g)].map((m) => Number(m[1]) * (unit[m[2] ?? 's'] ?? Number.NaN));
}

describe('alert rules', () => {
  it.each(ENVS)('%s has at least 40 alerts with unique names', (env) => {
    const names = alertsOf(loadEnvironmentConfig(env)).map((a) => a.rule.alert);
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
  });

  it('gives every alert a severity, a service, a summary, a description and a runbook in the repository', () => {
    for (const { rule } of alertsOf(prod)) {
      expect(SEVERITIES).toContain(rule.labels.severity);
      expect(rule.labels.service).toMatch(/^[a-z][a-z-]+$/);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.summary).not.toContain('\n');
      expect(rule.annotations.description.length).toBeGreaterThan(rule.annotations.summary.length / 2);
      expect(rule.annotations.runbook_url).toMatch(
        new RegExp(
          `^https://github\\.com/greenlang/greenlang-observability/blob/main/docs/runbooks/[a-z-]+\\.md#${rule.alert.toLowerCase()}$`,
        ),
      );
    }
  });

  it('uses every severity, so the critical, warning and info routes all carry traffic', () => {
    const used = new Set(alertsOf(prod).map((a) => a.rule.labels.severity));
    expect([...used].sort()).toEqual([...SEVERITIES].sort());
  });

  it('annotations print only labels the expression returns (promtool checks the rendered text)', () => {
    for (const file of ruleFileSpecs(prod)) {
      for (const group of file.groups) {
        for (const rule of group.rules) {
          if (!('alert' in rule)) continue;
          for (const text of [rule.summary, rule.description]) {
            for (const m of text.matchAll(/\{\{\s*\$labels\.(\w+)\s*\}\}/g)) {
              expect({
                alert: rule.alert,
                label: m[1],
                present: m[1] !== undefined && m[1] in rule.test.labels,
              }).toEqual({
                alert: rule.alert,
                label: m[1],
                present: true,
              });
            }
          }
        }
      }
    }
  });

  it('lets Prometheus evaluate windows up to 2h only; longer windows go to the Thanos Ruler', () => {
    for (const file of ruleFiles(prod)) {
      const longest = Math.max(0, ...file.groups.flatMap((g) => g.rules.flatMap((r) => rangeSeconds(r.expr))));
      if (file.evaluator === 'prometheus')
        expect({ file: file.name, longest: longest <= 7200 }).toEqual({ file: file.name, longest: true });
      else expect({ file: file.name, longest: longest > 7200 }).toEqual({ file: file.name, longest: true });
    }
    const ruler = ruleFiles(prod)
      .filter((f) => f.evaluator === 'thanos-ruler')
      .map((f) => f.name);
    expect(ruler).toEqual(expect.arrayContaining(['greenlang-slo-long-range', 'long-range']));
  });

  it('records the capacity rules verbatim, evaluated by Prometheus', () => {
    const recorded = ruleFiles(prod)
      .filter((f) => f.evaluator === 'prometheus')
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter((r) => 'record' in r);
    for (const rule of Object.values(CAPACITY_RECORDING_RULES)) {
      expect(recorded).toContainEqual({ record: rule.record, expr: rule.expr });
    }
  });

  it('builds the compactor alerts on the pushed run results, never on absent(up)', () => {
    const compactor = alertsOf(prod).filter((a) => a.rule.alert.startsWith('ThanosCompactor'));
    expect(compactor.map((a) => a.rule.alert).sort()).toEqual([
      'ThanosCompactorFailingRepeatedly',
      'ThanosCompactorHalted',
      'ThanosCompactorLastRunFailed',
      'ThanosCompactorLastSuccessTooOld',
      'ThanosCompactorNoRunReported',
      'ThanosCompactorRunTooLong',
    ]);
    for (const { rule } of compactor) {
      expect(rule.expr).not.toMatch(/\bup\{/);
      expect(rule.expr).toContain(`job="${COMPACTOR_PUSH_JOB}"`);
    }
    const byName = Object.fromEntries(compactor.map((a) => [a.rule.alert, a.rule]));
    expect(byName.ThanosCompactorHalted?.expr).toContain(COMPACTOR_METRICS.halted);
    expect(byName.ThanosCompactorHalted?.expr).toMatch(/== 1$/);
    // N failed runs in a row, from the newest run's group.
    expect(byName.ThanosCompactorFailingRepeatedly?.expr).toContain(COMPACTOR_METRICS.consecutiveFailures);
    expect(byName.ThanosCompactorFailingRepeatedly?.expr).toMatch(
      new RegExp(`>= ${COMPACTOR_EXPECTATIONS.maxConsecutiveFailures}$`),
    );
    // Last success older than twice the schedule.
    expect(byName.ThanosCompactorLastSuccessTooOld?.expr).toContain(COMPACTOR_METRICS.lastSuccess);
    expect(byName.ThanosCompactorLastSuccessTooOld?.expr).toMatch(
      new RegExp(`> ${2 * COMPACTOR_EXPECTATIONS.intervalHours * 3600}$`),
    );
    // Started but not ended.
    expect(byName.ThanosCompactorRunTooLong?.expr).toContain(COMPACTOR_METRICS.lastRunStart);
    expect(byName.ThanosCompactorRunTooLong?.expr).toContain(`unless on (job)`);
    expect(byName.ThanosCompactorRunTooLong?.expr).toContain(COMPACTOR_METRICS.lastRunEnd);
  });

  it('derives capacity thresholds from the environment sizing', () => {
    const custom: EnvironmentConfig = {
      ...prod,
      sizing: {
        ...prod.sizing,
        scaleTriggers: { prometheusSeriesPerReplica: 123_456, thanosQueryQps: 77, storeGatewayLatencySeconds: 3 },
      },
    };
    const byName = Object.fromEntries(alertsOf(custom).map((a) => [a.rule.alert, a.rule.expr]));
    expect(byName.PrometheusHeadSeriesAboveScaleTrigger).toBe(
      'max by (job, pod) (prometheus_tsdb_head_series{job="prometheus"}) > 123456',
    );
    expect(byName.PrometheusHeadSeriesForecastAboveScaleTrigger).toMatch(/ > 123456$/);
    expect(byName.ThanosQueryRateAboveScaleTrigger).toBe(`${CAPACITY_RECORDING_RULES.queryRate.record} > 77`);
    expect(byName.ThanosStoreLatencyAboveScaleTrigger).toBe(`${CAPACITY_RECORDING_RULES.storeLatencyP99.record} > 3`);
    // 8Gi limit in the seed: 90% of 8 * 2^30 bytes.
    expect(byName.PrometheusMemoryNearLimit).toBe(
      `max by (job, pod) (process_resident_memory_bytes{job="prometheus"}) > ${Math.floor(0.9 * 8 * 2 ** 30)}`,
    );
  });
});

describe('SLO burn-rate alerts', () => {
  it('uses the SRE workbook pairs: 14.4x over 1h/5m and 6x over 6h/30m page, 3x over 1d/2h and 1x over 3d/6h ticket', () => {
    const pairs = BURN_RATE_ALERTS.flatMap((a) =>
      a.windows.map((w) => ({ long: w.long, short: w.short, factor: burnRateFactor(w), severity: a.severity })),
    );
    expect(pairs).toEqual([
      { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
      { long: '6h', short: '30m', factor: 6, severity: 'critical' },
      { long: '1d', short: '2h', factor: 3, severity: 'warning' },
      { long: '3d', short: '6h', factor: 1, severity: 'warning' },
    ]);
    // The short window is 1/12 of the long one (workbook).
    for (const a of BURN_RATE_ALERTS) {
      for (const w of a.windows)
        expect(rangeSeconds(`[${w.long}]`)[0]).toBe(12 * (rangeSeconds(`[${w.short}]`)[0] ?? 0));
    }
  });

  it('compares both windows to factor x (1 - objective) for each SLO', () => {
    const alerts = Object.fromEntries(alertsOf(prod).map((a) => [a.rule.alert, a]));
    const availabilityFast = alerts.GreenLangAPIAvailabilityFastBurn?.rule.expr;
    expect(availabilityFast).toBe(
      '(slo:sli_error:ratio_rate1h{slo="api-availability"} > 0.0144 and on (job, slo) slo:sli_error:ratio_rate5m{slo="api-availability"} > 0.0144)',
    );
    const latencySlow = alerts.GreenLangAPILatencySlowBurn?.rule.expr;
    expect(latencySlow).toBe(
      '(slo:sli_error:ratio_rate1d{slo="api-latency"} > 0.03 and on (job, slo) slo:sli_error:ratio_rate2h{slo="api-latency"} > 0.03)' +
        ' or (slo:sli_error:ratio_rate3d{slo="api-latency"} > 0.01 and on (job, slo) slo:sli_error:ratio_rate6h{slo="api-latency"} > 0.01)',
    );
    expect(alerts.GreenLangAPIAvailabilityFastBurn?.file.evaluator).toBe('prometheus');
    expect(alerts.GreenLangAPIAvailabilityMediumBurn?.file.evaluator).toBe('thanos-ruler');
    expect(alerts.GreenLangAPILatencySlowBurn?.file.evaluator).toBe('thanos-ruler');
    expect(alerts.GreenLangAPILatencyErrorBudgetExhausted?.file.evaluator).toBe('thanos-ruler');
  });

  it('records every window the alerts read, each by the evaluator its length calls for', () => {
    const recordedBy = new Map<string, string>();
    for (const file of ruleFiles(prod)) {
      for (const rule of file.groups.flatMap((g) => g.rules)) {
        if ('record' in rule && rule.record.startsWith('slo:sli_error')) recordedBy.set(rule.record, file.evaluator);
      }
    }
    for (const w of PROMETHEUS_SLI_WINDOWS) expect(recordedBy.get(`slo:sli_error:ratio_rate${w}`)).toBe('prometheus');
    for (const w of RULER_SLI_WINDOWS) expect(recordedBy.get(`slo:sli_error:ratio_rate${w}`)).toBe('thanos-ruler');
    const read = BURN_RATE_ALERTS.flatMap((a) => a.windows.flatMap((w) => [w.long, w.short]));
    for (const w of read) expect(recordedBy.has(`slo:sli_error:ratio_rate${w}`)).toBe(true);
    expect(API_SLOS.map((s) => s.objective)).toEqual([0.999, 0.99]);
  });
});

describe('prometheusRuleObjects', () => {
  it.each(ENVS)('%s: valid PrometheusRule objects in monitoring, labelled with their evaluator', (env) => {
    const config = loadEnvironmentConfig(env);
    const objects = prometheusRuleObjects(config);
    const files = ruleFiles(config);
    expect(objects.map((o) => o.metadata.name)).toEqual(files.map((f) => `greenlang-${f.name}`));
    objects.forEach((object, i) => {
      expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(object.kind).toBe('PrometheusRule');
      expect(object.metadata.namespace).toBe('monitoring');
      expect(object.metadata.labels?.[RULE_EVALUATOR_LABEL]).toBe(files[i]?.evaluator);
      expect(object.spec).toEqual({ groups: files[i]?.groups });
    });
    expect(schemaErrors(objects)).toEqual(objects.map(() => null));
  });

  it('rejects what the schema rejects (the validation is real)', () => {
    const [object] = prometheusRuleObjects(prod);
    const broken = { ...object, spec: { groups: [{ name: 'x', rules: [{ alert: 'A' }] }] } };
    expect(schemaErrors([broken])[0]).toMatch(/expr/);
  });
});

describe('promtool test helpers', () => {
  it('renders $labels templates and refuses anything it cannot predict', () => {
    expect(renderAnnotation('pod {{ $labels.pod }} of {{$labels.job}}', { pod: 'p-0', job: 'j' })).toBe('pod p-0 of j');
    expect(renderAnnotation('missing {{ $labels.nope }}.', {})).toBe('missing .');
    expect(() => renderAnnotation('value {{ $value }}', {})).toThrow(
      'annotation template: only {{ $labels.NAME }} is supported, got {{ $value }}',
    );
  });

  it('loads the recording files an alert file reads, transitively, and nothing else', () => {
    const specs = ruleFileSpecs(prod);
    const deps = (name: string) => {
      const file = specs.find((s) => s.name === name);
      if (!file) throw new Error(name);
      return ruleFileDependencies(file, specs).map((f) => f.name);
    };
    expect(deps('thanos')).toEqual(['capacity-recording', 'thanos']);
    expect(deps('greenlang-slo-long-range')).toEqual(['greenlang-slo', 'greenlang-slo-long-range']);
    expect(deps('long-range')).toEqual(['long-range']);
    expect(deps('prometheus')).toEqual(['prometheus']);
    expect(deps('redis')).toEqual(['redis']);
  });
});
