import {
  BYTES_PER_SAMPLE,
  BYTES_PER_SERIES,
  MEMORY_BUFFER_BYTES,
  MEMORY_FACTOR,
  SECONDS_PER_DAY,
  STORAGE_FACTOR,
} from '../../lambdas/domain/capacity/formulas';
import { CAPACITY_RECORDING_RULES as R } from '../../lambdas/domain/recording-rules';
import { localRetentionDays } from '../../lambdas/domain/retention';
import { parseQuantity } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

/**
 * The seed's capacity formulas (lambdas/domain/capacity/formulas.ts) computed from the measured inputs, drawn next
 * to what is really used, with the configured limits and scale triggers as dashed lines. The weekly capacity
 * report projects the same numbers forward.
 */
export function capacityDashboard(config: EnvironmentConfig): DashboardSpec {
  const { components, prometheus, scaleTriggers } = config.sizing;
  const memoryLimit = parseQuantity(components.prometheus.resources.limits.memory) ?? 0;
  const volume = parseQuantity(prometheus.storage) ?? 0;
  const days = localRetentionDays(config.retention);
  const bytesPerSampleRate = days * SECONDS_PER_DAY * BYTES_PER_SAMPLE * STORAGE_FACTOR;
  return {
    uid: 'greenlang-capacity',
    title: 'GreenLang / Capacity',
    description:
      "How much headroom is left: the seed's memory and storage formulas next to measured use, and every scale trigger.",
    tags: ['greenlang', 'capacity'],
    rows: [
      {
        title: 'Prometheus memory',
        panels: [
          {
            title: 'Memory: seed formula vs measured',
            description: `Formula: head series × ${BYTES_PER_SERIES} B × ${MEMORY_FACTOR} + ${MEMORY_BUFFER_BYTES / 1e9} GB (seed), per replica, next to the measured resident memory. Dashed: the memory limit (${components.prometheus.resources.limits.memory}).`,
            unit: 'bytes',
            thresholds: [{ value: memoryLimit, color: 'red' }],
            queries: [
              {
                expr: `max by (pod) (${R.headSeriesPerReplica.record}${sel()}) * ${BYTES_PER_SERIES * MEMORY_FACTOR} + ${MEMORY_BUFFER_BYTES}`,
                legend: 'formula {{pod}}',
              },
              { expr: `max by (pod) (${R.prometheusMemoryPerReplica.record}${sel()})`, legend: 'measured {{pod}}' },
            ],
          },
          {
            title: 'Head series vs the scale trigger',
            description: `Head series per replica. Dashed: the seed's trigger (${scaleTriggers.prometheusSeriesPerReplica}).`,
            unit: 'short',
            thresholds: [{ value: scaleTriggers.prometheusSeriesPerReplica, color: 'red' }],
            queries: [{ expr: `max by (pod) (${R.headSeriesPerReplica.record}${sel()})`, legend: '{{pod}}' }],
          },
        ],
      },
      {
        title: 'Prometheus storage',
        panels: [
          {
            title: 'Local storage: seed formula vs measured',
            description: `Formula: samples/s × ${days} d local retention × ${BYTES_PER_SAMPLE} B × ${STORAGE_FACTOR} (seed), per replica, next to the bytes of blocks on disk. Dashed: the volume size (${prometheus.storage}).`,
            unit: 'bytes',
            thresholds: [{ value: volume, color: 'red' }],
            queries: [
              {
                expr: `max by (pod) (${R.ingestionRatePerReplica.record}${sel()}) * ${bytesPerSampleRate}`,
                legend: 'formula {{pod}}',
              },
              {
                expr: `max by (pod) (prometheus_tsdb_storage_blocks_bytes${sel(`job="${J.prometheus}"`)})`,
                legend: 'measured {{pod}}',
              },
            ],
          },
          {
            title: 'Ingestion rate',
            description: "Samples per second per replica: the storage formula's input.",
            unit: 'cps',
            queries: [{ expr: `max by (pod) (${R.ingestionRatePerReplica.record}${sel()})`, legend: '{{pod}}' }],
          },
        ],
      },
      {
        title: 'Thanos triggers',
        panels: [
          {
            title: 'Query QPS vs the scale trigger',
            description: `Thanos Query queries per second. Dashed: the seed's trigger (${scaleTriggers.thanosQueryQps} QPS).`,
            unit: 'reqps',
            thresholds: [{ value: scaleTriggers.thanosQueryQps, color: 'red' }],
            queries: [{ expr: `sum(${R.queryRate.record}${sel()})`, legend: 'queries/s' }],
          },
          {
            title: 'Store gateway Series latency (p99) vs the scale trigger',
            description: `99th percentile of the store gateway's Series calls. Dashed: the seed's trigger (${scaleTriggers.storeGatewayLatencySeconds} s).`,
            unit: 's',
            thresholds: [{ value: scaleTriggers.storeGatewayLatencySeconds, color: 'red' }],
            queries: [
              {
                expr: `histogram_quantile(0.99, sum by (le) (rate(grpc_server_handling_seconds_bucket${sel(`job="${J.thanosStore}", grpc_method="Series"`)}[5m])))`,
                legend: 'p99',
              },
            ],
          },
        ],
      },
    ],
  };
}
