import { alertmanagerConfig, renderAlertWebhookUrl } from '../../../lib/alerting/alertmanager-config';
import { loadEnvironmentConfig } from '../../../lib/config';
import { renderPlan } from '../../../lib/render/plan';
import { ruleFiles } from '../../../lib/rules';

describe('renderPlan: rules and Alertmanager', () => {
  it.each(['dev', 'prod'] as const)('%s: writes one plain Prometheus rule file per rule file', (env) => {
    const config = loadEnvironmentConfig(env);
    const plan = renderPlan(config);
    for (const rules of ruleFiles(config)) {
      expect(plan).toContainEqual({
        path: `prometheus/rules/${rules.name}.yaml`,
        documents: [{ groups: rules.groups }],
      });
    }
  });

  it('writes the Alertmanager config with the placeholder fan-out URL of the environment', () => {
    const config = loadEnvironmentConfig('prod');
    const file = renderPlan(config).find((f) => f.path === 'alertmanager/alertmanager.yaml');
    expect(file?.documents).toEqual([alertmanagerConfig(config, { alertWebhookUrl: renderAlertWebhookUrl('prod') })]);
    expect(JSON.stringify(file?.documents)).toContain('https://alert-fanout.greenlang-prod.invalid/alerts');
  });
});
