import {
  type BodyFraming,
  chunkedLast,
  Http1BodyReader,
  Http1ProtocolError,
  readFields,
} from '../adapters/http1-framing';

/**
 * HTTP/1.1 requests read from a byte stream (RFC 9112): request line, header fields, then a body framed by
 * `Transfer-Encoding: chunked` or `Content-Length` (none without either, section 6.3). Fed whatever the socket
 * delivers, split anywhere, one request after another on one connection; pure, so it is tested on arbitrary splits
 * against what real clients write (http1-request.test.ts, http1-server.test.ts). What a server must refuse is
 * thrown as an {@link Http1ProtocolError} carrying the status to answer before closing the connection.
 */

export interface Http1IncomingRequest {
  readonly method: string;
  /** The request-target as sent (origin form: path and query, still percent-encoded). */
  readonly target: string;
  /** Header fields, names lower-cased; a repeated field's values joined with ", ", except the first-wins ones. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** HTTP/1.0 (the answer is then written as 1.1, which a 1.0 client reads: RFC 9110 2.5). */
  readonly http10: boolean;
  /** Whether the connection may carry another request after this one's answer. */
  readonly keepAlive: boolean;
}

export interface Http1RequestLimits {
  /** Larger request line plus header fields → 431 (node:http's default is 16 KiB). */
  readonly maxHeadBytes: number;
  /** Larger body → 413, from `Content-Length` before any of it is read, or as chunks arrive. */
  readonly maxBodyBytes: number;
}

/** Fields of which a repeat keeps the first value (as node:http does): joining them would make a new value. */
const FIRST_WINS = new Set(['content-length', 'content-encoding', 'expect']);
/** Fields of which a repeat makes the request ambiguous (RFC 9112 3.2: Host): refused rather than guessed. */
const NOT_REPEATED = new Set(['host', 'authorization', 'content-type']);

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) HTTP\/(\d)\.(\d)$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

interface Head {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly http10: boolean;
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
}

export class Http1RequestReader {
  /** Bytes received and not yet part of a request returned. */
  private pending: Buffer = EMPTY;
  /** The request whose head is read, and its body so far. */
  private current: { readonly head: Head; readonly body: Http1BodyReader } | undefined;
  private continued = false;

  constructor(private readonly limits: Http1RequestLimits) {}

  /**
   * Whether the request being read asked for `100 Continue` and has not been told yet: the server answers it once,
   * then sends the body (RFC 9110 10.1.1). Reading it marks it told.
   */
  takeContinue(): boolean {
    if (!this.current?.head.expectContinue || this.continued || this.current.body.complete) return false;
    this.continued = true;
    return true;
  }

  /** Whether part of a request's head arrived and not all of it. */
  get headInProgress(): boolean {
    return this.current === undefined && this.pending.length > 0;
  }

  /** Whether part of a request arrived and is not complete. */
  get inProgress(): boolean {
    return this.current !== undefined || this.pending.length > 0;
  }

  /**
   * Takes bytes received (none: look again at what is buffered) and returns the next complete request, if any. Bytes
   * after it stay for the next call: call again with none until it returns `undefined`.
   */
  feed(chunk: Buffer = EMPTY): Http1IncomingRequest | undefined {
    let data =
      this.pending.length === 0 ? chunk : chunk.length === 0 ? this.pending : Buffer.concat([this.pending, chunk]);
    this.pending = EMPTY;
    if (!this.current) {
      // RFC 9112 2.2: empty lines before a request line are ignored.
      let from = 0;
      while (data[from] === 13 && data[from + 1] === 10) from += 2;
      if (from > 0) data = data.subarray(from);
      const end = data.indexOf(CRLF_CRLF);
      if (end < 0) {
        if (data.length > this.limits.maxHeadBytes)
          throw new Http1ProtocolError('request header fields too large', 431);
        this.pending = data;
        return undefined;
      }
      if (end > this.limits.maxHeadBytes) throw new Http1ProtocolError('request header fields too large', 431);
      const { head, framing } = readHead(data.toString('latin1', 0, end));
      this.current = { head, body: new Http1BodyReader(framing, this.limits.maxBodyBytes) };
      data = data.subarray(end + 4);
    }
    const { head, body } = this.current;
    const rest = body.feed(data);
    if (rest === undefined) return undefined;
    const { method, target, headers, http10, keepAlive } = head;
    const request = { method, target, headers, body: body.bytes, http10, keepAlive };
    this.pending = rest;
    this.current = undefined;
    this.continued = false;
    return request;
  }
}

function readHead(text: string): { head: Head; framing: BodyFraming } {
  const lineEnd = text.indexOf('\r\n');
  const line = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const parts = REQUEST_LINE.exec(line);
  if (!parts) throw new Http1ProtocolError(`bad request line ${JSON.stringify(line.slice(0, 80))}`);
  const [, method = '', target = '', major, minor] = parts;
  if (major !== '1' || (minor !== '0' && minor !== '1')) {
    throw new Http1ProtocolError(`HTTP/${major}.${minor} is not supported`, 505);
  }
  // Origin form only: the absolute and authority forms are for proxies, the asterisk for OPTIONS of the server.
  if (!target.startsWith('/')) {
    throw new Http1ProtocolError(`request target must be a path, got ${JSON.stringify(target.slice(0, 80))}`);
  }
  const http10 = minor === '0';
  const headers: Record<string, string> = {};
  const fields = readFields(text, lineEnd < 0 ? text.length : lineEnd + 2, http10, (name, value) => {
    const before = headers[name];
    if (before === undefined) headers[name] = value;
    else if (NOT_REPEATED.has(name)) throw new Http1ProtocolError(`more than one ${name} header field`);
    else if (!FIRST_WINS.has(name)) headers[name] = `${before}, ${value}`;
  });
  if (!http10 && headers.host === undefined) throw new Http1ProtocolError('missing Host header field');
  const { length, transferEncoding } = fields;
  let framing: BodyFraming;
  if (transferEncoding !== '') {
    // RFC 9112 6.1: with both, the message may be a smuggling attempt; node:http refuses it the same.
    if (length !== undefined) throw new Http1ProtocolError('both Transfer-Encoding and Content-Length');
    if (!chunkedLast(transferEncoding)) throw new Http1ProtocolError('the final transfer coding is not chunked');
    if (transferEncoding !== 'chunked') {
      throw new Http1ProtocolError(`transfer coding ${JSON.stringify(transferEncoding)} is not implemented`, 501);
    }
    framing = { kind: 'chunked' };
  } else framing = { kind: 'length', length: length ?? 0 };
  const expect = headers.expect?.toLowerCase();
  if (expect !== undefined && expect !== '100-continue') {
    throw new Http1ProtocolError(`expectation ${JSON.stringify(expect)} cannot be met`, 417);
  }
  return {
    head: {
      method,
      target,
      headers,
      http10,
      keepAlive: !fields.close,
      expectContinue: expect === '100-continue' && !http10,
    },
    framing,
  };
}
