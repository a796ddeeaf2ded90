import { RECEIVERS, type ReceiverName } from '../../lambdas/domain/receivers';
import type { EnvironmentConfig, EnvironmentName } from '../config';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../naming';
import { INHIBITION_CLUSTER_LABEL, INHIBITIONS, type Inhibition } from '../rules/inhibitions';

/** Where the alert fan-out is reached; in AWS the platform passes the real URL of the function's endpoint. */
export interface AlertmanagerEndpoints {
  readonly alertWebhookUrl: string;
}

/** The seed's grouping and timing, exactly. */
export const ROUTE_GROUP_BY = ['alertname', 'cluster', 'service'] as const;
export const ROUTE_TIMING = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' } as const;

/**
 * A placeholder fan-out URL for `npm run render` (the `.invalid` TLD never resolves, so a rendered config applied
 * by mistake cannot deliver anywhere).
 */
export function renderAlertWebhookUrl(env: EnvironmentName): string {
  return `https://alert-fanout.greenlang-${env}.invalid/alerts`;
}

/** The receiver critical alerts go to: PagerDuty where it is enabled (prod), else Slack. */
export function criticalReceiver(config: Pick<EnvironmentConfig, 'alerting'>): ReceiverName {
  return config.alerting.pagerduty.enabled ? RECEIVERS.pagerdutyCritical : RECEIVERS.slackCritical;
}

function webhookReceiver(name: ReceiverName, url: string) {
  return {
    name,
    webhook_configs: [
      {
        url,
        send_resolved: true,
        // 0 = all alerts of the group: the fan-out truncates per channel (Slack blocks, PagerDuty size), and its webhook
        // cuts a group over one queue message (1 MiB) as max_alerts would (domain/alerts/fit.ts).
        max_alerts: 0,
        http_config: { authorization: { type: 'Bearer', credentials_file: ALERT_WEBHOOK_TOKEN_FILE } },
      },
    ],
  };
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`alertmanagerConfig: alertWebhookUrl is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`alertmanagerConfig: alertWebhookUrl must be http(s), got ${JSON.stringify(url)}`);
  }
  return url;
}

/**
 * One inhibit rule per declared pair: the source alert by name mutes the target alert by name while both are about
 * the same object (same cluster and the pair's object labels). By name, not by severity: no alert name exists in
 * two severities, so the seed's `severity=critical` → `severity=warning` with `equal: [alertname, ...]` never
 * matched anything, and without `alertname` in `equal` it would mute unrelated warnings of the service.
 */
export function inhibitRule(inhibition: Inhibition) {
  return {
    source_matchers: [`alertname=${JSON.stringify(inhibition.source)}`],
    target_matchers: [`alertname=${JSON.stringify(inhibition.target)}`],
    equal: [INHIBITION_CLUSTER_LABEL, ...inhibition.equal],
  };
}

/**
 * The Alertmanager configuration: the seed's route (group_by alertname/cluster/service, 30s/5m/4h; critical →
 * pagerduty-critical, warning → slack-warnings) with PagerDuty only where enabled (dev and staging send critical
 * to slack-critical), slack-default for everything else (info), and the inhibitions of lib/rules/inhibitions.ts
 * (e.g. KubePersistentVolumeFull mutes KubePersistentVolumeFillingUp of the same PVC). Every receiver is a webhook
 * to the alert fan-out, which delivers by receiver name, authenticated with a bearer token read from a mounted
 * secret file.
 */
export function alertmanagerConfig(config: EnvironmentConfig, endpoints: AlertmanagerEndpoints): object {
  const url = checkedUrl(endpoints.alertWebhookUrl);
  const critical = criticalReceiver(config);
  const receivers: ReceiverName[] = [critical, RECEIVERS.slackWarnings, RECEIVERS.slackDefault];
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: RECEIVERS.slackDefault,
      group_by: [...ROUTE_GROUP_BY],
      ...ROUTE_TIMING,
      routes: [
        { matchers: ['severity="critical"'], receiver: critical },
        { matchers: ['severity="warning"'], receiver: RECEIVERS.slackWarnings },
      ],
    },
    receivers: receivers.map((name) => webhookReceiver(name, url)),
    inhibit_rules: INHIBITIONS.map(inhibitRule),
  };
}
