/**
 * The capacity report: measurements in, the seed's formulas and triggers applied, growth projected, and
 * recommendations out. Pure: the adapters collect the measurements, the renderers format the result.
 */
import { localRetentionDays, type RetentionPolicy } from '../retention';
import { parseByteSize, parseQuantity, type StackSizing } from '../sizing';
import {
  exceedsTrigger,
  formatBytes,
  formatNumber,
  prometheusMemoryBytes,
  seriesForMemory,
  storageBytes,
} from './formulas';
import {
  assessHistoryCoverage,
  describeHistoryCoverage,
  describeMissing,
  type HistoryCoverage,
  type StoreListAnswer,
} from './history-coverage';
import { type Projection, projectLimitCrossing, type TimePoint } from './projection';

/** What the report reads for one Prometheus replica. */
export interface ReplicaMeasurements {
  /** The `prometheus_replica` label (or a fallback name when the label is absent). */
  readonly replica: string;
  readonly headSeries: number;
  /** Samples appended per second (5m rate). */
  readonly samplesPerSecond: number;
  /** Peak resident memory in bytes over the week before the report, when measured. */
  readonly memoryBytes?: number;
  /** Head series over the last weeks. */
  readonly headSeriesHistory: readonly TimePoint[];
  /** Samples appended per second over the last weeks. */
  readonly samplesPerSecondHistory: readonly TimePoint[];
}

export interface CapacityMeasurements {
  readonly replicas: readonly ReplicaMeasurements[];
  /** Thanos Query queries per second (95th percentile of the week's 5-minute rates), when measured. */
  readonly queryRate?: number;
  /** Store gateway p99 series-request latency in seconds (95th percentile over the week), when measured. */
  readonly storeLatencyP99Seconds?: number;
  /** Thanos bucket size per S3 storage class in bytes, when measured. */
  readonly bucketBytesByStorageClass?: Readonly<Record<string, number>>;
  /** Where each measurement came from (recording rule or raw expression), for the reader. */
  readonly sources?: Readonly<Record<string, string>>;
  /** Thanos Query's store list (`/api/v1/stores`), asked before measuring; absent when it was not asked for. */
  readonly storeList?: StoreListAnswer;
}

export const RECOMMENDATION_CODES = ['HISTORY_INCOMPLETE', 'SCALE_OUT', 'RAISE_LIMIT', 'FINE', 'NO_DATA'] as const;
export type RecommendationCode = (typeof RECOMMENDATION_CODES)[number];

export type CapacityComponent = 'prometheus' | 'thanosQuery' | 'thanosStore' | 'thanosBucket';

export interface Recommendation {
  readonly code: RecommendationCode;
  readonly component: CapacityComponent;
  readonly message: string;
}

export interface ReplicaCapacity {
  readonly replica: string;
  readonly headSeries: number;
  readonly seriesTrigger: number;
  /** Series the memory limit holds by the seed's formula. */
  readonly seriesForMemoryLimit: number;
  readonly samplesPerSecond: number;
  readonly memoryBytes: number | null;
  /** The seed's memory formula applied to `headSeries`. */
  readonly estimatedMemoryBytes: number;
  readonly memoryLimitBytes: number;
  /** The limit as configured, e.g. `8Gi`. */
  readonly memoryLimit: string;
  /** The seed's storage formula over the hot (local) retention. */
  readonly estimatedLocalStorageBytes: number;
  /** Prometheus' local `retentionSize`. */
  readonly localStorageLimitBytes: number;
  /** As configured, e.g. `50GB` (Prometheus units: powers of 1024). */
  readonly localStorageLimit: string;
  readonly seriesProjection: Projection;
  readonly storageProjection: Projection;
  readonly seriesHistory: readonly TimePoint[];
  /** Local storage by the formula, from the ingestion-rate history. */
  readonly storageHistory: readonly TimePoint[];
}

