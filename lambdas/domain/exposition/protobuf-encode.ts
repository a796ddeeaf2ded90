import type { MetricFamily, Sample } from './parser';
import { metricFamilyType } from './protobuf';

/**
 * A text family as the `io.prometheus.client.MetricFamily` message the Pushgateway makes of it: prometheus/common
 * expfmt/text_parse.go (the TextParser the Pushgateway 1.5.1 reads text pushes with) builds one metric per label
 * set, in order of first appearance; a summary's `quantile` samples, `_sum` and `_count` (and a histogram's
 * `_bucket`, `_sum` and `_count`) fold into the metric of their other labels; counts become uint64 (`uint64(value)`).
 * Used when a group holds families pushed in both formats: the replicas are sent the group as one protobuf body.
 */
export function textFamilyMessage(family: MetricFamily): Uint8Array {
  const type = TYPE_NUMBERS[family.type] ?? 3;
  const metrics = new Map<string, MetricObject>();
  const metricOf = (labels: readonly (readonly [string, string])[], skip: string | undefined): MetricObject => {
    const kept = skip === undefined ? labels : labels.filter(([name]) => name !== skip);
    const key = kept.map(([n, v]) => `${n}\u0000${v}`).join('\u0001');
    let metric = metrics.get(key);
    if (!metric) {
      metric = { label: kept.map(([name, value]) => ({ name, value: ENCODER.encode(value) })) };
      metrics.set(key, metric);
    }
    return metric;
  };
  const name = family.name;
  for (const sample of family.samples) {
    const value = goFloat(sample.value);
    if (family.type === 'summary') {
      const metric = metricOf(sample.labels, 'quantile');
      metric.summary ??= { quantile: [] };
      if (sample.name === `${name}_sum`) metric.summary.sample_sum = value;
      else if (sample.name === `${name}_count`) metric.summary.sample_count = uint64(value);
      else metric.summary.quantile.push({ quantile: goFloat(labelValue(sample, 'quantile')), value });
    } else if (family.type === 'histogram' || family.type === 'gauge_histogram') {
      const metric = metricOf(sample.labels, 'le');
      metric.histogram ??= { bucket: [] };
      if (sample.name === `${name}_sum`) metric.histogram.sample_sum = value;
      else if (sample.name === `${name}_count`) metric.histogram.sample_count = uint64(value);
      else
        metric.histogram.bucket.push({
          upper_bound: goFloat(labelValue(sample, 'le')),
          cumulative_count: uint64(value),
        });
    } else {
      const field = family.type === 'counter' ? 'counter' : family.type === 'gauge' ? 'gauge' : 'untyped';
      metricOf(sample.labels, undefined)[field] = { value };
    }
  }
  const message: Record<string, unknown> = { name, type, metric: [...metrics.values()] };
  if (family.help !== undefined) message.help = family.help;
  return metricFamilyType().encode(message).finish();
}

/** Messages as one delimited body: each after its varint length (pbutil.WriteDelimited). */
export function delimitedBody(messages: readonly Uint8Array[]): Uint8Array {
  const parts: number[][] = [];
  let total = 0;
  for (const message of messages) {
    const prefix: number[] = [];
    let length = message.length;
    while (length >= 0x80) {
      prefix.push((length & 0x7f) | 0x80);
      length = Math.floor(length / 0x80);
    }
    prefix.push(length);
    parts.push(prefix);
    total += prefix.length + message.length;
  }
  const body = new Uint8Array(total);
  let at = 0;
  messages.forEach((message, i) => {
    const prefix = parts[i] as number[];
    body.set(prefix, at);
    at += prefix.length;
    body.set(message, at);
    at += message.length;
  });
  return body;
}

interface MetricObject {
  label: { name: string; value: Uint8Array }[];
  counter?: { value: number };
  gauge?: { value: number };
  untyped?: { value: number };
  summary?: { sample_count?: number; sample_sum?: number; quantile: { quantile: number; value: number }[] };
  histogram?: {
    sample_count?: number;
    sample_sum?: number;
    bucket: { upper_bound: number; cumulative_count: number }[];
  };
}

/** client_model's MetricType numbers. */
const TYPE_NUMBERS: Readonly<Record<string, number>> = {
  counter: 0,
  gauge: 1,
  summary: 2,
  untyped: 3,
  histogram: 4,
  gauge_histogram: 5,
};

const ENCODER = new TextEncoder();

function labelValue(sample: Sample, name: string): string {
  return sample.labels.find(([n]) => n === name)?.[1] ?? '';
}

/** Go's strconv.ParseFloat for the values the text parser accepted (Inf and NaN spelt any case). */
function goFloat(text: string): number {
  const lower = text.toLowerCase();
  if (/^[+]?inf(inity)?$/.test(lower)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/.test(lower)) return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  return Number(text.replace(/_/g, ''));
}

/** Go's uint64(float64) for the counts a text push carries (truncated; negative and NaN as 0 here). */
function uint64(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.trunc(value) : 0;
}
