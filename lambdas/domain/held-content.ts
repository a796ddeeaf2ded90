import type * as Protobuf from 'protobufjs/light';
import { metricFamilyType } from './exposition/protobuf';
import { type GroupingKey, groupingKeyId } from './grouping-key';
import { canonicalJson } from './reconciliation';

/** A group as a Pushgateway's `/api/v1/metrics` lists it: its key and families, without their time stamps. */
export interface ListedGroup {
  readonly key: GroupingKey;
  /** Family name → `{type, help, metrics}` as the API shows it (push-time families and time stamps left out). */
  readonly raw: Readonly<Record<string, unknown>>;
}

interface ApiMetric {
  readonly labels?: Readonly<Record<string, string>>;
}

interface LabelPair {
  readonly name: string;
  readonly value: Uint8Array;
}

const UTF8 = new TextDecoder('utf-8');

/** A series as both views name it: family name and label set (the grouping labels included). */
function seriesId(family: string, labels: Readonly<Record<string, string>>): string {
  return `${family}\u0000${canonicalJson(labels)}`;
}

/**
 * What a Pushgateway holds of each group, as a string two Pushgateways holding the same content render alike: the
 * group's families as `/api/v1/metrics` lists them (type, HELP, every series' labels and values) and, for each of
 * those series, its metric as the protobuf `/metrics` serves it, which carries what the API cannot show (native
 * histograms, gauge histograms, exemplars, created time stamps). A series is found in the exposition by its family
 * name and full label set: one series belongs to one group, since a Pushgateway refuses a push that would expose a
 * series another group exposes (storage/diskmetricstore.go `checkWriteRequest`), so no attribution is guessed.
 * Push times, failure times and `last_push_successful` are left out: they are the replica's own, not content.
 *
 * Keyed by group id; the value is undefined for a group a series of which the exposition lacks (the two were read
 * at different times and the group changed between): such a group proves nothing.
 */
export function heldContents(groups: readonly ListedGroup[], exposition: Uint8Array): Map<string, string | undefined> {
  const exposed = exposedSeries(exposition);
  const contents = new Map<string, string | undefined>();
  for (const group of groups) {
    const series: Record<string, string[]> = Object.create(null);
    let complete = true;
    for (const family of Object.keys(group.raw)) {
      const metrics = ((group.raw[family] as { metrics?: readonly ApiMetric[] } | undefined)?.metrics ?? []).map(
        (metric) => exposed.get(seriesId(family, metric.labels ?? {})),
      );
      if (metrics.some((m) => m === undefined)) complete = false;
      series[family] = metrics as string[];
    }
    contents.set(
      groupingKeyId(group.key),
      complete ? canonicalJson({ listed: group.raw, exposed: series }) : undefined,
    );
  }
  return contents;
}

/** Every metric of a delimited protobuf `/metrics`, by series, as canonical JSON of its message. */
function exposedSeries(body: Uint8Array): Map<string, string> {
  const familyType = metricFamilyType();
  const metricType = familyType.fields.metric?.resolvedType as Protobuf.Type;
  const protobuf = require('protobufjs/light') as typeof Protobuf;
  const reader = protobuf.Reader.create(body);
  const series = new Map<string, string>();
  while (reader.pos < reader.len) {
    const length = reader.uint32();
    const family = familyType.decode(reader, length) as unknown as {
      name: string;
      metric: (Protobuf.Message & { label: LabelPair[] })[];
    };
    for (const metric of family.metric) {
      const labels: Record<string, string> = Object.create(null);
      for (const pair of metric.label) labels[pair.name] = UTF8.decode(pair.value);
      series.set(
        seriesId(family.name, labels),
        canonicalJson(metricType.toObject(metric, { longs: String, enums: String, bytes: String })),
      );
    }
  }
  return series;
}