export interface CapacityReport {
  readonly environment: string;
  readonly generatedAt: string;
  readonly windowDays: number;
  readonly horizonDays: number;
  readonly localRetentionDays: number;
  readonly prometheus: {
    readonly configuredReplicas: number;
    readonly maxReplicas: number;
    readonly replicas: readonly ReplicaCapacity[];
  };
  readonly thanosQuery: {
    readonly qps: number | null;
    readonly trigger: number;
    readonly replicas: number;
    readonly maxReplicas: number;
  };
  readonly thanosStore: {
    readonly p99LatencySeconds: number | null;
    readonly trigger: number;
    /** Replicas per block shard. */
    readonly replicas: number;
    /** Block shards (`sizing.thanosStore.shards`): store gateways = shards × replicas. */
    readonly shards: number;
    /** Store gateways allowed in all (`components.thanosStore.maxReplicas`). */
    readonly maxReplicas: number;
  };
  readonly bucket: { readonly byStorageClass: Readonly<Record<string, number>>; readonly totalBytes: number } | null;
  /** Whether the history the trends and projections read is whole: every store gateway shard answering Query. */
  readonly historyCoverage: HistoryCoverage;
  readonly sources: Readonly<Record<string, string>>;
  readonly recommendations: readonly Recommendation[];
  /** One line for the weekly summary. */
  readonly headline: string;
}

export interface CapacityReportOptions {
  readonly environment: string;
  readonly now: Date;
  readonly sizing: StackSizing;
  readonly retention: RetentionPolicy;
  /** History the projection reads. @default 28 */
  readonly windowDays?: number;
  /** How far ahead a crossing is reported. @default 90 */
  readonly horizonDays?: number;
  /** A crossing sooner than this is a recommendation to act now. @default 28 */
  readonly actWithinDays?: number;
}

const DAY_MS = 86_400_000;

