/**
 * An HTTP/1.1 response read from a byte stream (RFC 9112): status line, header fields, then a body framed by
 * `Transfer-Encoding: chunked`, by `Content-Length`, or by the end of the connection (sections 6.1-6.3 and 7.1).
 * Fed whatever the socket delivers, split anywhere; pure, so it is tested on arbitrary splits against responses
 * written by real servers (node:http, Pushgateway) in http1-response.test.ts.
 */

export interface Http1Response {
  readonly status: number;
  /** `Content-Type`, or '' when absent. */
  readonly contentType: string;
  readonly bytes: Buffer;
  /** Whether the connection may carry another request (HTTP/1.1 without `Connection: close`, length-framed body). */
  readonly keepAlive: boolean;
}

/** The bytes are not an HTTP/1.x response this reader can frame. */
export class Http1ProtocolError extends Error {
  override readonly name = 'Http1ProtocolError';
}

/** A response head larger than this is refused (Go's net/http server default MaxHeaderBytes is 1 MiB; Pushgateway's are < 1 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line longer than this is refused (hex size plus extensions). */
const MAX_CHUNK_LINE = 4096;

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEX = /^[0-9a-fA-F]+$/;

type Framing =
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' }
  | { readonly kind: 'none' };

type Phase = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

/** Reads one response. `feed` each chunk received; it returns the response once complete, `undefined` before. */
export class Http1ResponseReader {
  private phase: Phase = 'head';
  private pending: Buffer = Buffer.alloc(0);
  private readonly body: Buffer[] = [];
  private status = 0;
  private contentType = '';
  private keepAlive = false;
  private framing: Framing = { kind: 'none' };
  private chunkRemaining = 0;
  /** Bytes received after the response ended (a server must not send any unasked). */
  private surplus = 0;
  private received = 0;

  /** @param method the request's, since a response to HEAD has no body whatever its header fields say */
  constructor(private readonly method: string) {}

  /** Whether any byte of the response arrived. */
  get started(): boolean {
    return this.received > 0;
  }

  /** Bytes that arrived after the response was complete. */
  get extra(): number {
    return this.surplus;
  }

  feed(chunk: Buffer): Http1Response | undefined {
    this.received += chunk.length;
    if (this.phase === 'done') {
      this.surplus += chunk.length;
      return undefined;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return this.advance();
  }

  /** The connection ended: completes a body framed by the connection's end; any other unfinished response is cut. */
  end(): Http1Response | undefined {
    if (this.phase === 'done') return undefined;
    if (this.phase === 'body' && this.framing.kind === 'close') {
      this.phase = 'done';
      return this.result();
    }
    throw new Http1ProtocolError(
      this.received === 0 ? 'connection closed before any answer' : 'connection closed in the middle of the answer',
    );
  }

  private advance(): Http1Response | undefined {
    for (;;) {
      switch (this.phase) {
        case 'head': {
          const end = this.pending.indexOf(CRLF_CRLF);
          if (end < 0) {
            if (this.pending.length > MAX_HEAD_BYTES) throw new Http1ProtocolError('response head too large');
            return undefined;
          }
          const head = this.pending.toString('latin1', 0, end);
          this.pending = this.pending.subarray(end + 4);
          if (!this.readHead(head)) continue; // an interim 1xx response: the final one follows
          if (this.framing.kind === 'none' || (this.framing.kind === 'length' && this.framing.remaining === 0)) {
            return this.finish();
          }
          this.phase = this.framing.kind === 'chunked' ? 'chunk-size' : 'body';
          break;
        }
        case 'body': {
          if (this.framing.kind === 'length') {
            const take = Math.min(this.framing.remaining, this.pending.length);
            if (take > 0) this.body.push(this.pending.subarray(0, take));
            this.framing.remaining -= take;
            this.pending = this.pending.subarray(take);
            if (this.framing.remaining === 0) return this.finish();
            return undefined;
          }
          if (this.pending.length > 0) this.body.push(this.pending);
          this.pending = Buffer.alloc(0);
          return undefined;
        }
        case 'chunk-size': {
          const line = this.line(MAX_CHUNK_LINE, 'chunk size line too long');
          if (line === undefined) return undefined;
          const size = (line.split(';', 1)[0] ?? '').trim();
          if (!HEX.test(size) || size.length > 8)
            throw new Http1ProtocolError(`bad chunk size ${JSON.stringify(size)}`);
          this.chunkRemaining = Number.parseInt(size, 16);
          this.phase = this.chunkRemaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.chunkRemaining, this.pending.length);
          if (take > 0) this.body.push(this.pending.subarray(0, take));
          this.chunkRemaining -= take;
          this.pending = this.pending.subarray(take);
          if (this.chunkRemaining > 0) return undefined;
          this.phase = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (this.pending.length < 2) return undefined;
          if (this.pending[0] !== 13 || this.pending[1] !== 10)
            throw new Http1ProtocolError('chunk not followed by CRLF');
          this.pending = this.pending.subarray(2);
          this.phase = 'chunk-size';
          break;
        }
        case 'trailers': {
          const line = this.line(MAX_HEAD_BYTES, 'trailer section too large');
          if (line === undefined) return undefined;
          if (line === '') return this.finish();
          break; // a trailer field: ignored
        }
        case 'done':
          return undefined;
      }
    }
  }

