import { type BodyFraming, chunkedLast, Http1BodyReader, Http1ProtocolError, readFields } from './http1-framing';

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

export { Http1ProtocolError };

/** A response head larger than this is refused (Go's net/http server default MaxHeaderBytes is 1 MiB; Pushgateway's are < 1 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const EMPTY = Buffer.alloc(0);

/** Reads one response. `feed` each chunk received; it returns the response once complete, `undefined` before. */
export class Http1ResponseReader {
  /** Bytes of the head not complete yet. */
  private pending: Buffer = EMPTY;
  /** Set once the head is read. */
  private body: Http1BodyReader | undefined;
  private done = false;
  private status = 0;
  private contentType = '';
  private keepAlive = false;
  private framing: BodyFraming = { kind: 'none' };
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
    if (this.done) {
      this.surplus += chunk.length;
      return undefined;
    }
    let data = chunk;
    while (!this.body) {
      data = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
      const end = data.indexOf(CRLF_CRLF);
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) throw new Http1ProtocolError('response head too large');
        this.pending = data;
        return undefined;
      }
      const head = data.toString('latin1', 0, end);
      this.pending = EMPTY;
      data = data.subarray(end + 4);
      // An interim 1xx response: the final one follows.
      if (this.readHead(head)) this.body = new Http1BodyReader(this.framing);
    }
    const rest = this.body.feed(data);
    if (rest === undefined) return undefined;
    this.surplus += rest.length;
    return this.finish();
  }

  /** The connection ended: completes a body framed by the connection's end; any other unfinished response is cut. */
  end(): Http1Response | undefined {
    if (this.done) return undefined;
    if (this.body?.end()) return this.finish();
    throw new Http1ProtocolError(
      this.received === 0 ? 'connection closed before any answer' : 'connection closed in the middle of the answer',
    );
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
    const fields = readFields(head, lineEnd < 0 ? head.length : lineEnd + 2, http10, (name, value) => {
      if (name === 'content-type') this.contentType = value;
    });
    const { length } = fields;
    const chunked = fields.transferEncoding !== '';
    if (chunked && !chunkedLast(fields.transferEncoding)) {
      throw new Http1ProtocolError(`unsupported Transfer-Encoding ${fields.transferEncoding}`);
    }
    let close = fields.close;
    this.status = status;
    // RFC 9112 6.3: no body for HEAD, 204 and 304; chunked wins over Content-Length; else the length; else the close.
    if (this.method === 'HEAD' || status === 204 || status === 304) this.framing = { kind: 'none' };
    else if (chunked) this.framing = { kind: 'chunked' };
    else if (length !== undefined) this.framing = { kind: 'length', length };
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
    this.done = true;
    return {
      status: this.status,
      contentType: this.contentType,
      bytes: this.body?.bytes ?? EMPTY,
      keepAlive: this.keepAlive && this.surplus === 0,
    };
  }
}
