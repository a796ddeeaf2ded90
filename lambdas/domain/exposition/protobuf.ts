import type * as Protobuf from 'protobufjs/light';
import { collectedMetric, goQuoteBytes } from '../pushgateway-messages';
import type { FamilyFacts, MetricFamily, MetricType, Sample } from './parser';
import { METRICS_PROTO_DESCRIPTOR } from './protobuf-descriptor';

/**
 * Delimited protobuf pushes (`io.prometheus.client.MetricFamily` messages, each after its varint length) read the
 * way the Pushgateway reads them, into the same {@link MetricFamily} model the text parser returns, so one
 * validation serves both formats. Decoding is protobufjs' with the published metrics.proto (./metrics.proto);
 * only the framing (varint length before each message) is read here, as pbutil.ReadDelimited does.
 */

export type ProtobufDecodeResult =
  | { readonly ok: true; readonly families: MetricFamily[] }
  /** `stage` says where the Pushgateway refuses the same body: reading it, or checking the families it read. */
  | { readonly ok: false; readonly stage: 'parse' | 'storage'; readonly message: string };

/** A 64-bit integer field: a number, or a Long when the `long` package is installed (Number() converts both). */
type Int64 = number | { toNumber(): number };

interface LabelPairMessage {
  readonly name: string;
  /** Read as bytes, not string: protobufjs replaces malformed UTF-8, and the Pushgateway refuses it. */
  readonly value: Uint8Array;
}
interface ValueMessage {
  readonly value: number;
}
interface QuantileMessage {
  readonly quantile: number;
  readonly value: number;
}
interface BucketMessage {
  readonly cumulative_count: Int64;
  readonly cumulative_count_float: number;
  readonly upper_bound: number;
}
interface HistogramMessage {
  readonly sample_count: Int64;
  readonly sample_count_float: number;
  readonly sample_sum: number;
  readonly bucket: readonly BucketMessage[];
}
interface SummaryMessage {
  readonly sample_count: Int64;
  readonly sample_sum: number;
  readonly quantile: readonly QuantileMessage[];
}
interface MetricMessage {
  readonly label: readonly LabelPairMessage[];
  readonly gauge: ValueMessage | null;
  readonly counter: ValueMessage | null;
  readonly summary: SummaryMessage | null;
  readonly untyped: ValueMessage | null;
  readonly histogram: HistogramMessage | null;
  readonly timestamp_ms: Int64;
}
interface MetricFamilyMessage {
  readonly name: string;
  readonly help: string;
  readonly type: number;
  readonly metric: readonly MetricMessage[];
}

/** client_model's MetricType enum values, in order (COUNTER = 0 is also the default of an absent type). */
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'summary', 'untyped', 'histogram', 'gauge_histogram'];
const TYPE_NAMES = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];

interface Decoder {
  readonly type: Protobuf.Type;
  readonly reader: (body: Uint8Array) => Protobuf.Reader;
}

let decoder: Decoder | undefined;

/**
 * The MetricFamily message type, built once from the committed descriptor (label values read as bytes).
 * protobufjs is loaded here, on the first protobuf push, not when the function starts: a cold start serving text
 * pushes does not pay for it (the bundle still carries it; lambda-bundles.bench measures both).
 */
function protobufDecoder(): Decoder {
  if (decoder === undefined) {
    const protobuf = require('protobufjs/light') as typeof Protobuf;
    const root = protobuf.Root.fromJSON(METRICS_PROTO_DESCRIPTOR);
    const labelValue = root.lookupType('io.prometheus.client.LabelPair').fields.value;
    // Same wire type (length-delimited) and field number; only protobufjs' conversion differs.
    if (labelValue) labelValue.type = 'bytes';
    const type = root.lookupType('io.prometheus.client.MetricFamily');
    type.setup();
    decoder = { type, reader: (body) => protobuf.Reader.create(body) };
  }
  return decoder;
}

/** The MetricFamily message type (label values as bytes), for encoding families as the replicas are sent them. */
export function metricFamilyType(): Protobuf.Type {
  return protobufDecoder().type;
}

/** Whether a decoded message carries an optional field (protobufjs sets present fields as own properties). */
function isSet(message: object, field: string): boolean {
  return Object.hasOwn(message, field) && (message as Record<string, unknown>)[field] != null;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
/** ASCII is Latin-1's first half: decodes long ASCII values without building an argument list. */
const LATIN1 = new TextDecoder('latin1');
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Reads a delimited protobuf body as the Pushgateway does (handler/push.go with pbutil.ReadDelimited from
 * matttproud/golang_protobuf_extensions 1.0.1): messages until the body ends, the end inside a length prefix
 * counted as the end too; a later family of a name replaces an earlier one (push.go keeps them in a map by name).
 * Then the checks client_golang's registry makes when the Pushgateway gathers the push (prometheus/registry.go
 * checkMetricConsistency, v1.14.0), that the text format rules out while parsing: the metric's value field
 * matches the family type, label names are valid and not repeated, no `quantile` label on a summary, label values
 * are UTF-8.
 */
