/**
 * Collects the capacity report's measurements from a Prometheus API (Thanos Query in AWS): the recording rules
 * of CAPACITY_RECORDING_RULES, falling back to their raw expressions where the recorded series do not exist (a
 * Prometheus without those rules).
 */
import type { CapacityMeasurements, ReplicaMeasurements } from '../domain/capacity/report';
import { CAPACITY_RECORDING_RULES, type RecordingRule } from '../domain/recording-rules';
import type { PrometheusApi, RangeSeries, Sample } from './prometheus-api';

export interface CollectOptions {
  readonly now: Date;
  /** @default 28 */
  readonly windowDays?: number;
  /** Step of the history queries. @default 3600 (672 points over 4 weeks) */
  readonly stepSeconds?: number;
  /** Thanos bucket size per storage class, measured elsewhere (CloudWatch). */
  readonly bucketBytesByStorageClass?: Readonly<Record<string, number>>;
}

/** The replica a series belongs to: `prometheus_replica`, else `instance`, else the single unnamed replica. */
export function replicaName(labels: Readonly<Record<string, string>>): string {
  const replica = labels.prometheus_replica ?? labels.instance ?? 'prometheus';
  return labels.cluster ? `${labels.cluster}/${replica}` : replica;
}

type Source = 'recorded' | 'expr';

async function instant(
  api: PrometheusApi,
  rule: RecordingRule,
  time: Date,
): Promise<{ samples: Sample[]; source: Source }> {
  const recorded = await api.query(rule.record, time);
  if (recorded.length > 0) return { samples: recorded, source: 'recorded' };
  return { samples: await api.query(rule.expr, time), source: 'expr' };
}

async function range(
  api: PrometheusApi,
  rule: RecordingRule,
  start: Date,
  end: Date,
  step: number,
): Promise<RangeSeries[]> {
  const recorded = await api.queryRange(rule.record, start, end, step);
  if (recorded.length > 0) return recorded;
  return api.queryRange(rule.expr, start, end, step);
}

const finite = (samples: readonly Sample[]) => samples.filter((s) => Number.isFinite(s.value));

export async function collectCapacityMeasurements(
  api: PrometheusApi,
  options: CollectOptions,
): Promise<CapacityMeasurements> {
  const { now } = options;
  const start = new Date(now.getTime() - (options.windowDays ?? 28) * 86_400_000);
  const step = options.stepSeconds ?? 3600;
  const rules = CAPACITY_RECORDING_RULES;
  const [series, ingestion, memory, queryRate, storeLatency, seriesHistory, ingestionHistory] = await Promise.all([
    instant(api, rules.headSeriesPerReplica, now),
    instant(api, rules.ingestionRatePerReplica, now),
    instant(api, rules.prometheusMemoryPerReplica, now),
    instant(api, rules.queryRate, now),
    instant(api, rules.storeLatencyP99, now),
    range(api, rules.headSeriesPerReplica, start, now, step),
    range(api, rules.ingestionRatePerReplica, start, now, step),
  ]);
  const byReplica = (samples: readonly Sample[]) =>
    new Map(finite(samples).map((s) => [replicaName(s.labels), s.value]));
  const historyByReplica = (list: readonly RangeSeries[]) =>
    new Map(list.map((s) => [replicaName(s.labels), s.points.filter((p) => Number.isFinite(p.value))]));
  const ingestionBy = byReplica(ingestion.samples);
  const memoryBy = byReplica(memory.samples);
  const seriesHistoryBy = historyByReplica(seriesHistory);
  const ingestionHistoryBy = historyByReplica(ingestionHistory);
  const seriesBy = byReplica(series.samples);
  // A single Prometheus whose memory series carries other labels than its head series still gets its memory.
  const onlyMemory = memoryBy.size === 1 && seriesBy.size === 1 ? [...memoryBy.values()][0] : undefined;
  const replicas: ReplicaMeasurements[] = [...seriesBy.entries()].map(([replica, headSeries]) => {
    const memoryBytes = memoryBy.get(replica) ?? onlyMemory;
    return {
      replica,
      headSeries,
      samplesPerSecond: ingestionBy.get(replica) ?? 0,
      ...(memoryBytes !== undefined ? { memoryBytes } : {}),
      headSeriesHistory: seriesHistoryBy.get(replica) ?? [],
      samplesPerSecondHistory: ingestionHistoryBy.get(replica) ?? [],
    };
  });
  // Cluster-wide figures: the busiest cluster decides.
  const maxOf = (samples: readonly Sample[]) => {
    const values = finite(samples).map((s) => s.value);
    return values.length ? Math.max(...values) : undefined;
  };
  const qps = maxOf(queryRate.samples);
  const latency = maxOf(storeLatency.samples);
  const describe = (rule: RecordingRule, source: Source) => (source === 'recorded' ? rule.record : rule.expr);
  return {
    replicas,
    ...(qps !== undefined ? { queryRate: qps } : {}),
    ...(latency !== undefined ? { storeLatencyP99Seconds: latency } : {}),
    ...(options.bucketBytesByStorageClass ? { bucketBytesByStorageClass: options.bucketBytesByStorageClass } : {}),
    sources: {
      headSeries: describe(rules.headSeriesPerReplica, series.source),
      ingestionRate: describe(rules.ingestionRatePerReplica, ingestion.source),
      memory: describe(rules.prometheusMemoryPerReplica, memory.source),
      queryRate: describe(rules.queryRate, queryRate.source),
      storeLatency: describe(rules.storeLatencyP99, storeLatency.source),
    },
  };
}