/** Applies the formulas, triggers and projections to the measurements. */
export function buildCapacityReport(
  measurements: CapacityMeasurements,
  options: CapacityReportOptions,
): CapacityReport {
  const { sizing, retention } = options;
  const now = options.now.getTime();
  if (!Number.isFinite(now)) throw new RangeError('now must be a valid date');
  const windowDays = options.windowDays ?? 28;
  const horizonDays = options.horizonDays ?? 90;
  const actWithinDays = options.actWithinDays ?? 28;
  const hotDays = localRetentionDays(retention);
  const prom = sizing.components.prometheus;
  const memoryLimitBytes = requireQuantity(
    'components.prometheus.resources.limits.memory',
    prom.resources.limits.memory,
  );
  const localStorageLimitBytes = requireByteSize('prometheus.retentionSize', sizing.prometheus.retentionSize);
  const seriesTrigger = sizing.scaleTriggers.prometheusSeriesPerReplica;
  const windowStart = now - windowDays * DAY_MS;
  const inWindow = (points: readonly TimePoint[]) =>
    points.filter((p) => p.at >= windowStart && p.at <= now).sort((a, b) => a.at - b.at);

  const replicas: ReplicaCapacity[] = [...measurements.replicas]
    .sort((a, b) => a.replica.localeCompare(b.replica))
    .map((m) => {
      const seriesHistory = inWindow(m.headSeriesHistory);
      const storageHistory = inWindow(m.samplesPerSecondHistory).map((p) => ({
        at: p.at,
        value: storageBytes(Math.max(0, p.value), hotDays),
      }));
      return {
        replica: m.replica,
        headSeries: m.headSeries,
        seriesTrigger,
        seriesForMemoryLimit: seriesForMemory(memoryLimitBytes),
        samplesPerSecond: m.samplesPerSecond,
        memoryBytes: m.memoryBytes ?? null,
        estimatedMemoryBytes: prometheusMemoryBytes(m.headSeries),
        memoryLimitBytes,
        memoryLimit: prom.resources.limits.memory,
        estimatedLocalStorageBytes: storageBytes(m.samplesPerSecond, hotDays),
        localStorageLimitBytes,
        localStorageLimit: sizing.prometheus.retentionSize,
        seriesProjection: projectLimitCrossing(seriesHistory, { limit: seriesTrigger, now, horizonDays }),
        storageProjection: projectLimitCrossing(storageHistory, { limit: localStorageLimitBytes, now, horizonDays }),
        seriesHistory,
        storageHistory,
      };
    });

  const bucket = measurements.bucketBytesByStorageClass
    ? {
        byStorageClass: measurements.bucketBytesByStorageClass,
        totalBytes: Object.values(measurements.bucketBytesByStorageClass).reduce((a, b) => a + b, 0),
      }
    : null;

  const partial = {
    environment: options.environment,
    generatedAt: options.now.toISOString(),
    windowDays,
    horizonDays,
    localRetentionDays: hotDays,
    prometheus: { configuredReplicas: prom.replicas, maxReplicas: prom.maxReplicas, replicas },
    thanosQuery: {
      qps: measurements.queryRate ?? null,
      trigger: sizing.scaleTriggers.thanosQueryQps,
      replicas: sizing.components.thanosQuery.replicas,
      maxReplicas: sizing.components.thanosQuery.maxReplicas,
    },
    thanosStore: {
      p99LatencySeconds: measurements.storeLatencyP99Seconds ?? null,
      trigger: sizing.scaleTriggers.storeGatewayLatencySeconds,
      replicas: sizing.components.thanosStore.replicas,
      shards: sizing.thanosStore.shards,
      maxReplicas: sizing.components.thanosStore.maxReplicas,
    },
    bucket,
    historyCoverage: assessHistoryCoverage(
      measurements.storeList,
      { shards: sizing.thanosStore.shards, replicasPerShard: sizing.components.thanosStore.replicas },
      options.now,
    ),
    sources: measurements.sources ?? {},
  };
  const recommendations = recommend(partial, actWithinDays);
  return { ...partial, recommendations, headline: headline(partial, recommendations) };
}

type ReportFacts = Omit<CapacityReport, 'recommendations' | 'headline'>;