export function decodeDelimitedProtobuf(body: Uint8Array): ProtobufDecodeResult {
  const { type, reader: readerOf } = protobufDecoder();
  const byName = new Map<string, { family: MetricFamilyMessage; message: Uint8Array }>();
  // One reader for the whole body, bounded to each message in turn (its public pos and len): a message that
  // claims more than its length fails as it would alone, and no view or reader is made per message.
  const reader = readerOf(body);
  let at = 0;
  while (at < body.length) {
    // ReadDelimited reads a varint32 prefix of at most 5 bytes.
    let length = 0;
    let shift = 0;
    let prefixEnd = -1;
    for (let i = 0; i < 5 && at + i < body.length; i++) {
      const byte = body[at + i] as number;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) {
        prefixEnd = at + i + 1;
        break;
      }
    }
    if (prefixEnd < 0) {
      // The body ended inside the prefix: ReadDelimited returns io.EOF, which push.go takes as the end.
      if (body.length - at < 5) break;
      return { ok: false, stage: 'parse', message: 'invalid varint32 encountered' };
    }
    if (prefixEnd + length > body.length) return { ok: false, stage: 'parse', message: 'unexpected EOF' };
    let family: MetricFamilyMessage;
    try {
      reader.pos = prefixEnd;
      reader.len = prefixEnd + length;
      family = type.decode(reader) as unknown as MetricFamilyMessage;
    } catch (error) {
      return { ok: false, stage: 'parse', message: `proto: ${(error as Error).message}` };
    }
    byName.set(family.name, { family, message: body.subarray(prefixEnd, prefixEnd + length) });
    at = prefixEnd + length;
  }
  const families: MetricFamily[] = [];
  for (const { family, message } of byName.values()) {
    const converted = toFamily(family, message);
    if (typeof converted === 'string') return { ok: false, stage: 'storage', message: converted };
    families.push(converted);
  }
  return { ok: true, families };
}

/**
 * The family as the text parser would have returned its text rendering, or the registry's objection to it. One
 * pass checks every metric and gathers the {@link FamilyFacts} validation relies on; the samples (the text
 * rendering's, histogram and summary samples included) are built only if validation asks for them.
 */
function toFamily(family: MetricFamilyMessage, message: Uint8Array): MetricFamily | string {
  const typeIndex = family.type;
  const type = TYPES[typeIndex] ?? 'untyped';
  const typeName = TYPE_NAMES[typeIndex] ?? String(typeIndex);
  const name = family.name;
  const metrics = family.metric;
  const labelSets: (readonly [string, string][])[] = [];
  const labelNames: string[] = [];
  // Facts hold while no metric has a timestamp, an `instance=""`, or an explicit `le`/`quantile` (the text
  // rendering would fold it away); otherwise validation reads the samples.
  let factual = true;
  // Series keys, to prove the metrics distinct; a single metric needs none.
  const keys = metrics.length > 1 ? new Set<string>() : undefined;
  let sampleCount = 0;
  for (const metric of metrics) {
    const labels: [string, string][] = [];
    let previous = '';
    let sorted = true;
    for (const pair of metric.label) {
      const labelName = pair.name;
      if (labelName === previous) {
        return `${describe(name, metric)} has two or more labels with the same name: ${labelName}`;
      }
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) {
        return `${describe(name, metric)} has a label with an invalid name: ${labelName}`;
      }
      if (metric.summary && labelName === 'quantile') {
        return `${describe(name, metric)} must not have an explicit "quantile" label`;
      }
      const value = labelValue(pair.value);
      if (value === undefined) {
        return `${describe(name, metric)} has a label named "${labelName}" whose value is not utf8: ${goQuoteBytes(pair.value)}`;
      }
      if (labelName < previous) sorted = false;
      if ((labelName === 'instance' && value === '') || labelName === 'le' || labelName === 'quantile') factual = false;
      labels.push([labelName, value]);
      if (!labelNames.includes(labelName)) labelNames.push(labelName);
      previous = labelName;
    }
    const value = valueField(metric, typeIndex);
    if (value === undefined) return `${describe(name, metric)} is not a ${typeName}`;
    if (isSet(metric, 'timestamp_ms')) factual = false;
    labelSets.push(labels);
    if (factual && keys) {
      const ordered = sorted ? labels : [...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      let key = '';
      for (const [labelName, labelValueText] of ordered) key += `${labelName}\u0000${labelValueText}\u0001`;
      keys.add(key);
    }
    if (metric.histogram && (type === 'histogram' || type === 'gauge_histogram')) {
      sampleCount += metric.histogram.bucket.length + 2;
    } else if (metric.summary && type === 'summary') sampleCount += metric.summary.quantile.length + 2;
    else sampleCount++;
  }
  const facts = factual
    ? { labelNames, seriesDistinct: keys === undefined || keys.size === metrics.length }
    : undefined;
  return new ProtobufFamily(
    name,
    isSet(family, 'help') ? family.help : undefined,
    type,
    sampleCount,
    facts,
    message,
    () => buildSamples(name, type, metrics, labelSets),
  );
}

