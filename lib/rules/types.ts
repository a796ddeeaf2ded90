import type { Severity } from '../../lambdas/domain/receivers';
import type { RuleEvaluator } from '../naming';

/**
 * Rules as typed data. Each alert carries its own promtool unit test (a failure series that makes it fire and a
 * healthy series where it stays silent), so no alert can be added without one.
 */

/** One promtool input series: `series` is a selector with labels, `values` promtool's expanding notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** The unit test of one alert, turned into promtool `tests` by lib/rules/promtool-tests.ts. */
export interface AlertTest {
  /** Series that make the alert fire at `evalTime`. */
  readonly firing: readonly InputSeries[];
  /** Labels of the series the expression returns when it fires (the alert's static labels are added). */
  readonly labels: Readonly<Record<string, string>>;
  /** Series of a healthy system: at `evalTime` the alert is silent. */
  readonly healthy: readonly InputSeries[];
  /** Step of the input series. @default '1m' */
  readonly interval?: string;
  /** When to evaluate. @default '30m' (enough for a 5m window and a `for` of up to 20m) */
  readonly evalTime?: string;
}

export interface AlertRuleSpec {
  /** PascalCase, unique across all files. */
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  /** One line, may use `{{ $labels.name }}` (only labels: the test computes the expected text). */
  readonly summary: string;
  /** What is wrong and what it affects; may use `{{ $labels.name }}`. */
  readonly description: string;
  /** Extra static labels (severity and service are always set). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly test: AlertTest;
}

export interface RecordingRuleSpec {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type RuleSpec = AlertRuleSpec | RecordingRuleSpec;

/** A promtool `promql_expr_test` of recorded series: what `expr` returns at `evalTime` on `input`. */
export interface RecordingTest {
  readonly name: string;
  readonly input: readonly InputSeries[];
  /** @default '1m' */
  readonly interval?: string;
  readonly evalTime: string;
  readonly expr: string;
  /** Expected samples: `labels` in series notation (`name{a="b"}`), exact values. */
  readonly expected: readonly { readonly labels: string; readonly value: number }[];
}

export interface RuleGroupSpec {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly RuleSpec[];
  /** Tests of the group's recording rules (alerts carry their own). */
  readonly recordingTests?: readonly RecordingTest[];
}

/**
 * One rule file: its groups, who evaluates it, which runbook page documents its alerts and which `service`
 * label its alerts carry (Alertmanager groups by alertname, cluster, service).
 */
export interface RuleFileSpec {
  /** File name without extension, kebab-case: `prometheus/rules/<name>.yaml` and PrometheusRule `greenlang-<name>`. */
  readonly name: string;
  readonly evaluator: RuleEvaluator;
  /** docs/runbooks/<runbook>.md */
  readonly runbook: string;
  readonly service: string;
  readonly groups: readonly RuleGroupSpec[];
  /** Where docs/runbooks/ is published (the environment's `runbookBaseUrl`; set by `ruleFileSpecs`). */
  readonly runbookBaseUrl?: string;
}

/** A plain Prometheus alerting rule, as written to the rule file. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** A plain Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type Rule = AlertingRule | RecordingRule;

/** A plain Prometheus rule group (`groups[]` of a rule file and of a PrometheusRule spec). */
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export const isAlertSpec = (rule: RuleSpec): rule is AlertRuleSpec => 'alert' in rule;
export const isAlertingRule = (rule: Rule): rule is AlertingRule => 'alert' in rule;
