import {
  MetricEditorMode,
  MetricQueryType,
  MetricsQueryBuilder,
  QueryMode,
} from '@grafana/grafana-foundation-sdk/cloudwatch';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';

/**
 * Dashboards as typed specs, built into Grafana's dashboard model with Grafana's own builders
 * (`@grafana/grafana-foundation-sdk`, generated from Grafana's dashboard schema). A spec cannot leave out a panel's
 * unit or description: the types require both.
 */

/** The provisioned Thanos data source (lib/k8s/grafana.ts provisions it with this uid). */
export const THANOS_DATASOURCE = { type: 'prometheus', uid: 'thanos' } as const;
/** The provisioned CloudWatch data source (IRSA role of Grafana, read-only metrics of the account and region). */
export const CLOUDWATCH_DATASOURCE = { type: 'cloudwatch', uid: 'cloudwatch' } as const;

/** A Grafana unit id, one of the SDK's `units` constants (e.g. `s`, `bytes`, `percentunit`, `reqps`). */
export type Unit = Extract<(typeof units)[keyof typeof units], string>;
/** Every unit id Grafana knows, from the SDK (for validation). */
export const GRAFANA_UNITS: ReadonlySet<string> = new Set(
  Object.values(units as Record<string, unknown>).filter((v): v is string => typeof v === 'string'),
);

/** Template variable every dashboard carries: the cluster (Prometheus external label `cluster`). */
export const CLUSTER_VARIABLE = 'cluster';
/** The matcher each query adds so the `cluster` variable filters it (`All` is the regex `.*`). */
export const ON_CLUSTER = `cluster=~"$${CLUSTER_VARIABLE}"`;

/** Label matchers for one selector, with the cluster filter: `sel('job="prometheus"')`. */
export function sel(matchers = ''): string {
  return matchers ? `{${matchers}, ${ON_CLUSTER}}` : `{${ON_CLUSTER}}`;
}

/** A PromQL query through Thanos. */
export interface PromQuerySpec {
  readonly expr: string;
  /** Legend format, e.g. `{{pod}}`. */
  readonly legend?: string;
  /** Instant query (stat panels showing "now"). @default false for time series, true for stats */
  readonly instant?: boolean;
}

/** A CloudWatch metric (for what only AWS measures, such as the bucket's size). */
export interface CloudWatchQuerySpec {
  readonly cloudwatch: {
    readonly namespace: string;
    readonly metricName: string;
    /**
     * Every dimension of the metric when `matchExact` (CloudWatch matches the metric schema exactly). A value `*`
     * selects every value of that dimension, one series each (Grafana builds a SEARCH expression; grafana/grafana
     * docs/sources/datasources/aws-cloudwatch/query-editor/index.md, "dimension wildcards").
     */
    readonly dimensions: Readonly<Record<string, string>>;
    /** A CloudWatch statistic; percentiles (`p99`) need the metric's values, which EMF metrics keep. */
    readonly statistic: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount' | `p${number}`;
    /** Seconds, e.g. `86400` for S3's daily storage metrics, `60` for EMF metrics of the Lambdas. */
    readonly period: string;
    readonly label: string;
    /** Match series with more dimensions than given (e.g. Powertools' `service`). @default true */
    readonly matchExact?: boolean;
  };
}

export type QuerySpec = PromQuerySpec | CloudWatchQuerySpec;
const isCloudWatch = (q: QuerySpec): q is CloudWatchQuerySpec => 'cloudwatch' in q;

