/**
 * An HTTP/1.1 message body read from a byte stream (RFC 9112 sections 6-7): framed by a length, by chunks (with
 * extensions and trailers, both ignored), or by the end of the connection. Fed whatever the socket delivers, split
 * anywhere; pure. Shared by the response reader of the replica client (http1-response.ts) and the request reader of
 * the local push server (http1-request.ts).
 */

/** The bytes are not an HTTP/1.x message a reader can frame; `status` is what a server answers to it. */
export class Http1ProtocolError extends Error {
  override readonly name = 'Http1ProtocolError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** How a message's body ends (RFC 9112 6.3). */
export type BodyFraming =
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' }
  | { readonly kind: 'none' };

/** A chunk-size line longer than this is refused (hex size plus extensions). */
const MAX_CHUNK_LINE = 4096;
/** A trailer line longer than this is refused. */
const MAX_TRAILER_LINE = 64 * 1024;
const HEX = /^[0-9a-fA-F]{1,8}$/;
const EMPTY = Buffer.alloc(0);

type Phase = 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

export class Http1BodyReader {
  private phase: Phase;
  /** Bytes left of the body (`length`) or of the current chunk (`chunk-data`). */
  private remaining = 0;
  /** The start of a line not complete yet (chunk framing). */
  private partial: Buffer = EMPTY;
  private readonly parts: Buffer[] = [];
  private size = 0;

  /** @param maxBytes a larger body is refused (status 413) as soon as its size is known to exceed it */
  constructor(
    framing: BodyFraming,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    if (framing.kind === 'length') {
      this.ensureRoom(framing.length);
      this.remaining = framing.length;
      this.phase = framing.length === 0 ? 'done' : 'length';
    } else if (framing.kind === 'chunked') this.phase = 'chunk-size';
    else if (framing.kind === 'close') this.phase = 'close';
    else this.phase = 'done';
  }

  get complete(): boolean {
    return this.phase === 'done';
  }

  /** The body's bytes so far. */
  get bytes(): Buffer {
    return this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
  }

  /** Takes what belongs to the body; once it is complete, the bytes after it (maybe none), else `undefined`. */
  feed(input: Buffer): Buffer | undefined {
    let data = this.partial.length === 0 ? input : Buffer.concat([this.partial, input]);
    this.partial = EMPTY;
    for (;;) {
      switch (this.phase) {
        case 'done':
          return data;
        case 'close':
          this.keep(data);
          return undefined;
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, data.length);
          if (take > 0) this.keep(data.subarray(0, take));
          this.remaining -= take;
          data = data.subarray(take);
          if (this.remaining > 0) return undefined;
          this.phase = this.phase === 'length' ? 'done' : 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (data.length < 2) {
            this.partial = data;
            return undefined;
          }
          if (data[0] !== 13 || data[1] !== 10) throw new Http1ProtocolError('chunk not followed by CRLF');
          data = data.subarray(2);
          this.phase = 'chunk-size';
          break;
        }
        case 'chunk-size':
        case 'trailers': {
          const end = data.indexOf('\r\n');
          const limit = this.phase === 'chunk-size' ? MAX_CHUNK_LINE : MAX_TRAILER_LINE;
          if (end < 0) {
            if (data.length > limit) throw new Http1ProtocolError(`${this.phase} line too long`);
            this.partial = data;
            return undefined;
          }
          const line = data.toString('latin1', 0, end);
          data = data.subarray(end + 2);
          if (this.phase === 'trailers') {
            if (line === '') this.phase = 'done'; // else a trailer field: ignored
            break;
          }
          const size = (line.split(';', 1)[0] ?? '').trim();
          if (!HEX.test(size)) throw new Http1ProtocolError(`bad chunk size ${JSON.stringify(size.slice(0, 20))}`);
          this.remaining = Number.parseInt(size, 16);
          this.ensureRoom(this.size + this.remaining);
          this.phase = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
      }
    }
  }

  /** The connection ended: true if that completes the body (framed by the end of the connection). */
  end(): boolean {
    if (this.phase === 'close') this.phase = 'done';
    return this.phase === 'done';
  }

  private keep(part: Buffer): void {
    this.ensureRoom(this.size + part.length);
    this.parts.push(part);
    this.size += part.length;
  }

  private ensureRoom(size: number): void {
    if (size > this.maxBytes) {
      throw new Http1ProtocolError(`body exceeds the limit of ${this.maxBytes} bytes`, 413);
    }
  }
}

/** What a message's header fields say about its framing and its connection. */
export interface FramingFields {
  /** `Content-Length` (repeats must agree). */
  readonly length: number | undefined;
  /** `Transfer-Encoding` lower-cased, '' when absent. */
  readonly transferEncoding: string;
  /** `Connection: close`, or HTTP/1.0 without `Connection: keep-alive` (RFC 9112 9.3). */
  readonly close: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LENGTH = /^\d{1,15}$/;

/**
 * Walks the header field lines of `head` (the head without its final CRLF CRLF) from offset `start`: each field to
 * `visit`, its name lower-cased and its value trimmed, and the fields that frame the body. A line that is not
 * `token ":" value` (whitespace before the colon, an obsolete line folding) is refused (RFC 9112 5.1-5.2).
 */
export function readFields(
  head: string,
  start: number,
  http10: boolean,
  visit?: (name: string, value: string) => void,
): FramingFields {
  let length: number | undefined;
  let transferEncoding = '';
  let asksClose = false;
  let asksKeepAlive = false;
  while (start < head.length) {
    const found = head.indexOf('\r\n', start);
    const end = found < 0 ? head.length : found;
    const colon = head.indexOf(':', start);
    const name = colon > start && colon < end ? head.slice(start, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) {
      throw new Http1ProtocolError(`bad header line ${JSON.stringify(head.slice(start, Math.min(end, start + 80)))}`);
    }
    const value = head.slice(colon + 1, end).trim();
    if (name === 'content-length') {
      for (const part of value.split(',')) {
        const given = part.trim();
        if (!LENGTH.test(given) || (length !== undefined && length !== Number(given))) {
          throw new Http1ProtocolError(`bad Content-Length ${JSON.stringify(value.slice(0, 40))}`);
        }
        length = Number(given);
      }
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding ? `${transferEncoding}, ${value.toLowerCase()}` : value.toLowerCase();
    } else if (name === 'connection') {
      for (const option of value.toLowerCase().split(',')) {
        const o = option.trim();
        if (o === 'close') asksClose = true;
        else if (o === 'keep-alive') asksKeepAlive = true;
      }
    }
    visit?.(name, value);
    start = end + 2;
  }
  return { length, transferEncoding, close: asksClose || (http10 && !asksKeepAlive) };
}

/** Whether chunked is the final transfer coding (RFC 9112 6.3: then, and only then, the body is chunked). */
export function chunkedLast(transferEncoding: string): boolean {
  return transferEncoding.split(',').pop()?.trim() === 'chunked';
}
