/**
 * Collects the capacity report's measurements from a Prometheus API (Thanos Query in AWS): the recording rules
 * of CAPACITY_RECORDING_RULES, falling back to their raw expressions where the recorded series do not exist (a
 * Prometheus without those rules).
 */
import type { CapacityMeasurements, ReplicaMeasurements } from '../domain/capacity/report';
import { CAPACITY_RECORDING_RULES, type RecordingRule } from '../domain/recording-rules';
import type { PrometheusApi, RangeSeries, Sample, ThanosStoresApi } from './prometheus-api';

export interface CollectOptions {
  readonly now: Date;
  /** @default 28 */
  readonly windowDays?: number;
  /** Step of the history queries. @default 3600 (672 points over 4 weeks) */
  readonly stepSeconds?: number;
  /** Thanos bucket size per storage class, measured elsewhere (CloudWatch). */
  readonly bucketBytesByStorageClass?: Readonly<Record<string, number>>;
  /**
   * Thanos Query's store list, asked before the queries: whether the history they read has every store gateway
   * shard. Without it the report says the coverage was not checked.
   */
  readonly storeList?: ThanosStoresApi;
}

/** The replica a series belongs to: its Prometheus `pod` (recorded rules), else `prometheus_replica`, else `instance`. */
export function replicaName(labels: Readonly<Record<string, string>>): string {
  const replica = labels.pod ?? labels.prometheus_replica ?? labels.instance ?? 'prometheus';
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

/**
 * How a figure that swings with the day is judged against its trigger: over the week before `now`, not at `now`
 * (the report runs early on a Monday, the quietest hour of the week). Load (query rate, store latency) by its 95th
 * percentile of the week's 5-minute values, so a workload above the trigger for more than ~8 hours of the week
 * counts and one slow minute does not; memory by its peak, which is what an OOM kill meets.
 */
export const WEEK_PEAKS = {
  load: { over: '7d', fn: (inner: string) => `quantile_over_time(0.95, ${inner})` },
  memory: { over: '7d', fn: (inner: string) => `max_over_time(${inner})` },
} as const;

/**
 * The query of a week peak: over the recorded series, or over the raw expression as a 5-minute subquery. A
 * subquery evaluates at multiples of its step from the epoch, so a series younger than the last such point has
 * none yet: `or` the expression itself then (the label sets match, every expression aggregates by them).
 */
export function peakQuery(
  peak: (typeof WEEK_PEAKS)[keyof typeof WEEK_PEAKS],
  series: string,
  subquery: boolean,
): string {
  if (!subquery) return peak.fn(`${series}[${peak.over}]`);
  return `(${peak.fn(`(${series})[${peak.over}:5m]`)}) or (${series})`;
}

/** A rule's week peak at `time` (recorded, else its expression as a subquery), and the query that gave it. */
async function weekPeak(
  api: PrometheusApi,
  rule: RecordingRule,
  peak: (typeof WEEK_PEAKS)[keyof typeof WEEK_PEAKS],
  time: Date,
): Promise<{ samples: Sample[]; query: string }> {
  const recordedQuery = peakQuery(peak, rule.record, false);
  const recorded = await api.query(recordedQuery, time);
  if (recorded.length > 0) return { samples: recorded, query: recordedQuery };
  const query = peakQuery(peak, rule.expr, true);
  return { samples: await api.query(query, time), query };
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
  // First: the stores Query uses now are the ones the queries below reach. A failure here fails the report, as a
  // failed query does (only a server without the endpoint, a plain Prometheus, answers "absent").
  const storeList = options.storeList ? await options.storeList.stores() : undefined;
  const [series, ingestion, memory, queryRate, storeLatency, seriesHistory, ingestionHistory] = await Promise.all([
    instant(api, rules.headSeriesPerReplica, now),
    instant(api, rules.ingestionRatePerReplica, now),
    weekPeak(api, rules.prometheusMemoryPerReplica, WEEK_PEAKS.memory, now),
    weekPeak(api, rules.queryRate, WEEK_PEAKS.load, now),
    weekPeak(api, rules.storeLatencyP99, WEEK_PEAKS.load, now),
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
    ...(storeList ? { storeList } : {}),
    sources: {
      headSeries: describe(rules.headSeriesPerReplica, series.source),
      ingestionRate: describe(rules.ingestionRatePerReplica, ingestion.source),
      memory: memory.query,
      queryRate: queryRate.query,
      storeLatency: storeLatency.query,
    },
  };
}