export interface Threshold {
  readonly value: number;
  readonly color: string;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel answers; Grafana shows it as the panel's (i) tooltip. */
  readonly description: string;
  readonly unit: Unit;
  /** @default 'timeseries' */
  readonly kind?: 'timeseries' | 'stat';
  readonly queries: readonly QuerySpec[];
  /** Grid columns of 24. @default 12 (8 for stats) */
  readonly width?: number;
  /** Grid rows. @default 8 (4 for stats) */
  readonly height?: number;
  /** Above each value the colour changes; on time series drawn as dashed lines (e.g. a scale trigger). */
  readonly thresholds?: readonly Threshold[];
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A variable read from label values of a series (Grafana's `label_values(<series>, <label>)`). */
export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  /** A series selector without the cluster filter, e.g. `prometheus_build_info{job="prometheus"}`. */
  readonly series: string;
  readonly labelName: string;
}

export interface DashboardSpec {
  /** Stable uid: also the file name (`grafana/dashboards/<uid>.json`) and the ConfigMap key. */
  readonly uid: string;
  readonly title: string;
  /** What the dashboard answers, one sentence (README lists these). */
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables?: readonly VariableSpec[];
  readonly rows: readonly RowSpec[];
}

function thresholds(steps: readonly Threshold[] | undefined) {
  // Grafana's base step has value null ("everything below the first threshold").
  const base = { value: null as unknown as number, color: 'green' };
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([base, ...(steps ?? []).map((s) => ({ value: s.value, color: s.color }))]);
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The one data source of a panel's queries (a panel mixing Thanos and CloudWatch is refused). */
function datasourceOf(panel: PanelSpec) {
  const cloudwatch = panel.queries.filter(isCloudWatch).length;
  if (cloudwatch > 0 && cloudwatch < panel.queries.length) {
    throw new Error(`panel "${panel.title}": mixes PromQL and CloudWatch queries`);
  }
  return cloudwatch > 0 ? CLOUDWATCH_DATASOURCE : THANOS_DATASOURCE;
}

function targets(panel: PanelSpec, instantByDefault: boolean) {
  return panel.queries.map((q, i) => {
    if (isCloudWatch(q)) {
      const c = q.cloudwatch;
      return new MetricsQueryBuilder()
        .datasource({ ...CLOUDWATCH_DATASOURCE })
        .refId(REF_IDS[i] ?? `Q${i}`)
        .queryMode(QueryMode.Metrics)
        .metricQueryType(MetricQueryType.Search)
        .metricEditorMode(MetricEditorMode.Builder)
        .namespace(c.namespace)
        .metricName(c.metricName)
        .dimensions({ ...c.dimensions })
        .matchExact(c.matchExact ?? true)
        .statistic(c.statistic)
        .period(c.period)
        .label(c.label)
        .region('default');
    }
    const query = new DataqueryBuilder()
      .datasource({ ...THANOS_DATASOURCE })
      .refId(REF_IDS[i] ?? `Q${i}`)
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    return (q.instant ?? instantByDefault) ? query.instant() : query.range();
  });
}

function buildPanel(panel: PanelSpec, id: number) {
  if (panel.queries.length === 0) throw new Error(`panel "${panel.title}": has no query`);
  if (panel.kind === 'stat') {
    const stat = new StatPanelBuilder()
      .id(id)
      .title(panel.title)
      .description(panel.description)
      .unit(panel.unit)
      .datasource({ ...datasourceOf(panel) })
      .span(panel.width ?? 8)
      .height(panel.height ?? 4)
      .thresholds(thresholds(panel.thresholds))
      // The newest value of each series (an instant query returns one point anyway).
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .targets(targets(panel, true));
    if (panel.min !== undefined) stat.min(panel.min);
    if (panel.max !== undefined) stat.max(panel.max);
    return stat;
  }
  const series = new TimeseriesPanelBuilder()
    .id(id)
    .title(panel.title)
    .description(panel.description)
    .unit(panel.unit)
    .datasource({ ...datasourceOf(panel) })
    .span(panel.width ?? 12)
    .height(panel.height ?? 8)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .thresholds(thresholds(panel.thresholds))
    .thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(
        panel.thresholds?.length ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off,
      ),
    )
    .targets(targets(panel, false));
  if (panel.min !== undefined) series.min(panel.min);
  if (panel.max !== undefined) series.max(panel.max);
  return series;
}

function variable(name: string, label: string, series: string, labelName: string) {
  const query = `label_values(${series}, ${labelName})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...THANOS_DATASOURCE })
    .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .includeAll(true)
    .allValue('.*')
    .multi(true);
}

/** Builds the Grafana dashboard model of a spec (panels numbered from 1, laid out row by row). */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(variable(CLUSTER_VARIABLE, 'Cluster', 'up', 'cluster'));
  for (const v of spec.variables ?? []) {
    const matchers = v.series.endsWith('}') ? `${v.series.slice(0, -1)}, ${ON_CLUSTER}}` : `${v.series}${sel()}`;
    builder.withVariable(variable(v.name, v.label, matchers, v.labelName));
  }
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    for (const panel of row.panels) builder.withPanel(buildPanel(panel, id++));
  }
  return builder.build();
}