/** Scale out, raise a limit, or fine — one or more per component, most urgent first. */
export function recommend(report: ReportFacts, actWithinDays: number): Recommendation[] {
  const out: Recommendation[] = [];
  const { prometheus, thanosQuery, thanosStore } = report;
  const canAddPrometheus = prometheus.configuredReplicas < prometheus.maxReplicas;

  if (prometheus.replicas.length === 0) {
    out.push({
      code: 'NO_DATA',
      component: 'prometheus',
      message: 'No Prometheus head-series data: is Thanos Query reaching the sidecars?',
    });
  }
  for (const r of prometheus.replicas) {
    const before = out.length;
    if (exceedsTrigger(r.headSeries, r.seriesTrigger)) {
      out.push(
        canAddPrometheus
          ? {
              code: 'SCALE_OUT',
              component: 'prometheus',
              message: `${r.replica}: ${formatNumber(r.headSeries)} head series is above the ${formatNumber(r.seriesTrigger)} per-replica trigger: cut series (drop high-cardinality labels with metricRelabelings), or shard the scrape targets (up to ${prometheus.maxReplicas} replicas), which needs prometheus-operator shards: more replicas of one Prometheus are HA copies that each hold every series (docs/runbooks/prometheus.md).`,
            }
          : {
              code: 'RAISE_LIMIT',
              component: 'prometheus',
              message: `${r.replica}: ${formatNumber(r.headSeries)} head series is above the ${formatNumber(r.seriesTrigger)} per-replica trigger and Prometheus is at its ${prometheus.maxReplicas}-replica maximum: raise maxReplicas or cut series (drop high-cardinality labels).`,
            },
      );
    } else if (r.seriesProjection.kind === 'crosses' && r.seriesProjection.daysFromNow <= actWithinDays) {
      out.push({
        code: 'SCALE_OUT',
        component: 'prometheus',
        message: `${r.replica}: head series grow to the ${formatNumber(r.seriesTrigger)} trigger around ${r.seriesProjection.at.slice(0, 10)}: plan cardinality cuts (or scrape sharding, not built yet) now.`,
      });
    }
    const memoryUse = Math.max(r.estimatedMemoryBytes, r.memoryBytes ?? 0);
    if (memoryUse > r.memoryLimitBytes) {
      out.push({
        code: 'RAISE_LIMIT',
        component: 'prometheus',
        message: `${r.replica}: memory ${formatBytes(memoryUse)} (${r.memoryBytes !== null && r.memoryBytes >= r.estimatedMemoryBytes ? 'measured' : 'series × 3 KB × 2 + 1 GB'}) exceeds the memory limit of ${formatBytes(r.memoryLimitBytes)}: raise the memory limit to at least ${formatBytes(memoryUse)}.`,
      });
    }
    if (r.estimatedLocalStorageBytes > r.localStorageLimitBytes) {
      out.push({
        code: 'RAISE_LIMIT',
        component: 'prometheus',
        message: `${r.replica}: ${formatNumber(r.samplesPerSecond)} samples/s × ${report.localRetentionDays} d needs ${formatBytes(r.estimatedLocalStorageBytes)} of local storage, above the retentionSize of ${formatBytes(r.localStorageLimitBytes)}: raise retentionSize and the volume.`,
      });
    } else if (r.storageProjection.kind === 'crosses' && r.storageProjection.daysFromNow <= actWithinDays) {
      out.push({
        code: 'RAISE_LIMIT',
        component: 'prometheus',
        message: `${r.replica}: local storage reaches the retentionSize of ${formatBytes(r.localStorageLimitBytes)} around ${r.storageProjection.at.slice(0, 10)}: raise retentionSize and the volume.`,
      });
    }
    if (out.length === before) {
      out.push({
        code: 'FINE',
        component: 'prometheus',
        message: `${r.replica}: ${formatNumber(r.headSeries)} head series (${percent(r.headSeries, r.seriesTrigger)} of the trigger), memory estimate ${formatBytes(r.estimatedMemoryBytes)} of the ${formatBytes(r.memoryLimitBytes)} limit; ${describeProjection(r.seriesProjection)}.`,
      });
    }
  }

  out.push(
    scaleByTrigger(
      'thanosQuery',
      'Thanos Query',
      thanosQuery.qps,
      thanosQuery.trigger,
      thanosQuery,
      (v) => `${formatNumber(v)} QPS`,
    ),
    storeByTrigger(thanosStore),
  );
  const coverage = coverageRecommendation(report);
  if (coverage) out.push(coverage);
  // An incomplete history comes first: the trends and projections behind the other lines rest on it.
  const order: Record<RecommendationCode, number> = {
    HISTORY_INCOMPLETE: 0,
    SCALE_OUT: 1,
    RAISE_LIMIT: 2,
    NO_DATA: 3,
    FINE: 4,
  };
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order[a.r.code] - order[b.r.code] || a.i - b.i)
    .map((x) => x.r);
}

function scaleByTrigger(
  component: CapacityComponent,
  label: string,
  value: number | null,
  trigger: number,
  replicas: { readonly replicas: number; readonly maxReplicas: number },
  show: (v: number) => string,
): Recommendation {
  if (value === null) {
    return { code: 'NO_DATA', component, message: `${label}: no data (the metric is not reported).` };
  }
  if (!exceedsTrigger(value, trigger)) {
    return { code: 'FINE', component, message: `${label}: ${show(value)}, below the ${show(trigger)} trigger.` };
  }
  if (replicas.replicas < replicas.maxReplicas) {
    return {
      code: 'SCALE_OUT',
      component,
      message: `${label}: ${show(value)} is above the ${show(trigger)} trigger: add a replica (${replicas.replicas} → ${replicas.replicas + 1}, max ${replicas.maxReplicas}).`,
    };
  }
  return {
    code: 'RAISE_LIMIT',
    component,
    message: `${label}: ${show(value)} is above the ${show(trigger)} trigger at the ${replicas.maxReplicas}-replica maximum: raise maxReplicas or the CPU/memory limits.`,
  };
}

