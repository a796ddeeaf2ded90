import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const A = `job="${J.alertmanager}"`;

/** Alertmanager: what it holds, what it sent, what failed, and whether the cluster agrees. */
export function alertmanagerDashboard(): DashboardSpec {
  return {
    uid: 'greenlang-alertmanager',
    title: 'GreenLang / Alertmanager',
    description:
      'Are alerts getting out: notifications sent and failed per integration, latency, and the health of the Alertmanager cluster?',
    tags: ['greenlang', 'alertmanager'],
    rows: [
      {
        title: 'Notifications',
        panels: [
          {
            title: 'Notifications sent per second',
            description: 'Notification attempts per integration (webhook to the alert fan-out, and any others).',
            unit: 'ops',
            queries: [
              {
                expr: `sum by (integration) (rate(alertmanager_notifications_total${sel(A)}[5m]))`,
                legend: '{{integration}}',
              },
            ],
          },
          {
            title: 'Notification failures per second',
            description:
              'Failed notification attempts per integration; the AlertmanagerNotificationsFailing alert fires above 1%.',
            unit: 'ops',
            queries: [
              {
                expr: `sum by (integration) (rate(alertmanager_notifications_failed_total${sel(A)}[5m]))`,
                legend: '{{integration}}',
              },
            ],
          },
          {
            title: 'Notification latency (p99)',
            description: '99th percentile time to deliver a notification, per integration.',
            unit: 's',
            queries: [
              {
                expr: `histogram_quantile(0.99, sum by (integration, le) (rate(alertmanager_notification_latency_seconds_bucket${sel(A)}[5m])))`,
                legend: '{{integration}}',
              },
            ],
          },
          {
            title: 'Alerts held',
            description: 'Alerts Alertmanager holds, active and suppressed (silenced or inhibited), per pod.',
            unit: 'short',
            queries: [{ expr: `sum by (pod, state) (alertmanager_alerts${sel(A)})`, legend: '{{pod}} {{state}}' }],
          },
        ],
      },
      {
        title: 'Cluster',
        panels: [
          {
            title: 'Cluster members seen by each pod',
            description:
              'Peers each Alertmanager sees in its gossip cluster; every pod should see all replicas, else notifications are sent twice.',
            unit: 'short',
            queries: [{ expr: `max by (pod) (alertmanager_cluster_members${sel(A)})`, legend: '{{pod}}' }],
          },
          {
            title: 'Failed peers and config reloads',
            description: 'Peers a pod cannot reach, and whether its last configuration reload succeeded (1 = yes).',
            unit: 'short',
            queries: [
              { expr: `max by (pod) (alertmanager_cluster_failed_peers${sel(A)})`, legend: 'failed peers {{pod}}' },
              {
                expr: `min by (pod) (alertmanager_config_last_reload_successful${sel(A)})`,
                legend: 'config ok {{pod}}',
              },
            ],
          },
        ],
      },
    ],
  };
}
