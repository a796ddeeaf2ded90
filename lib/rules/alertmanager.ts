import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.alertmanager;
const sel = `job="${job}"`;
const am0 = { job, pod: 'alertmanager-0' };
const am1 = { job, pod: 'alertmanager-1' };

/** Alertmanager watching itself: config reloads, cluster membership, failed notifications. */
export function alertmanagerRules(): RuleFileSpec {
  const failedRatio = (by: string) =>
    `sum by (${by}) (rate(alertmanager_notifications_failed_total{${sel}}[5m])) / sum by (${by}) (rate(alertmanager_notifications_total{${sel}}[5m]))`;
  const notifications = (failed: string) => [
    series('alertmanager_notifications_failed_total', { ...am0, integration: 'webhook' }, failed),
    series('alertmanager_notifications_total', { ...am0, integration: 'webhook' }, '0+10x40'),
    series('alertmanager_notifications_failed_total', { ...am1, integration: 'webhook' }, failed),
    series('alertmanager_notifications_total', { ...am1, integration: 'webhook' }, '0+10x40'),
  ];
  return {
    name: 'alertmanager',
    evaluator: 'prometheus',
    runbook: 'alertmanager',
    service: 'alertmanager',
    groups: [
      {
        name: 'alertmanager',
        rules: [
          {
            alert: 'AlertmanagerFailedReload',
            expr: `max_over_time(alertmanager_config_last_reload_successful{${sel}}[5m]) == 0`,
            for: '10m',
            severity: 'critical',
            summary: 'Alertmanager {{ $labels.pod }} failed to reload its configuration',
            description:
              '{{ $labels.pod }} rejected its new configuration and keeps routing with the old one: receivers or routes you changed are not in effect.',
            test: {
              firing: [series('alertmanager_config_last_reload_successful', am0, '0x40')],
              healthy: [series('alertmanager_config_last_reload_successful', am0, '1x40')],
              labels: am0,
            },
          },
          {
            alert: 'AlertmanagerMembersInconsistent',
            expr:
              `max_over_time(alertmanager_cluster_members{${sel}}[5m])` +
              ` < on (job) group_left count by (job) (max_over_time(alertmanager_cluster_members{${sel}}[5m]))`,
            for: '15m',
            severity: 'critical',
            summary: 'Alertmanager {{ $labels.pod }} sees fewer cluster members than there are replicas',
            description:
              '{{ $labels.pod }} has not found all its peers (gossip on port 9094 TCP and UDP): replicas do not share silences and notification state, so on-call may get duplicates or miss silences.',
            test: {
              firing: [
                series('alertmanager_cluster_members', am0, '1x40'),
                series('alertmanager_cluster_members', am1, '2x40'),
              ],
              healthy: [
                series('alertmanager_cluster_members', am0, '2x40'),
                series('alertmanager_cluster_members', am1, '2x40'),
              ],
              labels: am0,
            },
          },
          {
            alert: 'AlertmanagerFailedToSendAlerts',
            expr: `${failedRatio('job, pod, integration')} > 0.01`,
            for: '5m',
            severity: 'warning',
            summary: 'Alertmanager {{ $labels.pod }} fails to send notifications via {{ $labels.integration }}',
            description:
              '{{ $labels.pod }} fails more than 1% of its {{ $labels.integration }} notifications (the alert fan-out endpoint or its bearer token).',
            test: {
              firing: [
                series('alertmanager_notifications_failed_total', { ...am0, integration: 'webhook' }, '0+1x40'),
                series('alertmanager_notifications_total', { ...am0, integration: 'webhook' }, '0+10x40'),
              ],
              healthy: [
                series('alertmanager_notifications_failed_total', { ...am0, integration: 'webhook' }, '0x40'),
                series('alertmanager_notifications_total', { ...am0, integration: 'webhook' }, '0+10x40'),
              ],
              labels: { ...am0, integration: 'webhook' },
            },
          },
          {
            alert: 'AlertmanagerClusterFailedToSendAlerts',
            expr: `min by (job, integration) (${failedRatio('job, pod, integration')}) > 0.01`,
            for: '5m',
            severity: 'critical',
            summary: 'Every Alertmanager replica fails to send notifications via {{ $labels.integration }}',
            description:
              'All replicas fail more than 1% of their {{ $labels.integration }} notifications: alerts are not reaching on-call. Check the alert fan-out function and its token.',
            test: {
              firing: notifications('0+2x40'),
              healthy: notifications('0x40'),
              labels: { job, integration: 'webhook' },
            },
          },
          {
            alert: 'AlertmanagerConfigInconsistent',
            expr: `count by (job) (count_values by (job) ("config_hash", alertmanager_config_hash{${sel}})) != 1`,
            for: '20m',
            severity: 'warning',
            summary: 'Alertmanager replicas run different configurations',
            description:
              'The replicas have had different configuration hashes for 20 minutes: routing depends on which replica handles an alert.',
            test: {
              firing: [
                series('alertmanager_config_hash', am0, '111x40'),
                series('alertmanager_config_hash', am1, '222x40'),
              ],
              healthy: [
                series('alertmanager_config_hash', am0, '111x40'),
                series('alertmanager_config_hash', am1, '111x40'),
              ],
              labels: { job },
            },
          },
          {
            alert: 'AlertmanagerDown',
            // The scrape itself fails (target down, port closed): without this, every alert built on the
            // exporter's series goes silent instead of firing.
            expr: `up{${sel}} == 0`,
            for: '5m',
            severity: 'critical',
            summary: 'Alertmanager {{ $labels.pod }} cannot be scraped',
            description:
              'Prometheus cannot scrape Alertmanager {{ $labels.pod }}: the replica is down or unreachable. Alerts still reach the other replica, but the cluster has lost its redundancy.',
            test: {
              firing: [series('up', am0, '0x40')],
              healthy: [series('up', am0, '1x40')],
              labels: am0,
            },
          },
        ],
      },
    ],
  };
}
