import { toRule } from './index';
import { type AlertRuleSpec, isAlertingRule, isAlertSpec, type RuleFileSpec } from './types';

/**
 * promtool unit tests generated from the alerts' own test data: for every alert one test where its failure series
 * make it fire (exact labels and annotations) and one where healthy series keep it silent.
 */

const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;

/**
 * Renders an annotation the way Prometheus does for the templates the rules use: `{{ $labels.name }}` only (the
 * expected text of a test must be computable, so annotations never print `$value`).
 */
export function renderAnnotation(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(TEMPLATE, (_match, expression: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(expression);
    if (!label?.[1])
      throw new Error(`annotation template: only {{ $labels.NAME }} is supported, got {{ ${expression} }}`);
    return labels[label[1]] ?? '';
  });
}

/** The promtool `tests` entries of one alert. */
export function alertTests(spec: AlertRuleSpec, file: RuleFileSpec): unknown[] {
  const rule = toRule(spec, file);
  if (!isAlertingRule(rule)) throw new Error(`${spec.alert}: not an alerting rule`);
  const { test } = spec;
  const interval = test.interval ?? '1m';
  const evalTime = test.evalTime ?? '30m';
  const expLabels = { ...test.labels, ...rule.labels };
  const expAnnotations = Object.fromEntries(
    Object.entries(rule.annotations).map(([name, text]) => [name, renderAnnotation(text, test.labels)]),
  );
  return [
    {
      name: `${spec.alert} fires on its failure series`,
      interval,
      input_series: test.firing.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: [
        {
          eval_time: evalTime,
          alertname: spec.alert,
          exp_alerts: [{ exp_labels: expLabels, exp_annotations: expAnnotations }],
        },
      ],
    },
    {
      name: `${spec.alert} stays silent on healthy series`,
      interval,
      input_series: test.healthy.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: [{ eval_time: evalTime, alertname: spec.alert, exp_alerts: [] }],
    },
  ];
}

/**
 * One promtool test file for the alerts of `file`. `ruleFilePaths` are loaded together (alerts may read series
 * recorded in other files, e.g. the capacity or SLI recording rules).
 */
export function promtoolTestFile(file: RuleFileSpec, ruleFilePaths: readonly string[]): Record<string, unknown> {
  const alerts = file.groups.flatMap((group) =>
    group.rules.filter(isAlertSpec).flatMap((spec) => alertTests(spec, file)),
  );
  const recordings = file.groups.flatMap((group) =>
    (group.recordingTests ?? []).map((test) => ({
      name: test.name,
      interval: test.interval ?? '1m',
      input_series: test.input.map((s) => ({ series: s.series, values: s.values })),
      promql_expr_test: [
        {
          expr: test.expr,
          eval_time: test.evalTime,
          exp_samples: test.expected.map((e) => ({ labels: e.labels, value: e.value })),
        },
      ],
    })),
  );
  const tests = [...alerts, ...recordings];
  return { rule_files: [...ruleFilePaths], evaluation_interval: '1m', tests };
}

const recordedNames = (file: RuleFileSpec) =>
  file.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : [])));
const expressions = (file: RuleFileSpec) => file.groups.flatMap((g) => g.rules.map((r) => r.expr));

/**
 * The files a file's rules need to be tested: itself and, transitively, every file that records a series its
 * expressions read. Loading only those keeps promtool fast (each test evaluates every loaded rule at every step).
 */
export function ruleFileDependencies(file: RuleFileSpec, all: readonly RuleFileSpec[]): RuleFileSpec[] {
  const needed = new Map<string, RuleFileSpec>([[file.name, file]]);
  const queue = [file];
  for (let current = queue.shift(); current; current = queue.shift()) {
    const exprs = expressions(current);
    for (const other of all) {
      if (needed.has(other.name)) continue;
      const reads = recordedNames(other).some((name) =>
        exprs.some((expr) =>
          new RegExp(`(^|[^a-zA-Z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-zA-Z0-9_:])`).test(expr),
        ),
      );
      if (reads) {
        needed.set(other.name, other);
        queue.push(other);
      }
    }
  }
  return all.filter((f) => needed.has(f.name));
}
