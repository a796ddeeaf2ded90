import type { EnvironmentConfig } from '../../lib/config';
import { kubernetesObjects } from '../../lib/k8s';
import type { RuleEvaluator } from '../../lib/naming';
import { ruleFileSpecs, toRule } from '../../lib/rules';
import { type AlertingRule, type AlertRuleSpec, isAlertingRule, isAlertSpec } from '../../lib/rules/types';

/** One alerting rule and the alert it sends to Alertmanager. */
export interface AlertAsSent {
  readonly spec: AlertRuleSpec;
  readonly rule: AlertingRule;
  readonly evaluator: RuleEvaluator;
  /** The labels the alert reaches Alertmanager with (see {@link alertsAsSent}). */
  readonly labels: Readonly<Record<string, string>>;
}

type Labels = Readonly<Record<string, string>>;

/**
 * The labels each evaluator adds to the alerts it sends, from the rendered objects: the Prometheus CR's
 * `externalLabels` and the ThanosRuler CR's `labels` (its `--label` flags). The operator's own `prometheus` and
 * replica labels are left out: the replica labels are dropped from alerts, and no test compares `prometheus`.
 */
export function evaluatorLabels(config: EnvironmentConfig): Record<RuleEvaluator, Labels> {
  const objects = kubernetesObjects(config);
  const spec = (kind: string) => {
    const object = objects.find((o) => o.kind === kind);
    if (!object) throw new Error(`no ${kind} object rendered`);
    return object.spec as { externalLabels?: Labels; labels?: Labels };
  };
  return { prometheus: spec('Prometheus').externalLabels ?? {}, 'thanos-ruler': spec('ThanosRuler').labels ?? {} };
}

/**
 * Every alert of the rendered rules with the labels it reaches Alertmanager with: `alertname`, the labels of its
 * expression's result (the alert's `test.labels`, which promtool checks exactly in rules-promtool.test.ts), its
 * static labels (severity, service, extra) and its evaluator's labels. Prometheus adds an external label only
 * where the alert has none (prometheus/prometheus notifier/notifier.go, `Send`); the Ruler sets its labels over the
 * alert's (thanos-io/thanos pkg/alert/alert.go, `Queue.Push`).
 */
export function alertsAsSent(config: EnvironmentConfig): Map<string, AlertAsSent> {
  const external = evaluatorLabels(config);
  const alerts = new Map<string, AlertAsSent>();
  for (const file of ruleFileSpecs(config)) {
    for (const spec of file.groups.flatMap((group) => group.rules).filter(isAlertSpec)) {
      const rule = toRule(spec, file);
      if (!isAlertingRule(rule)) throw new Error(`${spec.alert}: not an alerting rule`);
      const own = { ...spec.test.labels, ...rule.labels, alertname: spec.alert };
      const labels =
        file.evaluator === 'prometheus' ? { ...external.prometheus, ...own } : { ...own, ...external[file.evaluator] };
      alerts.set(spec.alert, { spec, rule, evaluator: file.evaluator, labels });
    }
  }
  return alerts;
}
