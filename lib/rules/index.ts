import type { EnvironmentConfig } from '../config';
import type { KubernetesObject } from '../k8s/types';
import { RULE_EVALUATOR_LABEL, type RuleEvaluator } from '../naming';
import { agentRules } from './agents';
import { alertmanagerRules } from './alertmanager';
import { capacityRecordingRules } from './capacity-recording';
import { runbookUrl } from './conventions';
import { greenlangSloLongRangeRules, greenlangSloRules } from './greenlang-slo';
import { kongRules } from './kong';
import { kubernetesRules } from './kubernetes';
import { longRangeRules } from './long-range';
import { postgresRules } from './postgres';
import { prometheusRules } from './prometheus';
import { pushgatewayRules } from './pushgateway';
import { redisRules } from './redis';
import { thanosRules } from './thanos';
import { type AlertingRule, isAlertSpec, type RuleFileSpec, type RuleGroup, type RuleSpec } from './types';

export type { AlertingRule, RecordingRule, Rule, RuleGroup } from './types';

/** Every rule file as typed specs (with each alert's unit test). Order: Prometheus files first, then the Ruler's. */
export function ruleFileSpecs(config: EnvironmentConfig): RuleFileSpec[] {
  const files: RuleFileSpec[] = [
    capacityRecordingRules(),
    prometheusRules(config),
    thanosRules(config),
    alertmanagerRules(),
    pushgatewayRules(),
    greenlangSloRules(),
    agentRules(),
    kongRules(),
    postgresRules(),
    redisRules(),
    kubernetesRules(),
    greenlangSloLongRangeRules(),
    longRangeRules(config),
  ];
  return files.map((file) => ({ ...file, runbookBaseUrl: config.runbookBaseUrl }));
}

function requireRunbookBaseUrl(file: Pick<RuleFileSpec, 'name' | 'runbookBaseUrl'>): string {
  if (!file.runbookBaseUrl)
    throw new Error(`rule file ${file.name}: runbookBaseUrl is not set (ruleFileSpecs sets it)`);
  return file.runbookBaseUrl;
}

/** Turns one spec into the rule written to the file: static labels severity + service, the three annotations. */
export function toRule(spec: RuleSpec, file: Pick<RuleFileSpec, 'name' | 'runbook' | 'service' | 'runbookBaseUrl'>) {
  if (!isAlertSpec(spec)) {
    return { record: spec.record, expr: spec.expr, ...(spec.labels ? { labels: { ...spec.labels } } : {}) };
  }
  const rule: AlertingRule = {
    alert: spec.alert,
    expr: spec.expr,
    ...(spec.for ? { for: spec.for } : {}),
    labels: { ...spec.labels, severity: spec.severity, service: file.service },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: runbookUrl(requireRunbookBaseUrl(file), file.runbook, spec.alert),
    },
  };
  return rule;
}

/** The plain Prometheus rule groups of one file spec. */
export function toRuleGroups(file: RuleFileSpec): RuleGroup[] {
  return file.groups.map((group) => ({
    name: group.name,
    ...(group.interval ? { interval: group.interval } : {}),
    rules: group.rules.map((rule) => toRule(rule, file)),
  }));
}

/**
 * The plain Prometheus rule files (`{groups: [...]}` each): `npm run render` writes them to
 * `prometheus/rules/<name>.yaml`; `evaluator` says whether Prometheus or the Thanos Ruler loads them.
 */
export function ruleFiles(
  config: EnvironmentConfig,
): { name: string; evaluator: RuleEvaluator; groups: RuleGroup[] }[] {
  return ruleFileSpecs(config).map((file) => ({
    name: file.name,
    evaluator: file.evaluator,
    groups: toRuleGroups(file),
  }));
}

/**
 * The same rules as monitoring.coreos.com/v1 PrometheusRule objects in `monitoring`, labelled with who evaluates
 * them (`RULE_EVALUATOR_LABEL`: the Prometheus and ThanosRuler rule selectors match on it).
 */
export function prometheusRuleObjects(config: EnvironmentConfig): KubernetesObject[] {
  return ruleFiles(config).map((file) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `greenlang-${file.name}`,
      namespace: 'monitoring',
      labels: { 'app.kubernetes.io/part-of': 'greenlang-observability', [RULE_EVALUATOR_LABEL]: file.evaluator },
    },
    spec: { groups: file.groups },
  }));
}
