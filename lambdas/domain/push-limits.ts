import type { MetricFamily } from './exposition/parser';

/**
 * What one push, and one group, may hold. A push is parsed, validated, stored and written to every replica in
 * memory: the defaults keep one push well inside the 1 GB the ingest function has (a 4 MiB body, 10,000 series).
 * They also bound what a push costs every later push: the Pushgateway checks each push by gathering every group it
 * holds, so its latency grows with what it holds (1.5.1, measured here: a small push takes 2.4 ms with nothing else
 * held, 5.6 ms beside one 5,000-series group, 22 ms beside one 18,000-series group).
 */
export interface PushLimits {
  /** Body as sent (compressed or not). 413 above. */
  readonly maxBodyBytes: number;
  /** Body after decompression. 413 above. */
  readonly maxDecompressedBytes: number;
  /** Sample lines in one push (each a series of the exposition). 413 above. */
  readonly maxSeriesPerPush: number;
  /** Sample lines a group holds after the push (a POST adds to what it has). 413 above. */
  readonly maxSeriesPerGroup: number;
  /** Labels on one sample, grouping labels not counted. 400 above. */
  readonly maxLabelsPerSeries: number;
  /** Characters in one label value. 400 above. */
  readonly maxLabelValueLength: number;
  /**
   * Groups held (the store's live records): a push that would create one more is refused, 413. Every group costs
   * every later push (the Pushgateway gathers all it holds per push: 2.3 ms with none held, ~100 ms with 10,000)
   * and the repair reads them all each pass, so one client looping over new grouping keys must not be able to grow
   * them without bound. In AWS each instance counts what it loaded plus its own commits: a bound, not an exact
   * quota.
   */
  readonly maxGroups: number;
}

/**
 * Lambda's quota for a synchronous invocation's payload (API reference, Invoke: "For synchronous invocations, the
 * maximum payload size is 6 MB"), read as decimal megabytes to be safe.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6_000_000;

/** What the API Gateway event spends besides the body: headers (an HTTP API takes 10 KB of them) and its context. */
const EVENT_ENVELOPE_BYTES = 32 * 1024;

/**
 * The largest push body the push API can hand its function. An HTTP API passes a body whose type is not text
 * base64-encoded (`isBase64Encoded`), 4 bytes for every 3: the delimited protobuf client_golang pushes by default,
 * and gzip bodies. Above this such a push is refused by Lambda before the handler runs, and the client gets API
 * Gateway's own 5xx instead of a 413 naming the limit. (A text body is JSON-escaped instead: a quote, backslash or
 * newline takes two bytes, so a text body fits while fewer than ~30% of its bytes are those.)
 */
export const MAX_PUSH_PAYLOAD_BYTES = Math.floor((LAMBDA_SYNC_PAYLOAD_BYTES - EVENT_ENVELOPE_BYTES) / 4) * 3;

export const DEFAULT_PUSH_LIMITS: PushLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecompressedBytes: 16 * 1024 * 1024,
  maxSeriesPerPush: 10_000,
  maxSeriesPerGroup: 10_000,
  maxLabelsPerSeries: 64,
  maxLabelValueLength: 4096,
  maxGroups: 10_000,
};

export type LimitResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 413; readonly message: string };

const OK: LimitResult = { ok: true };

/** Checks the series count of a parsed push, then labels per series and label value lengths. */
export function checkPushLimits(families: readonly MetricFamily[], limits: PushLimits): LimitResult {
  let series = 0;
  for (const family of families) series += family.sampleCount;
  if (series > limits.maxSeriesPerPush) {
    return {
      ok: false,
      status: 413,
      message: `push holds ${series} series, above the limit of ${limits.maxSeriesPerPush} series per push`,
    };
  }
  for (const family of families) {
    for (const sample of family.samples) {
      const labels = sample.labels;
      if (labels.length > limits.maxLabelsPerSeries) {
        return {
          ok: false,
          status: 400,
          message: `metric "${sample.name}" (line ${sample.line}) has ${labels.length} labels, above the limit of ${limits.maxLabelsPerSeries} labels per series`,
        };
      }
      for (const [name, value] of labels) {
        if (value.length > limits.maxLabelValueLength) {
          return {
            ok: false,
            status: 400,
            message: `label ${name} of metric "${sample.name}" (line ${sample.line}) is ${value.length} characters long, above the limit of ${limits.maxLabelValueLength} characters per label value`,
          };
        }
      }
    }
  }
  return OK;
}

/** A push creating a group must leave at most `maxGroups` held. */
export function checkGroupCount(heldAfter: number, limits: PushLimits): LimitResult {
  if (heldAfter <= limits.maxGroups) return OK;
  return {
    ok: false,
    status: 413,
    message: `the push would create group number ${heldAfter}, above the limit of ${limits.maxGroups} groups held; delete groups no longer needed`,
  };
}

/** The group after the push must stay within the per-group limit. */
export function checkGroupSize(seriesAfter: number, limits: PushLimits): LimitResult {
  if (seriesAfter <= limits.maxSeriesPerGroup) return OK;
  return {
    ok: false,
    status: 413,
    message: `the group would hold ${seriesAfter} series after this push, above the limit of ${limits.maxSeriesPerGroup} series per group`,
  };
}
