import { STATUS_CODES } from 'node:http';
import * as net from 'node:net';
import { Http1ProtocolError } from '../adapters/http1-framing';
import { type Http1IncomingRequest, type Http1RequestLimits, Http1RequestReader } from './http1-request';

/**
 * The local push API's HTTP/1.1 server: kept-alive connections, one request at a time on each (pipelined requests
 * wait their turn), every answer framed by Content-Length and written in one piece.
 *
 * Why not node:http: a push is small, and node:http's server (IncomingMessage and ServerResponse streams, their
 * events and header bookkeeping) cost as much again as the replica client it replaced in session 20. Measured
 * interleaved against two real Pushgateways, a bare fan-out proxy served by node:http cost 1.10-1.16x the client
 * writing both replicas itself, and 1.02-1.04x served by this one (session 21, FACTS.md "Local push server"). What
 * is kept from node:http's server, each tested in http1-server.test.ts with real clients (fetch, node:http, curl,
 * Python's and Go's Prometheus clients through push-clients.test.ts): `100 Continue` for `Expect: 100-continue`,
 * HTTP/1.0 and `Connection: close`, pipelining, a keep-alive timeout (65 s), time limits per request head (60 s) and
 * request (300 s) against a client trickling its bytes, 431 for a head over 16 KiB, Transfer-Encoding with Content-Length refused, and a
 * `Date` on every answer. A refused request is answered, then its connection closed once the client stops sending
 * (a "lingering close", RFC 9112 9.6), so a client still sending its body reads the answer instead of a reset.
 */

export interface Http1Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Http1Handler = (request: Http1IncomingRequest) => Http1Answer | Promise<Http1Answer>;

export interface Http1ServerOptions extends Partial<Http1RequestLimits> {
  /** A connection idle this long between requests is closed. @default 65000 (node:http's keepAliveTimeout here) */
  readonly keepAliveTimeoutMs?: number;
  /** A request not complete this long after its first byte is answered 408. @default 300000 (node:http's) */
  readonly requestTimeoutMs?: number;
  /** A request head not complete this long after its first byte is answered 408. @default 60000 (node:http's) */
  readonly headersTimeoutMs?: number;
  /** How often requests are checked against `requestTimeoutMs`. @default 30000 (node:http's) */
  readonly checkIntervalMs?: number;
  /** Called with what a handler threw (the request is answered 500). */
  readonly onError?: (error: unknown) => void;
}

/** node:http's default `maxHeaderSize`. */
const MAX_HEAD_BYTES = 16 * 1024;
/** How long a refused request's connection waits for its client to stop sending. */
const LINGER_MS = 2000;
const UNSAFE_VALUE = /[\r\n\0]/;

let dateSecond = -1;
let dateText = '';
/** The Date field (RFC 9110 6.6.1), formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The answer's bytes: one string, so one write. A HEAD answer has the length of what GET would send, no body. */
export function answerText(answer: Http1Answer, head: boolean, close: boolean, http10: boolean): string {
  let text = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Unknown'}\r\ndate: ${httpDate()}\r\n`;
  for (const name in answer.headers) {
    const value = answer.headers[name] as string;
    if (UNSAFE_VALUE.test(name) || UNSAFE_VALUE.test(value)) throw new Error(`unsafe answer header field ${name}`);
    text += `${name}: ${value}\r\n`;
  }
  text += `content-length: ${Buffer.byteLength(answer.body)}\r\n`;
  if (close) text += 'connection: close\r\n';
  else if (http10) text += 'connection: keep-alive\r\n';
  return head ? `${text}\r\n` : `${text}\r\n${answer.body}`;
}

class ServerConnection {
  readonly reader: Http1RequestReader;
  /** A request is being answered: what arrives meanwhile waits (the socket is paused). */
  private busy = false;
  private waiting: Buffer[] = [];
  /** The client ended its side: once what it sent is answered, the connection is closed. */
  private peerEnded = false;
  private closing = false;
  /** When the request being read began (performance.now()), 0 between requests. */
  startedAt = 0;