/** A decoded family in the parser's model; its samples are built on first use. */
class ProtobufFamily implements MetricFamily {
  readonly typeDeclared = true;
  private built: Sample[] | undefined;

  constructor(
    readonly name: string,
    readonly help: string | undefined,
    readonly type: MetricType,
    readonly sampleCount: number,
    readonly facts: FamilyFacts | undefined,
    /** The family's message as pushed (without its length prefix): what the replicas are sent to hold it. */
    readonly message: Uint8Array,
    private readonly build: () => Sample[],
  ) {}

  get samples(): readonly Sample[] {
    this.built ??= this.build();
    return this.built;
  }
}

/**
 * The pushed message of a family decoded from protobuf (undefined for a text family). The group record keeps it, so
 * the replicas get what the client sent — native histogram fields, gauge histograms, exemplars and all — not the
 * text rendering, which cannot carry them.
 */
export function protobufMessage(family: MetricFamily): Uint8Array | undefined {
  return family instanceof ProtobufFamily ? family.message : undefined;
}

/** The samples of the family's text rendering (what the text parser returns for it). */
function buildSamples(
  name: string,
  type: MetricType,
  metrics: readonly MetricMessage[],
  labelSets: readonly (readonly [string, string][])[],
): Sample[] {
  const samples: Sample[] = [];
  metrics.forEach((metric, i) => {
    const labels = labelSets[i] ?? [];
    const timestamp = isSet(metric, 'timestamp_ms') ? String(metric.timestamp_ms) : undefined;
    const sample = (sampleName: string, sampleLabels: readonly [string, string][], sampleValue: number): Sample => ({
      name: sampleName,
      labels: sampleLabels,
      value: formatValue(sampleValue),
      timestamp,
      line: 0,
    });
    if (metric.histogram && (type === 'histogram' || type === 'gauge_histogram')) {
      const h = metric.histogram;
      for (const bucket of h.bucket) {
        const count =
          bucket.cumulative_count_float > 0 ? bucket.cumulative_count_float : Number(bucket.cumulative_count);
        samples.push(sample(`${name}_bucket`, [...labels, ['le', formatValue(bucket.upper_bound)]], count));
      }
      samples.push(sample(`${name}_sum`, labels, h.sample_sum));
      samples.push(
        sample(`${name}_count`, labels, h.sample_count_float > 0 ? h.sample_count_float : Number(h.sample_count)),
      );
    } else if (metric.summary && type === 'summary') {
      const s = metric.summary;
      for (const q of s.quantile) {
        samples.push(sample(name, [...labels, ['quantile', formatValue(q.quantile)]], q.value));
      }
      samples.push(sample(`${name}_sum`, labels, s.sample_sum));
      samples.push(sample(`${name}_count`, labels, Number(s.sample_count)));
    } else {
      const field = metric.gauge ?? metric.counter ?? metric.untyped;
      samples.push(sample(name, labels, field?.value ?? 0));
    }
  });
  return samples;
}

/** A label value as text: ASCII (nearly always) without a decoder call, else strict UTF-8; undefined if malformed. */
function labelValue(bytes: Uint8Array): string | undefined {
  const length = bytes.length;
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii)
    return length < 4096 ? String.fromCharCode.apply(null, bytes as unknown as number[]) : LATIN1.decode(bytes);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The metric's field for the family type, or undefined when it lacks it (checkMetricConsistency has no rule for
 * GAUGE_HISTOGRAM, nor for an unknown type number: any metric passes).
 */
function valueField(metric: MetricMessage, typeIndex: number): object | undefined {
  switch (typeIndex) {
    case 0:
      return metric.counter ?? undefined;
    case 1:
      return metric.gauge ?? undefined;
    case 2:
      return metric.summary ?? undefined;
    case 3:
      return metric.untyped ?? undefined;
    case 4:
      return metric.histogram ?? undefined;
    default:
      return metric.gauge ?? metric.counter ?? metric.untyped ?? metric.summary ?? metric.histogram ?? {};
  }
}

/** Go's float formatting as the text format writes it, near enough for messages and the model (`+Inf`, `NaN`). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** The metric as the registry's messages name it (its labels as pushed; see pushgateway-messages.ts). */
function describe(name: string, metric: MetricMessage): string {
  return collectedMetric(
    name,
    metric.label.map((pair) => [pair.name, pair.value] as const),
  );
}
