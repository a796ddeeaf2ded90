import { parseQuantity } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const P = `job="${J.prometheus}", pod=~"$pod"`;

/** Each Prometheus replica: series, samples/s, WAL, rule evaluation, scrape health, memory. */
export function prometheusDashboard(config: EnvironmentConfig): DashboardSpec {
  const seriesTrigger = config.sizing.scaleTriggers.prometheusSeriesPerReplica;
  const memoryLimit = parseQuantity(config.sizing.components.prometheus.resources.limits.memory) ?? 0;
  return {
    uid: 'greenlang-prometheus',
    title: 'GreenLang / Prometheus',
    description:
      'Is each Prometheus replica healthy: series, ingestion, WAL, rule evaluation, scrape health and memory?',
    tags: ['greenlang', 'prometheus'],
    variables: [
      { name: 'pod', label: 'Replica', series: `prometheus_build_info{job="${J.prometheus}"}`, labelName: 'pod' },
    ],
    rows: [
      {
        title: 'TSDB',
        panels: [
          {
            title: 'Head series',
            description: `Series in the head block of each replica. Dashed: the scale trigger (${seriesTrigger}).`,
            unit: 'short',
            thresholds: [{ value: seriesTrigger, color: 'red' }],
            queries: [{ expr: `max by (pod) (prometheus_tsdb_head_series${sel(P)})`, legend: '{{pod}}' }],
          },
          {
            title: 'Samples appended per second',
            description: 'Ingestion rate of each replica (rate of prometheus_tsdb_head_samples_appended_total).',
            unit: 'cps',
            queries: [
              {
                expr: `sum by (pod) (rate(prometheus_tsdb_head_samples_appended_total${sel(P)}[5m]))`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Series created and removed per second',
            description: 'Churn: series created minus removed explains a growing head; high churn costs memory.',
            unit: 'ops',
            queries: [
              {
                expr: `sum by (pod) (rate(prometheus_tsdb_head_series_created_total${sel(P)}[5m]))`,
                legend: 'created {{pod}}',
              },
              {
                expr: `sum by (pod) (rate(prometheus_tsdb_head_series_removed_total${sel(P)}[5m]))`,
                legend: 'removed {{pod}}',
              },
            ],
          },
          {
            title: 'Storage used by blocks',
            description: "Bytes of persisted blocks on each replica's volume (local retention is by size).",
            unit: 'bytes',
            queries: [{ expr: `max by (pod) (prometheus_tsdb_storage_blocks_bytes${sel(P)})`, legend: '{{pod}}' }],
          },
        ],
      },
      {
        title: 'WAL',
        panels: [
          {
            title: 'WAL fsync duration (p99)',
            description: 'How long the WAL takes to reach disk; seconds here mean the volume is too slow.',
            unit: 's',
            queries: [
              {
                expr: `max by (pod) (prometheus_tsdb_wal_fsync_duration_seconds${sel(`${P}, quantile="0.99"`)})`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'WAL corruptions and failed writes',
            description:
              'WAL corruptions and failed page flushes per second; anything above 0 risks data loss on restart.',
            unit: 'ops',
            queries: [
              {
                expr: `sum by (pod) (rate(prometheus_tsdb_wal_corruptions_total${sel(P)}[5m]))`,
                legend: 'corruptions {{pod}}',
              },
              {
                expr: `sum by (pod) (rate(prometheus_tsdb_wal_writes_failed_total${sel(P)}[5m]))`,
                legend: 'failed writes {{pod}}',
              },
            ],
          },
        ],
      },
      {
        title: 'Rules',
        panels: [
          {
            title: 'Rule evaluation failures per second',
            description:
              'Failed rule evaluations per replica; a failing recording rule leaves gaps in recorded series.',
            unit: 'ops',
            queries: [
              {
                expr: `sum by (pod) (rate(prometheus_rule_evaluation_failures_total${sel(P)}[5m]))`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Slowest rule group',
            description:
              'Duration of the slowest rule group evaluation per replica; above the evaluation interval it misses iterations.',
            unit: 's',
            queries: [
              { expr: `max by (pod) (prometheus_rule_group_last_duration_seconds${sel(P)})`, legend: '{{pod}}' },
            ],
          },
        ],
      },
      {
        title: 'Scraping',
        panels: [
          {
            title: 'Targets down per job',
            description: 'Targets with up == 0, per job, as each replica sees them.',
            unit: 'short',
            queries: [{ expr: `count by (job) (up${sel()} == 0)`, legend: '{{job}}' }],
          },
          {
            title: 'Slowest scrape per job',
            description: 'Longest scrape duration per job; near the scrape timeout, targets start failing.',
            unit: 's',
            queries: [{ expr: `max by (job) (scrape_duration_seconds${sel()})`, legend: '{{job}}' }],
          },
          {
            title: 'Samples rejected per second',
            description: 'Samples dropped at scrape for being out of order, duplicated or out of bounds, per replica.',
            unit: 'cps',
            queries: [
              {
                expr: `sum by (pod) (rate(prometheus_target_scrapes_sample_out_of_order_total${sel(P)}[5m]) + rate(prometheus_target_scrapes_sample_duplicate_timestamp_total${sel(P)}[5m]) + rate(prometheus_target_scrapes_sample_out_of_bounds_total${sel(P)}[5m]))`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Resident memory',
            description: 'Resident memory of each replica against its limit (dashed).',
            unit: 'bytes',
            thresholds: [{ value: memoryLimit, color: 'red' }],
            queries: [{ expr: `max by (pod) (process_resident_memory_bytes${sel(P)})`, legend: '{{pod}}' }],
          },
        ],
      },
    ],
  };
}