/**
 * The store gateway scales by block shards, not replicas: Query sends every query to every store gateway, so another
 * replica of a shard repeats the work while another shard splits it.
 */
function storeByTrigger(store: CapacityReport['thanosStore']): Recommendation {
  const label = 'Store gateway p99 latency';
  const show = (v: number) => `${formatNumber(v)} s`;
  const trigger = scaleByTrigger('thanosStore', label, store.p99LatencySeconds, store.trigger, store, show);
  if (trigger.code !== 'SCALE_OUT' && trigger.code !== 'RAISE_LIMIT') return trigger;
  const value = show(store.p99LatencySeconds ?? 0);
  const now = store.shards * store.replicas;
  const next = now + store.replicas;
  return next <= store.maxReplicas
    ? {
        code: 'SCALE_OUT',
        component: 'thanosStore',
        message: `${label}: ${value} is above the ${show(store.trigger)} trigger: add a block shard (sizing.thanosStore.shards ${store.shards} → ${store.shards + 1}, ${store.replicas} replicas each: ${now} → ${next} store gateways, max ${store.maxReplicas}).`,
      }
    : {
        code: 'RAISE_LIMIT',
        component: 'thanosStore',
        message: `${label}: ${value} is above the ${show(store.trigger)} trigger with ${store.shards} shards × ${store.replicas} replicas at the ${store.maxReplicas}-store-gateway maximum: raise components.thanosStore.maxReplicas to add a shard, or grow the caches and CPU.`,
      };
}

/** Where an operator looks when a store gateway is missing (lib/k8s/thanos-store.ts: its pods' selector labels). */
const STORE_GATEWAY_PODS = 'kubectl -n monitoring get pods -l app.kubernetes.io/name=thanos-store';

/**
 * The history coverage as a recommendation: FINE when every shard answers, HISTORY_INCOMPLETE when one certainly
 * does not or may not, none when the store list was not checked (the coverage section says so).
 */
function coverageRecommendation(report: ReportFacts): Recommendation | undefined {
  const c = report.historyCoverage;
  if (!c.checked) return undefined;
  const g = c.storeGateways;
  const failing = g.failing.length
    ? ` Query lists ${g.failing.map((f) => `${f.name} (${f.lastError})`).join(', ')} with an error and does not query ${g.failing.length === 1 ? 'it' : 'them'}.`
    : '';
  if (c.status === 'complete') {
    return { code: 'FINE', component: 'thanosStore', message: `History coverage: ${describeHistoryCoverage(c)}` };
  }
  const figures = `the ${report.windowDays}-day trend, the growth projections and every figure older than Prometheus' ${report.localRetentionDays} days`;
  const lost =
    g.answering === 0
      ? `only the sidecars answer for the past, so ${figures} rest on their ${report.localRetentionDays} days alone`
      : `${(g.missingShards?.length ?? g.missingAtLeast) === 1 ? "the missing shard's" : "the missing shards'"} blocks are left out, so ${figures} are computed on incomplete data`;
  const act = `Check the store gateway pods' readiness (${STORE_GATEWAY_PODS}) and their logs: Query finds store gateways by DNS SRV, which leaves a pod that is down or not ready out. Run the report again once every shard has a ready pod.`;
  return c.status === 'incomplete'
    ? {
        code: 'HISTORY_INCOMPLETE',
        component: 'thanosStore',
        message: `History incomplete: ${describeMissing(c)} (${g.answering} of ${g.expectedShards * g.replicasPerShard} store gateways answer Thanos Query): ${lost}.${failing} ${act}`,
      }
    : {
        code: 'HISTORY_INCOMPLETE',
        component: 'thanosStore',
        message: `History may be incomplete: ${describeMissing(c)} (Query names them by address, not pod), so whether each of the ${g.expectedShards} shards answers cannot be told; if one does not, ${figures} are computed on incomplete data.${failing} ${act}`,
      };
}

