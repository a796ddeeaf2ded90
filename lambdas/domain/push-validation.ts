import type { MetricFamily, MetricType } from './exposition/parser';
import { GroupIndex } from './group-index';
import { type GroupingKey, groupingKeyId, keyNamesOf } from './grouping-key';
import { collectedMetric, seriesIdLabels } from './pushgateway-messages';
import { type FamilyState, type GroupState, isGroupMetaFamily, type PushMethod } from './pushgateway-semantics';

/**
 * The Pushgateway's consistency rules, checked before any replica is touched: the push merged with what the
 * replicas hold must still gather cleanly. The messages follow the Pushgateway's ("pushed metrics are invalid or
 * inconsistent with existing metrics: ...").
 */

export const INCONSISTENT_PREFIX = 'pushed metrics are invalid or inconsistent with existing metrics: ';

export type ValidationResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Checks that need the push only: no timestamps, no reserved (`__`) label names. */
export function validatePushBody(families: readonly MetricFamily[]): ValidationResult {
  for (const family of families) {
    if (family.facts) continue; // the fast scanner found none of these
    for (const sample of family.samples) {
      if (sample.timestamp !== undefined) return fail('pushed metrics must not have timestamps');
      const labels = sample.labels;
      for (let i = 0; i < labels.length; i++) {
        const name = (labels[i] as readonly [string, string])[0];
        if (name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95) {
          return fail(`${collectedMetric(sample.name, labels)} has a label with an invalid name: ${name}`);
        }
      }
    }
  }
  return { ok: true };
}

export interface ConsistencyInput {
  readonly method: Exclude<PushMethod, 'DELETE'>;
  readonly key: GroupingKey;
  /** `groupingKeyId(key)`, when the caller has it. */
  readonly id?: string;
  /** The push, normalised by `pushedFamilies`. */
  readonly pushed: readonly FamilyState[];
  /** Every group the replicas hold (a union when they differ), as a list or kept in an index. */
  readonly groups: readonly GroupState[] | GroupIndex;
  /** Types of the Pushgateway's own metrics (`go_*`, `process_*`, `pushgateway_*`...). */
  readonly ownFamilies: ReadonlyMap<string, MetricType>;
}

/**
 * A family name keeps one type across every group and the Pushgateway's own metrics, and no series (name and
 * full label set) appears twice. Only what the push brings can break this: the stored state was consistent.
 */
export function validateConsistency(input: ConsistencyInput): ValidationResult {
  const groups = input.groups;
  const index = groups instanceof GroupIndex ? groups : groups.length > 0 ? GroupIndex.of(groups) : undefined;
  const targetId = index !== undefined && index.size > 0 ? (input.id ?? groupingKeyId(input.key)) : '';
  const ownByFingerprint = ownIndex(input.ownFamilies);
  let keyNames: string | undefined;
  for (const family of input.pushed) {
    const name = family.name;
    if (isGroupMetaFamily(name)) continue;
    const own = ownType(ownByFingerprint, name);
    if (own !== undefined && own !== family.type) {
      return fail(`gathered metric family ${name} has type ${upper(family.type)} but should have ${upper(own)}`);
    }
    const other = index?.typeElsewhere(name, targetId);
    if (other && other.type !== family.type) {
      // The Pushgateway names either side (Go map order); we name the pushed series and the type held elsewhere.
      const first = family.seriesIds[0] ?? '';
      return fail(`${collectedMetric(name, seriesIdLabels(first))} is not a ${upper(other.type)}`);
    }
    // A push holds each family name once (the parser merges a name's lines), so duplicates are per family.
    if (index !== undefined) keyNames ??= keyNamesOf(input.key);
    const held = index?.heldElsewhere(name, targetId, keyNames);
    if (!held && (family.unique || new Set(family.seriesIds).size === family.seriesIds.length)) continue;
    const seen = new Set<string>();
    for (const seriesId of family.seriesIds) {
      if (seen.has(seriesId) || held?.(seriesId)) {
        return fail(
          `${collectedMetric(name, seriesIdLabels(seriesId))} was collected before with the same name and label values`,
        );
      }
      seen.add(seriesId);
    }
  }
  return { ok: true };
}

