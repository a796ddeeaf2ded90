import * as zlib from 'node:zlib';
import { INCONSISTENT_PREFIX } from '../push-validation';
import { isDelimitedProtobuf } from './media-type';
import { formatParseError, type MetricFamily, parseExposition, parseFully } from './parser';
import { decodeDelimitedProtobuf } from './protobuf';
import { protobufSamplesAtLeast, textSampleLines } from './sample-bound';

/**
 * A push body, read as the Pushgateway 1.5.1 reads it: `Content-Encoding: gzip` inflated first, then delimited
 * protobuf when the Content-Type says so exactly (see {@link isDelimitedProtobuf}), text format 0.0.4 otherwise.
 * Both formats come back as the same families, so one validation path serves both.
 */

/**
 * Where the Pushgateway refuses a push, which decides what it leaves behind (checked against the binary):
 * - `encoding`: the body cannot be inflated; answered before its instrumented handler, so not even counted;
 * - `parse`: the body does not parse (or the path is malformed); counted in `pushgateway_http_requests_total`,
 *   no group touched;
 * - `storage`: parsed, then refused by the consistency check (timestamps, reserved labels, types, duplicates);
 *   counted, and the group gets `push_failure_time_seconds` (created if missing).
 */
export type RefusalStage = 'encoding' | 'parse' | 'storage';

export type PushFormat = 'text' | 'protobuf';

export type DecodedPushBody =
  | { readonly ok: true; readonly format: PushFormat; readonly families: MetricFamily[] }
  | {
      readonly ok: false;
      readonly status: 400 | 413;
      readonly stage: RefusalStage;
      /** One line, without the final new-line. */
      readonly message: string;
    };

export interface DecodeLimits {
  /** Largest inflated body accepted (a small gzip can inflate to gigabytes); larger → 413. */
  readonly maxDecodedBytes: number;
  /**
   * Every sample will be read (the ingestion stores them): parse the text completely at once. The fast scanner
   * builds samples only when asked, by running the complete parser then, so a caller reading them all would pay
   * for both. @default false
   */
  readonly allSamples?: boolean;
  /**
   * Most samples (series) a push may hold: a body that holds more at least, counted on its bytes before anything is
   * parsed, is refused 413 without building them (sample-bound.ts). @default no count before parsing
   */
  readonly maxSamples?: number;
}

/** Refuses malformed UTF-8 instead of replacing it (one decoder: each call decodes a whole body). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

/** Decodes a PUT or POST body into metric families, or says why and where the Pushgateway would refuse it. */
export function decodePushBody(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  bytes: Uint8Array,
  limits: DecodeLimits,
): DecodedPushBody {
  let body: Uint8Array;
  const encoding = contentEncoding?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') body = bytes;
  else if (encoding === 'gzip') {
    try {
      body = zlib.gunzipSync(bytes, { maxOutputLength: limits.maxDecodedBytes });
    } catch (error) {
      const message = (error as Error).message;
      const tooLarge = /buffer|length|exceeds/i.test(message) && !/incorrect header|unexpected end/i.test(message);
      return tooLarge
        ? refuse(413, 'encoding', `decompressed push body exceeds the limit of ${limits.maxDecodedBytes} bytes`)
        : refuse(400, 'encoding', `invalid ${contentEncoding} body: ${message}`);
    }
  } else return refuse(400, 'encoding', `unsupported content encoding "${contentEncoding}"`);

  const protobuf = isDelimitedProtobuf(contentType);
  if (limits.maxSamples !== undefined) {
    const max = limits.maxSamples;
    // Text: exactly the samples the parser would build; protobuf: at least those.
    const samples = protobuf ? protobufSamplesAtLeast(body) : textSampleLines(body);
    if (samples > max) {
      const holds = protobuf ? `at least ${samples}` : String(samples);
      return refuse(413, 'parse', `push holds ${holds} series, above the limit of ${max} series per push`);
    }
  }
  if (protobuf) {
    const decoded = decodeDelimitedProtobuf(body);
    return decoded.ok
      ? { ok: true, format: 'protobuf', families: decoded.families }
      : refuse(
          400,
          decoded.stage,
          decoded.stage === 'storage' ? INCONSISTENT_PREFIX + decoded.message : decoded.message,
        );
  }
  let source: string;
  let lenient = false;
  try {
    source = STRICT_UTF8.decode(body);
  } catch {
    // The Pushgateway reads text as bytes: malformed UTF-8 in a HELP text or comment is stored (200; its JSON API
    // then shows U+FFFD, as the replacement here does), in a label value it is a parsing error ("invalid label
    // value"). The replicas are sent the group's record, not this body, so the label values are judged here.
    source = LENIENT_UTF8.decode(body);
    lenient = true;
  }
  const parsed = limits.allSamples ? parseFully(source) : parseExposition(source);
  if (!parsed.ok) return refuse(400, 'parse', `text format parsing error in ${formatParseError(parsed.error)}`);
  if (lenient) {
    const malformed = malformedLabelValue(parsed.families, source);
    if (malformed) return refuse(400, 'parse', `text format parsing error in ${malformed}`);
  }
  return { ok: true, format: 'text', families: parsed.families };
}

/** Where a label value holds malformed UTF-8 (a replacement character after lenient decoding), as a parse error. */
function malformedLabelValue(families: readonly MetricFamily[], source: string): string | undefined {
  for (const family of families) {
    for (const sample of family.samples) {
      for (const [name, value] of sample.labels) {
        if (!value.includes('\uFFFD')) continue;
        const text = source.split('\n')[sample.line - 1] ?? '';
        const column = Math.max(text.indexOf('\uFFFD'), 0) + 1;
        return `line ${sample.line}, column ${column}: invalid label value for label ${name} (not UTF-8)`;
      }
    }
  }
  return undefined;
}

function refuse(status: 400 | 413, stage: RefusalStage, message: string): DecodedPushBody {
  return { ok: false, status, stage, message };
}