/** How the headline names a component. */
const COMPONENT_LABELS: Record<CapacityComponent, string> = {
  prometheus: 'Prometheus',
  thanosQuery: 'Thanos Query',
  thanosStore: 'the store gateway',
  thanosBucket: 'the Thanos bucket',
};

function headline(report: ReportFacts, recommendations: readonly Recommendation[]): string {
  const action = recommendations.filter((r) => r.code === 'SCALE_OUT' || r.code === 'RAISE_LIMIT');
  const maxSeries = Math.max(0, ...report.prometheus.replicas.map((r) => r.headSeries));
  const trigger = report.prometheus.replicas[0]?.seriesTrigger;
  const series = trigger
    ? `${formatNumber(maxSeries)} series/replica (${percent(maxSeries, trigger)} of ${formatNumber(trigger)})`
    : 'no series data';
  const soonest = report.prometheus.replicas
    .map((r) => r.seriesProjection)
    .filter((p): p is Extract<Projection, { kind: 'crosses' }> => p.kind === 'crosses')
    .sort((a, b) => a.daysFromNow - b.daysFromNow)[0];
  const projection = soonest ? `, trigger reached ~${soonest.at.slice(0, 10)}` : '';
  // "all fine" only when every check measured something and found it fine: a check without data is never fine, and
  // figures read from a history with a store gateway shard missing are not either.
  const noData = recommendations.filter((r) => r.code === 'NO_DATA').map((r) => COMPONENT_LABELS[r.component]);
  const coverage = report.historyCoverage;
  const history =
    coverage.checked && coverage.status !== 'complete'
      ? [
          `history ${coverage.status === 'incomplete' ? 'incomplete' : 'may be incomplete'} (${describeMissing(coverage)})`,
        ]
      : [];
  const parts = [
    ...history,
    ...(action.length > 0 ? [`${action.length} action${action.length === 1 ? '' : 's'} recommended`] : []),
    ...(noData.length > 0 ? [`no data for ${[...new Set(noData)].join(', ')}`] : []),
  ];
  const fine = coverage.checked ? 'all fine' : 'all fine (history coverage not checked)';
  const status = parts.length === 0 ? fine : parts.join(', ');
  return `Capacity: ${status}; ${series}${projection}.`;
}

/** Short human text of a projection. */
export function describeProjection(p: Projection): string {
  switch (p.kind) {
    case 'crosses':
      return `limit reached around ${p.at.slice(0, 10)}`;
    case 'already-exceeded':
      return 'limit already exceeded';
    case 'insufficient-data':
      return 'too little history to project';
    case 'not-within-horizon':
      return p.reason === 'beyond-horizon'
        ? `limit not reached within ${p.horizonDays} days`
        : `limit not reached (trend ${p.reason})`;
  }
}

function percent(value: number, of: number): string {
  return of > 0 ? `${Math.round((value / of) * 100)}%` : 'n/a';
}

function requireQuantity(path: string, text: string): number {
  const value = parseQuantity(text);
  if (value === undefined) throw new Error(`${path}: not a Kubernetes quantity: "${text}"`);
  return value;
}

function requireByteSize(path: string, text: string): number {
  const value = parseByteSize(text);
  if (value === undefined) throw new Error(`${path}: not a byte size like "50GB": "${text}"`);
  return value;
}

export const DAY_MILLIS = DAY_MS;