/** Where a refusal of the grouping labels belongs (refusal-recorder.ts): the Pushgateway's own check, or ours. */
export type GroupingLabelsResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly stage: 'parse' | 'storage'; readonly message: string };

/**
 * The grouping labels against the label each bucket or quantile carries. The Pushgateway sets every grouping label on
 * each metric of the group (storage/diskmetricstore.go `sanitizeLabels`), so a group keyed by `quantile` gives its
 * summaries an explicit `quantile` label, which the Pushgateway's own consistency check refuses (client_golang
 * prometheus/registry.go `checkMetricConsistency`: "must not have an explicit \"quantile\" label"; summaries only).
 * A group keyed by `le` gives its histograms an `le` beside each bucket's: client_golang has no such check, so the
 * Pushgateway takes the push and exposes `x_bucket{le="5",le="1"}`, and Prometheus then refuses every scrape of that
 * Pushgateway ("label name \"le\" is not unique: invalid sample", tsdb head_append.go), all its other groups
 * included (both checked against Pushgateway 1.5.1 and Prometheus 2.42). Refused before anything is applied: the
 * first as the Pushgateway words it, the second as a parse-stage refusal (no group created, as for `instance=""`).
 */
export function validateGroupingLabels(key: GroupingKey, pushed: readonly FamilyState[]): GroupingLabelsResult {
  const le = key.le;
  const quantile = key.quantile;
  if (le === undefined && quantile === undefined) return { ok: true };
  for (const family of pushed) {
    if (family.seriesIds.length === 0) continue;
    if (quantile !== undefined && family.type === 'summary') {
      const labels = seriesIdLabels(family.seriesIds[0] ?? '').filter(([name]) => name !== 'quantile');
      labels.push(['quantile', quantile]);
      labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return {
        ok: false,
        stage: 'storage',
        message: `${INCONSISTENT_PREFIX}${collectedMetric(family.name, labels)} must not have an explicit "quantile" label`,
      };
    }
    if (le !== undefined && (family.type === 'histogram' || family.type === 'gauge_histogram')) {
      return {
        ok: false,
        stage: 'parse',
        message: `${INCONSISTENT_PREFIX}histogram ${family.name} in a group with the grouping label le would expose two le labels on each bucket, and Prometheus refuses every scrape of a Pushgateway exposing that (label name "le" is not unique); group by another label name`,
      };
    }
  }
  return { ok: true };
}

/**
 * Length, first and last char of a name in one number. The Pushgateway's own families are found by it and then
 * compared: a push of thousands of families hashes none of their names.
 */
function nameFingerprint(name: string): number {
  return name.length * 0x10000 + (name.charCodeAt(0) & 0xff) * 0x100 + (name.charCodeAt(name.length - 1) & 0xff);
}

type OwnIndex = ReadonlyMap<number, readonly (readonly [string, MetricType])[]>;

const ownIndexes = new WeakMap<ReadonlyMap<string, MetricType>, OwnIndex>();

function ownIndex(own: ReadonlyMap<string, MetricType>): OwnIndex {
  let index = ownIndexes.get(own);
  if (index === undefined) {
    const built = new Map<number, [string, MetricType][]>();
    for (const [name, type] of own) {
      const fingerprint = nameFingerprint(name);
      const same = built.get(fingerprint);
      if (same) same.push([name, type]);
      else built.set(fingerprint, [[name, type]]);
    }
    index = built;
    ownIndexes.set(own, index);
  }
  return index;
}

function ownType(index: OwnIndex, name: string): MetricType | undefined {
  const candidates = index.get(nameFingerprint(name));
  if (candidates === undefined) return undefined;
  for (const [candidate, type] of candidates) if (candidate === name) return type;
  return undefined;
}

function upper(type: MetricType): string {
  return type.toUpperCase();
}

function fail(message: string): ValidationResult {
  return { ok: false, message: `${INCONSISTENT_PREFIX}${message}` };
}
