import { RECEIVERS } from '../../../lambdas/domain/receivers';
import { alertmanagerConfig, criticalReceiver, renderAlertWebhookUrl } from '../../../lib/alerting/alertmanager-config';
import { loadEnvironmentConfig } from '../../../lib/config';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../../../lib/naming';

interface Receiver {
  name: string;
  webhook_configs: { url: string; send_resolved: boolean; max_alerts: number; http_config: unknown }[];
}
interface Config {
  route: {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { matchers: string[]; receiver: string }[];
  };
  inhibit_rules: unknown[];
  receivers: Receiver[];
}

const url = 'https://fanout.example/alerts';
const build = (env: 'dev' | 'staging' | 'prod') =>
  alertmanagerConfig(loadEnvironmentConfig(env), { alertWebhookUrl: url }) as Config;

describe('alertmanagerConfig', () => {
  it('keeps the seed route in prod: group_by alertname/cluster/service, 30s/5m/4h, critical to PagerDuty', () => {
    const { route } = build('prod');
    expect(route).toEqual({
      receiver: 'slack-default',
      group_by: ['alertname', 'cluster', 'service'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { matchers: ['severity="critical"'], receiver: 'pagerduty-critical' },
        { matchers: ['severity="warning"'], receiver: 'slack-warnings' },
      ],
    });
  });

  it.each(['dev', 'staging'] as const)('sends critical alerts to Slack in %s, where PagerDuty is off', (env) => {
    const config = build(env);
    expect(config.route.routes[0]).toEqual({ matchers: ['severity="critical"'], receiver: 'slack-critical' });
    expect(config.receivers.map((r) => r.name)).not.toContain('pagerduty-critical');
  });

  it('follows the pagerduty switch, not the environment name', () => {
    const staging = loadEnvironmentConfig('staging');
    const withPagerDuty = { ...staging, alerting: { ...staging.alerting, pagerduty: { enabled: true } } };
    expect(criticalReceiver(withPagerDuty)).toBe(RECEIVERS.pagerdutyCritical);
    expect(criticalReceiver(staging)).toBe(RECEIVERS.slackCritical);
  });

  it.each(['dev', 'staging', 'prod'] as const)(
    '%s: every receiver is a webhook to the fan-out with the bearer token file',
    (env) => {
      const config = build(env);
      const routed = new Set([config.route.receiver, ...config.route.routes.map((r) => r.receiver)]);
      expect(config.receivers.map((r) => r.name).sort()).toEqual([...routed].sort());
      for (const receiver of config.receivers) {
        expect(Object.values(RECEIVERS)).toContain(receiver.name);
        expect(receiver.webhook_configs).toEqual([
          {
            url,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials_file: ALERT_WEBHOOK_TOKEN_FILE } },
          },
        ]);
      }
    },
  );

  it('inhibits by alert name and object, never by severity alone', () => {
    const rules = build('prod').inhibit_rules as {
      source_matchers: string[];
      target_matchers: string[];
      equal: string[];
    }[];
    expect(rules).toContainEqual({
      source_matchers: ['alertname="KubePersistentVolumeFull"'],
      target_matchers: ['alertname="KubePersistentVolumeFillingUp"'],
      equal: ['cluster', 'namespace', 'persistentvolumeclaim'],
    });
    for (const rule of rules) {
      expect(rule.source_matchers).toEqual([expect.stringMatching(/^alertname="[A-Za-z0-9]+"$/)]);
      expect(rule.target_matchers).toEqual([expect.stringMatching(/^alertname="[A-Za-z0-9]+"$/)]);
      expect(rule.equal.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('rejects a fan-out URL that is not http(s)', () => {
    const config = loadEnvironmentConfig('dev');
    expect(() => alertmanagerConfig(config, { alertWebhookUrl: 'fanout' })).toThrow(
      'alertmanagerConfig: alertWebhookUrl is not a URL: "fanout"',
    );
    expect(() => alertmanagerConfig(config, { alertWebhookUrl: 'ftp://x/alerts' })).toThrow(
      'alertmanagerConfig: alertWebhookUrl must be http(s), got "ftp://x/alerts"',
    );
  });

  it('renders with a placeholder URL that can never resolve', () => {
    expect(renderAlertWebhookUrl('staging')).toBe('https://alert-fanout.greenlang-staging.invalid/alerts');
  });
});
