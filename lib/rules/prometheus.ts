import { parseQuantity } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.prometheus;
const target = { job, pod: 'prometheus-0' };
const sel = `job="${job}"`;

/** Prometheus watching itself: config reloads, rule evaluation, TSDB, remote storage, Alertmanager delivery. */
export function prometheusRules(config: EnvironmentConfig): RuleFileSpec {
  const memoryLimit = parseQuantity(config.sizing.components.prometheus.resources.limits.memory);
  if (memoryLimit === undefined)
    throw new Error('sizing.components.prometheus.resources.limits.memory: not a quantity');
  const seriesTrigger = config.sizing.scaleTriggers.prometheusSeriesPerReplica;
  return {
    name: 'prometheus',
    evaluator: 'prometheus',
    runbook: 'prometheus',
    service: 'prometheus',
    groups: [
      {
        name: 'prometheus',
        rules: [
          {
            alert: 'PrometheusConfigReloadFailed',
            expr: `max_over_time(prometheus_config_last_reload_successful{${sel}}[5m]) == 0`,
            for: '10m',
            severity: 'warning',
            summary: 'Prometheus {{ $labels.pod }} failed to reload its configuration',
            description:
              'The last configuration reload of {{ $labels.pod }} failed; it keeps running the previous configuration, so new scrape targets and rules are not applied.',
            test: {
              firing: [series('prometheus_config_last_reload_successful', target, '0x40')],
              healthy: [series('prometheus_config_last_reload_successful', target, '1x40')],
              labels: target,
            },
          },
          {
            alert: 'PrometheusRuleEvaluationFailures',
            expr: `sum by (job, pod, rule_group) (increase(prometheus_rule_evaluation_failures_total{${sel}}[5m])) > 0`,
            for: '15m',
            severity: 'critical',
            summary: 'Prometheus {{ $labels.pod }} fails to evaluate rules of {{ $labels.rule_group }}',
            description:
              'Rules in {{ $labels.rule_group }} fail to evaluate on {{ $labels.pod }}: their alerts cannot fire and their recorded series have gaps.',
            test: {
              firing: [
                series(
                  'prometheus_rule_evaluation_failures_total',
                  { ...target, rule_group: 'api.yaml;api' },
                  '0+1x40',
                ),
              ],
              healthy: [
                series('prometheus_rule_evaluation_failures_total', { ...target, rule_group: 'api.yaml;api' }, '0x40'),
              ],
              labels: { ...target, rule_group: 'api.yaml;api' },
            },
          },
          {
            alert: 'PrometheusTSDBReloadsFailing',
            expr: `increase(prometheus_tsdb_reloads_failures_total{${sel}}[1h]) > 0`,
            for: '5m',
            severity: 'warning',
            summary: 'Prometheus {{ $labels.pod }} fails to reload TSDB blocks',
            description:
              '{{ $labels.pod }} could not reload its on-disk blocks in the last hour; queries may miss data and retention may not be applied.',
            test: {
              firing: [series('prometheus_tsdb_reloads_failures_total', target, '0+1x40')],
              healthy: [series('prometheus_tsdb_reloads_failures_total', target, '0x40')],
              labels: target,
            },
          },
          {
            alert: 'PrometheusTSDBCompactionsFailing',
            expr: `increase(prometheus_tsdb_compactions_failed_total{${sel}}[1h]) > 0`,
            for: '5m',
            severity: 'warning',
            summary: 'Prometheus {{ $labels.pod }} fails to compact its head block',
            description:
              'Head compaction failed on {{ $labels.pod }} in the last hour: the head grows, memory rises and the sidecar has no new 2h block to upload.',
            test: {
              firing: [series('prometheus_tsdb_compactions_failed_total', target, '0+1x40')],
              healthy: [series('prometheus_tsdb_compactions_failed_total', target, '0x40')],
              labels: target,
            },
          },
          {
            alert: 'PrometheusNotificationsFailing',
            expr:
              `sum by (job, pod, alertmanager) (rate(prometheus_notifications_errors_total{${sel}}[5m]))` +
              ` / sum by (job, pod, alertmanager) (rate(prometheus_notifications_sent_total{${sel}}[5m])) > 0.01`,
            for: '15m',
            severity: 'critical',
            summary: 'Prometheus {{ $labels.pod }} fails to send alerts to {{ $labels.alertmanager }}',
            description:
              'More than 1% of the alerts {{ $labels.pod }} sends to Alertmanager {{ $labels.alertmanager }} fail; alerts may never reach on-call.',
            test: {
              firing: [
                series(
                  'prometheus_notifications_errors_total',
                  { ...target, alertmanager: 'http://alertmanager-0:9093/api/v2/alerts' },
                  '0+5x40',
                ),
                series(
                  'prometheus_notifications_sent_total',
                  { ...target, alertmanager: 'http://alertmanager-0:9093/api/v2/alerts' },
                  '0+10x40',
                ),
              ],
              healthy: [
                series(
                  'prometheus_notifications_errors_total',
                  { ...target, alertmanager: 'http://alertmanager-0:9093/api/v2/alerts' },
                  '0x40',
                ),
                series(
                  'prometheus_notifications_sent_total',
                  { ...target, alertmanager: 'http://alertmanager-0:9093/api/v2/alerts' },
                  '0+10x40',
                ),
              ],
              labels: { ...target, alertmanager: 'http://alertmanager-0:9093/api/v2/alerts' },
            },
          },
          {
            alert: 'PrometheusNotConnectedToAlertmanagers',
            expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${sel}}[5m]) < 1`,
            for: '10m',
            severity: 'critical',
            summary: 'Prometheus {{ $labels.pod }} knows no Alertmanager',
            description:
              '{{ $labels.pod }} has discovered no Alertmanager for 10 minutes: every alert it evaluates is dropped. This alert itself may only arrive through the other replica.',
            test: {
              firing: [series('prometheus_notifications_alertmanagers_discovered', target, '0x40')],
              healthy: [series('prometheus_notifications_alertmanagers_discovered', target, '2x40')],
              labels: target,
            },
          },
          {
            alert: 'PrometheusHeadSeriesAboveScaleTrigger',
            // Per pod from the raw metric: the recorded per-replica sums cannot tell replicas apart inside Prometheus
            // (external labels are not visible to rule evaluation), see docs/metrics-conventions.md.
            expr: `max by (job, pod) (prometheus_tsdb_head_series{${sel}}) > ${seriesTrigger}`,
            for: '30m',
            severity: 'warning',
            summary: `Prometheus {{ $labels.pod }} holds more than ${seriesTrigger} head series`,
            description: `Head series per replica are above the scale trigger (${seriesTrigger}, sizing.scaleTriggers.prometheusSeriesPerReplica): drop high-cardinality series (metricRelabelings) before memory runs out; more replicas are HA copies that each hold every series, and scrape sharding is not built (runbook).`,
            test: {
              evalTime: '1h',
              firing: [series('prometheus_tsdb_head_series', target, `${seriesTrigger + 1000}x70`)],
              healthy: [series('prometheus_tsdb_head_series', target, `${Math.floor(seriesTrigger / 2)}x70`)],
              labels: target,
            },
          },
          {
            alert: 'PrometheusMemoryNearLimit',
            expr: `max by (job, pod) (process_resident_memory_bytes{${sel}}) > ${Math.floor(memoryLimit * 0.9)}`,
            for: '15m',
            severity: 'warning',
            summary: 'Prometheus {{ $labels.pod }} uses more than 90% of its memory limit',
            description: `Resident memory of a Prometheus replica is above 90% of its ${config.sizing.components.prometheus.resources.limits.memory} limit: it will be OOM-killed and replay its WAL. Reduce series or raise the limit.`,
            test: {
              firing: [series('process_resident_memory_bytes', target, `${Math.ceil(memoryLimit * 0.95)}x40`)],
              healthy: [series('process_resident_memory_bytes', target, `${Math.floor(memoryLimit * 0.5)}x40`)],
              labels: target,
            },
          },
        ],
      },
    ],
  };
}