  constructor(
    readonly socket: net.Socket,
    private readonly server: Http1Server,
  ) {
    this.reader = new Http1RequestReader(server.limits);
    socket.setNoDelay(true);
    socket.setTimeout(server.keepAliveTimeoutMs);
    socket.on('timeout', () => {
      // Idle between requests, or lingering: closed. A request being answered waits for its handler.
      if (!this.busy) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('end', () => this.ended());
    socket.on('error', () => socket.destroy());
  }

  private received(chunk: Buffer): void {
    if (this.closing) return; // lingering: what the client still sends is dropped
    if (this.busy) {
      this.waiting.push(chunk);
      this.socket.pause();
      return;
    }
    this.next(chunk);
  }

  /** Reads on; answers the next complete request, if there is one. */
  private next(chunk?: Buffer): void {
    let request: Http1IncomingRequest | undefined;
    try {
      request = this.reader.feed(chunk);
    } catch (error) {
      if (error instanceof Http1ProtocolError) this.refuse(error.status, error.message);
      else this.refuse(500, this.server.failed(error).body.trimEnd());
      return;
    }
    if (!request) {
      // A client that ended its side has had every request it sent answered.
      if (this.peerEnded) {
        this.linger();
        return;
      }
      if (this.reader.takeContinue()) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      this.startedAt = this.reader.inProgress ? this.startedAt || performance.now() : 0;
      return;
    }
    this.busy = true;
    this.startedAt = 0;
    let answer: Http1Answer | Promise<Http1Answer>;
    try {
      answer = this.server.handler(request);
    } catch (error) {
      answer = Promise.reject(error);
    }
    if ('then' in answer) {
      answer.then(
        (given) => this.answer(request, given),
        (error: unknown) => this.answer(request, this.server.failed(error)),
      );
    } else this.answer(request, answer);
  }

  private answer(request: Http1IncomingRequest, answer: Http1Answer): void {
    if (this.socket.destroyed) return;
    const close = !request.keepAlive || this.server.closing;
    let text: string;
    try {
      text = answerText(answer, request.method === 'HEAD', close, request.http10);
    } catch (error) {
      text = answerText(this.server.failed(error), request.method === 'HEAD', close, request.http10);
    }
    this.socket.write(text);
    this.busy = false;
    if (close) {
      this.linger();
      return;
    }
    const waiting = this.waiting;
    this.waiting = [];
    this.socket.resume();
    // Pipelined requests already received are answered in turn.
    this.next(waiting.length === 0 ? undefined : waiting.length === 1 ? waiting[0] : Buffer.concat(waiting));
  }

  /** Answers a request the server will not take, then closes the connection. */
  refuse(status: number, message: string): void {
    if (this.socket.destroyed) return;
    this.startedAt = 0;
    this.socket.write(
      answerText(
        { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` },
        false,
        true,
        false,
      ),
    );
    this.linger();
  }

  /** Ends the connection after what was written, reading (and dropping) what the client still sends for a while. */
  private linger(): void {
    this.closing = true;
    this.waiting = [];
    this.socket.resume();
    this.socket.setTimeout(LINGER_MS);
    this.socket.end();
  }

  private ended(): void {
    if (this.closing) this.socket.destroy();
    else if (this.busy) this.peerEnded = true;
    else this.socket.end(); // an unfinished request is dropped with the connection
  }
}

/** Listens on one address; `close` stops listening and drops every connection. */
export class Http1Server {
  readonly limits: Http1RequestLimits;
  readonly keepAliveTimeoutMs: number;
  closing = false;
  private readonly server: net.Server;
  private readonly connections = new Set<ServerConnection>();
  private readonly checker: NodeJS.Timeout;

  constructor(
    readonly handler: Http1Handler,
    private readonly options: Http1ServerOptions = {},
  ) {
    this.limits = {
      maxHeadBytes: options.maxHeadBytes ?? MAX_HEAD_BYTES,
      maxBodyBytes: options.maxBodyBytes ?? Number.POSITIVE_INFINITY,
    };
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 65_000;
    // Half-open: a client may end its side after its request and still read the answer.
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => {
      const connection = new ServerConnection(socket, this);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
    const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    const headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
    this.checker = setInterval(() => {
      const now = performance.now();
      for (const connection of this.connections) {
        const { startedAt, reader } = connection;
        if (startedAt === 0) continue;
        if (startedAt < now - requestTimeoutMs || (reader.headInProgress && startedAt < now - headersTimeoutMs)) {
          connection.refuse(408, 'request timeout');
        }
      }
    }, options.checkIntervalMs ?? 30_000);
    this.checker.unref();
  }

  /** The answer to a request whose handler failed. */
  failed(error: unknown): Http1Answer {
    this.options.onError?.(error);
    return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error\n' };
  }

  /** Listens on `host:port` (0: any free port); resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops listening and destroys every connection (a handler still running finishes; its answer is dropped). */
  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.checker);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    return closed;
  }
}
