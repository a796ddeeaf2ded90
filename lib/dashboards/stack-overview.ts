import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import type { EnvironmentConfig } from '../config';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const R = CAPACITY_RECORDING_RULES;

/** One screen: is every component up, how much comes in, how close to the series trigger, what is firing. */
export function stackOverviewDashboard(config: EnvironmentConfig): DashboardSpec {
  const seriesTrigger = config.sizing.scaleTriggers.prometheusSeriesPerReplica;
  return {
    uid: 'greenlang-stack-overview',
    title: 'GreenLang / Stack overview',
    description:
      'Is every part of the monitoring stack up, how much is ingested, how close to the series trigger, and what is firing now?',
    tags: ['greenlang', 'overview'],
    rows: [
      {
        title: 'Health',
        panels: [
          {
            kind: 'stat',
            title: 'Targets down',
            description: 'Scrape targets whose last scrape failed (up == 0), all jobs. Anything above 0 needs a look.',
            unit: 'short',
            queries: [{ expr: `count(up${sel()} == 0) or vector(0)` }],
            thresholds: [{ value: 1, color: 'red' }],
          },
          {
            kind: 'stat',
            title: 'Alerts firing',
            description: 'Alerts in state firing, by severity (ALERTS series of Prometheus and the Thanos Ruler).',
            unit: 'short',
            queries: [{ expr: `sum by (severity) (ALERTS${sel('alertstate="firing"')})`, legend: '{{severity}}' }],
            thresholds: [{ value: 1, color: 'orange' }],
          },
          {
            kind: 'stat',
            title: 'Thanos compactor last success',
            description:
              'When the compactor CronJob last finished successfully (pushed to the Pushgateway; a run is due every 3h).',
            unit: 'dateTimeFromNow',
            queries: [
              {
                expr: `max(greenlang_thanos_compactor_last_success_timestamp_seconds${sel(`job="${J.thanosCompactorPush}"`)}) * 1000`,
              },
            ],
          },
          {
            title: 'Share of targets up, per job',
            description:
              'For each job: targets answering / targets discovered. 100% means every replica of that component is scraped fine.',
            unit: 'percentunit',
            width: 24,
            min: 0,
            max: 1,
            queries: [{ expr: `sum by (job) (up${sel()}) / count by (job) (up${sel()})`, legend: '{{job}}' }],
          },
        ],
      },
      {
        title: 'Load',
        panels: [
          {
            title: 'Ingestion rate per Prometheus replica',
            description:
              'Samples appended to the head per second, per Prometheus pod (recorded by capacity rules). Feeds the storage formula.',
            unit: 'cps',
            queries: [{ expr: `sum by (pod) (${R.ingestionRatePerReplica.record}${sel()})`, legend: '{{pod}}' }],
          },
          {
            title: 'Active series per replica vs the scale trigger',
            description: `Head series per Prometheus pod. The dashed line is the seed's scale trigger (${seriesTrigger} series per replica): above it, cut cardinality (metricRelabelings). More replicas do not help (each HA replica scrapes every target) and sharding is not built.`,
            unit: 'short',
            thresholds: [{ value: seriesTrigger, color: 'red' }],
            queries: [{ expr: `max by (pod) (${R.headSeriesPerReplica.record}${sel()})`, legend: '{{pod}}' }],
          },
          {
            title: 'Thanos Query requests per second',
            description: 'Instant and range queries per second served by Thanos Query (all pods).',
            unit: 'reqps',
            queries: [{ expr: `sum(${R.queryRate.record}${sel()})`, legend: 'queries/s' }],
          },
          {
            title: 'Pushes per second',
            description: 'Pushes the Pushgateways accept (the push ingestion forwards to every replica), by HTTP code.',
            unit: 'reqps',
            queries: [
              {
                expr: `sum by (code) (rate(pushgateway_http_requests_total${sel(`job="${J.pushgateway}", handler="push"`)}[5m]))`,
                legend: '{{code}}',
              },
            ],
          },
        ],
      },
    ],
  };
}
