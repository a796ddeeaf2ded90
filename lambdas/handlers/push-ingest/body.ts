import * as zlib from 'node:zlib';
import { formatParseError, type MetricFamily, parseExposition } from '../../domain/exposition/parser';

/** The body of a push, decoded: its families, or the status and cause of the refusal. */
export type ParsedBody =
  | { readonly ok: true; readonly families: readonly MetricFamily[] }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly message: string };

/** Refuses malformed UTF-8 instead of replacing it (one decoder: each call decodes a whole body). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

const PROTOBUF = /application\/vnd\.google\.protobuf/i;

/**
 * The one step that turns a push body into metric families: content encoding (gzip, capped at
 * `maxDecompressedBytes`), then the exposition format named by the content type.
 */
export function parsePushBody(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  bytes: Uint8Array,
  maxDecompressedBytes: number,
): ParsedBody {
  let body: Buffer;
  const encoding = contentEncoding?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  else if (encoding === 'gzip') {
    try {
      body = zlib.gunzipSync(bytes, { maxOutputLength: maxDecompressedBytes });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        return {
          ok: false,
          status: 413,
          message: `decompressed push body exceeds the limit of ${maxDecompressedBytes} bytes`,
        };
      }
      return { ok: false, status: 400, message: `invalid gzip body: ${(error as Error).message}` };
    }
  } else return { ok: false, status: 400, message: `unsupported content encoding "${contentEncoding}"` };
  if (body.byteLength > maxDecompressedBytes) {
    return { ok: false, status: 413, message: `push body exceeds the limit of ${maxDecompressedBytes} bytes` };
  }
  if (contentType && PROTOBUF.test(contentType)) {
    return {
      ok: false,
      status: 415,
      message: 'only the text exposition format is accepted (protobuf pushes are not supported)',
    };
  }
  let source: string;
  try {
    source = STRICT_UTF8.decode(body);
  } catch {
    return { ok: false, status: 400, message: 'push body is not valid UTF-8' };
  }
  const parsed = parseExposition(source);
  if (!parsed.ok)
    return { ok: false, status: 400, message: `text format parsing error in ${formatParseError(parsed.error)}` };
  return { ok: true, families: parsed.families };
}