  /** The next CRLF-terminated line of `pending`, consumed; `undefined` until it is complete. */
  private line(limit: number, tooLong: string): string | undefined {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) {
      if (this.pending.length > limit) throw new Http1ProtocolError(tooLong);
      return undefined;
    }
    const text = this.pending.toString('latin1', 0, end);
    this.pending = this.pending.subarray(end + 2);
    return text;
  }

  /** Reads a response head; false for an interim (1xx) response. Looks only at the fields that frame the body. */
  private readHead(head: string): boolean {
    const lineEnd = head.indexOf('\r\n');
    const statusLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
    const parts = STATUS_LINE.exec(statusLine);
    if (!parts) throw new Http1ProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
    const http10 = parts[1] === '0';
    const status = Number(parts[2]);
    if (status === 101) throw new Http1ProtocolError('unexpected protocol switch (101)');
    if (status < 200) return false;
    let length: number | undefined;
    let chunked = false;
    let close = http10;
    for (let start = lineEnd + 2; lineEnd >= 0 && start <= head.length; ) {
      const found = head.indexOf('\r\n', start);
      const end = found < 0 ? head.length : found;
      const colon = head.indexOf(':', start);
      if (colon <= start || colon > end) {
        throw new Http1ProtocolError(`bad header line ${JSON.stringify(head.slice(start, Math.min(end, start + 80)))}`);
      }
      // Only names of a length that can match are lowercased (Date, Server ... are skipped unread).
      const size = colon - start;
      const name =
        size === 14 || size === 17 || size === 10 || size === 12 ? head.slice(start, colon).toLowerCase() : '';
      if (name !== '') {
        const value = head.slice(colon + 1, end).trim();
        if (name === 'content-length') {
          if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
            throw new Http1ProtocolError(`bad Content-Length ${JSON.stringify(value)}`);
          }
          length = Number(value);
        } else if (name === 'transfer-encoding') {
          const codings = value.toLowerCase().split(',');
          if (codings[codings.length - 1]?.trim() !== 'chunked') {
            throw new Http1ProtocolError(`unsupported Transfer-Encoding ${value}`);
          }
          chunked = true;
        } else if (name === 'connection') {
          const options = value
            .toLowerCase()
            .split(',')
            .map((option) => option.trim());
          if (options.includes('close')) close = true;
          else if (http10 && options.includes('keep-alive')) close = false;
        } else if (name === 'content-type') {
          this.contentType = value;
        }
      }
      start = end + 2;
    }
    this.status = status;
    // RFC 9112 6.3: no body for HEAD, 204 and 304; chunked wins over Content-Length; else the length; else the close.
    if (this.method === 'HEAD' || status === 204 || status === 304) this.framing = { kind: 'none' };
    else if (chunked) this.framing = { kind: 'chunked' };
    else if (length !== undefined) this.framing = { kind: 'length', remaining: length };
    else {
      this.framing = { kind: 'close' };
      close = true;
    }
    // A message with both is a smuggling attempt or a broken intermediary: not reused (RFC 9112 6.1).
    if (chunked && length !== undefined) close = true;
    this.keepAlive = !close;
    return true;
  }

  private finish(): Http1Response {
    this.phase = 'done';
    this.surplus += this.pending.length;
    this.pending = Buffer.alloc(0);
    return this.result();
  }

  private result(): Http1Response {
    return {
      status: this.status,
      contentType: this.contentType,
      bytes: this.body.length === 1 ? (this.body[0] as Buffer) : Buffer.concat(this.body),
      keepAlive: this.keepAlive && this.surplus === 0,
    };
  }
}
