import { SEVERITIES } from '../../../lambdas/domain/receivers';
import { alertmanagerConfig, inhibitRule } from '../../../lib/alerting/alertmanager-config';
import { loadEnvironmentConfig } from '../../../lib/config';
import { API_SLOS, BURN_RATE_ALERTS } from '../../../lib/rules/greenlang-slo';
import { INHIBITION_CLUSTER_LABEL, INHIBITIONS } from '../../../lib/rules/inhibitions';
import { alertsAsSent, evaluatorLabels } from '../../support/alerts-as-sent';

/**
 * Every declared inhibition against the rendered rules: both alerts exist, the source is at least as severe, and
 * both carry every `equal` label with a value. Alertmanager compares a missing label as "" (inhibit/inhibit.go,
 * `InhibitRule.inhibits`), so a label missing on both sides would match every object.
 */

const ENVS = ['dev', 'staging', 'prod'] as const;
const pairs = INHIBITIONS.map((i) => [`${i.source} → ${i.target}`, i] as const);

describe.each(ENVS)('inhibitions in %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const alerts = alertsAsSent(config);
  const alertOf = (name: string) => {
    const alert = alerts.get(name);
    if (!alert) throw new Error(`no alert ${name} in the rendered rules of ${env}`);
    return alert;
  };

  it.each(pairs)('%s: both alerts exist, the source at least as severe', (_name, inhibition) => {
    const source = alertOf(inhibition.source);
    const target = alertOf(inhibition.target);
    expect(SEVERITIES.indexOf(source.spec.severity)).toBeLessThanOrEqual(SEVERITIES.indexOf(target.spec.severity));
  });

  it.each(pairs)('%s: both carry every equal label, the object labels from their expressions', (_name, inhibition) => {
    const equal = inhibitRule(inhibition).equal;
    expect(equal[0]).toBe(INHIBITION_CLUSTER_LABEL);
    expect(inhibition.equal.length).toBeGreaterThan(0);
    for (const alert of [alertOf(inhibition.source), alertOf(inhibition.target)]) {
      const carried = Object.fromEntries(equal.map((label) => [label, alert.labels[label] ?? '']));
      expect({ alert: alert.spec.alert, missing: equal.filter((label) => carried[label] === '') }).toEqual({
        alert: alert.spec.alert,
        missing: [],
      });
      // The object labels come from the expression's result (promtool checks `test.labels` exactly) and the
      // expression names them (`by (...)`, `on (...)` or its selector), not from static or evaluator labels.
      for (const label of inhibition.equal) {
        expect({ alert: alert.spec.alert, label, fromExpression: label in alert.spec.test.labels }).toEqual({
          alert: alert.spec.alert,
          label,
          fromExpression: true,
        });
        expect(alert.rule.expr).toMatch(new RegExp(`\\b${label}\\b`));
      }
    }
  });

  it.each(pairs)('%s: compares every label both expressions produce', (_name, inhibition) => {
    // A shared label left out would let the source of one object (one PVC, one integration) mute another's target.
    const produced = (name: string) => Object.keys(alertOf(name).spec.test.labels);
    const shared = produced(inhibition.source).filter((label) => produced(inhibition.target).includes(label));
    expect([...inhibition.equal].sort()).toEqual(shared.sort());
  });

  it('compares cluster on every rule: each evaluator sets it on its alerts', () => {
    const external = evaluatorLabels(config);
    expect(external.prometheus[INHIBITION_CLUSTER_LABEL]).toBe(config.clusterName);
    expect(external['thanos-ruler'][INHIBITION_CLUSTER_LABEL]).toBe(config.clusterName);
  });

  it('renders one inhibit rule per declared pair, by alert name', () => {
    const { inhibit_rules } = alertmanagerConfig(config, { alertWebhookUrl: 'https://fanout.example/alerts' }) as {
      inhibit_rules: unknown[];
    };
    expect(inhibit_rules).toEqual(INHIBITIONS.map(inhibitRule));
  });
});

describe('the declared inhibitions', () => {
  it('name each pair once, and no alert mutes itself', () => {
    const keys = INHIBITIONS.map((i) => `${i.source}/${i.target}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(INHIBITIONS.filter((i) => i.source === i.target)).toEqual([]);
  });

  it('cover the pairs that page and warn about one object at once', () => {
    expect(INHIBITIONS.map((i) => `${i.source} → ${i.target} [${i.equal.join(', ')}]`)).toEqual(
      expect.arrayContaining([
        'KubePersistentVolumeFull → KubePersistentVolumeFillingUp [namespace, persistentvolumeclaim]',
        'AlertmanagerClusterFailedToSendAlerts → AlertmanagerFailedToSendAlerts [job, integration]',
        'GreenLangAgentsManyMissing → GreenLangAgentHeartbeatMissing [job]',
      ]),
    );
  });

  it("let each faster burn-rate alert of an SLO mute the SLO's slower ones", () => {
    const alert = (slo: (typeof API_SLOS)[number], burn: (typeof BURN_RATE_ALERTS)[number]) =>
      `GreenLangAPI${slo.alertName}${burn.suffix}`;
    const expected = API_SLOS.flatMap((slo) =>
      BURN_RATE_ALERTS.flatMap((faster, i) =>
        BURN_RATE_ALERTS.slice(i + 1).map((slower) => `${alert(slo, faster)} → ${alert(slo, slower)} [job, slo]`),
      ),
    );
    expect(expected).toHaveLength(6);
    expect(INHIBITIONS.map((i) => `${i.source} → ${i.target} [${i.equal.join(', ')}]`)).toEqual(
      expect.arrayContaining(expected),
    );
  });
});
