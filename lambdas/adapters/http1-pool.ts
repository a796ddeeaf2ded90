import * as net from 'node:net';
import * as tls from 'node:tls';
import { type Http1Response, Http1ResponseReader } from './http1-response';

/**
 * Kept-alive HTTP/1.1 connections to one origin, one request at a time on each: the replica client's transport.
 *
 * Why not node:http: with a push's work as small as it is, node:http's client (ClientRequest, Agent bookkeeping,
 * IncomingMessage streams) was the largest single cost of the ingestion hop. Measured interleaved against two real
 * Pushgateways, a bare fan-out proxy cost 1.17-1.18x the client writing both replicas itself through node:http and
 * 1.05x through these sockets (session 20, FACTS.md "Replica client"). What is kept from node:http's behaviour, each
 * tested against a real Pushgateway behind breaking links (pushgateway-link-faults.test.ts,
 * pushgateway-idle-connections.test.ts, pushgateway-tls.test.ts): at most `maxConnections` per origin and a queue
 * beyond; an idle timeout per request (`socket.setTimeout`, as http.request's `timeout`); idle sockets unref'd;
 * TLS with SNI and host name check (tls.connect's defaults).
 */

export interface Http1Request {
  readonly method: string;
  /** Path and query, already percent-encoded. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** A request failed; says how far it got, which decides whether the server may have acted on it. */
export class Http1RequestError extends Error {
  override readonly name = 'Http1RequestError';
  constructor(
    message: string,
    /** The socket error's code (`ECONNREFUSED`, `ECONNRESET`, a TLS verify code ...), '' when none. */
    readonly code: string,
    /** Whether the connection was established (TCP, and TLS when https): only then may bytes have reached the server. */
    readonly sent: boolean,
    /** Whether the connection had carried a request before this one. */
    readonly reused: boolean,
    /** Whether any byte of an answer arrived. */
    readonly answered: boolean,
  ) {
    super(message);
  }
}

export interface Http1PoolOptions {
  /** `http:` or `https:` origin. */
  readonly origin: URL;
  /** Idle time after which a request in flight is given up (its connection destroyed). */
  readonly timeoutMs: number;
  readonly maxConnections: number;
  /** Trusted CA (PEM) for https, partial chains allowed; Node's public roots when absent. */
  readonly ca?: string;
}

/** Characters a request line's target or a header value must not hold (they would split the message). */
const UNSAFE_TARGET = /[^\x21-\x7e]/;
const UNSAFE_VALUE = /[\r\n\0]/;

interface InFlight {
  readonly reader: Http1ResponseReader;
  readonly reused: boolean;
  resolve(response: Http1Response): void;
  reject(error: Http1RequestError): void;
}

class Connection {
  readonly socket: net.Socket;
  connected = false;
  uses = 0;
  current: InFlight | undefined;

  constructor(
    private readonly pool: Http1Pool,
    options: Http1PoolOptions,
  ) {
    const { origin } = options;
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const secure = origin.protocol === 'https:';
    const port = Number(origin.port || (secure ? 443 : 80));
    const ready = secure ? 'secureConnect' : 'connect';
    this.socket = secure
      ? tls.connect({
          host,
          port,
          // SNI only for names (RFC 6066 3); the certificate is checked against the host either way.
          ...(net.isIP(host) === 0 ? { servername: host } : {}),
          ...(options.ca === undefined ? {} : { ca: options.ca, allowPartialTrustChain: true }),
        })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.once(ready, () => {
      this.connected = true;
    });
    this.socket.on('data', (chunk: Buffer) => this.data(chunk));
    this.socket.on('end', () => this.ended());
    this.socket.on('timeout', () => this.fail(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT'));
    this.socket.on('error', (error: NodeJS.ErrnoException) =>
      this.fail(error.message || error.code || 'socket error', error.code ?? ''),
    );
    this.socket.on('close', () => {
      this.fail('connection closed', 'ECONNRESET');
      this.pool.closed(this);
    });
  }

  send(request: Http1Request, head: string, timeoutMs: number): Promise<Http1Response> {
    const reused = this.uses > 0;
    this.uses++;
    return new Promise((resolve, reject) => {
      this.current = { reader: new Http1ResponseReader(request.method), reused, resolve, reject };
      this.socket.ref();
      this.socket.setTimeout(timeoutMs);
      const body = request.body;
      if (body === undefined || body.byteLength === 0) this.socket.write(head);
      else {
        this.socket.cork();
        this.socket.write(head);
        this.socket.write(body);
        this.socket.uncork();
      }
    });
  }

  private data(chunk: Buffer): void {
    this.read(
      (reader) => reader.feed(chunk),
      () => 'EPROTO',
    );
  }

  private ended(): void {
    // Before any answer on a reused connection this is the kept-alive race: the server closed it as it went idle.
    this.read(
      (reader) => reader.end(),
      (reader) => (reader.started ? 'EPROTO' : 'ECONNRESET'),
    );
  }

  /** Hands what arrived (bytes, or the connection's end) to the request in flight; without one, drops the connection. */
  private read(
    step: (reader: Http1ResponseReader) => Http1Response | undefined,
    failureCode: (reader: Http1ResponseReader) => string,
  ): void {
    const current = this.current;
    if (!current) {
      // Bytes nobody asked for lose the connection's framing; an end while idle closes it.
      this.socket.destroy();
      return;
    }
    let response: Http1Response | undefined;
    try {
      response = step(current.reader);
    } catch (error) {
      this.fail((error as Error).message, failureCode(current.reader));
      return;
    }
    if (response) this.complete(current, response);
  }

  private complete(current: InFlight, response: Http1Response): void {
    this.current = undefined;
    current.resolve(response);
    if (response.keepAlive && current.reader.extra === 0 && !this.socket.destroyed) {
      this.socket.setTimeout(0);
      this.socket.unref();
      this.pool.released(this);
    } else this.socket.destroy();
  }

  /** Fails the request in flight, if any, and drops the connection. */
  fail(message: string, code: string): void {
    const current = this.current;
    this.current = undefined;
    if (!this.socket.destroyed) this.socket.destroy();
    current?.reject(new Http1RequestError(message, code, this.connected, current.reused, current.reader.started));
  }
}

/** The kept-alive connections to one origin. */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<(connection: Connection) => void> = [];
  private open = 0;
  private readonly host: string;

  constructor(private readonly options: Http1PoolOptions) {
    if (options.origin.protocol !== 'http:' && options.origin.protocol !== 'https:') {
      throw new Error(`${options.origin.href}: not an http or https URL`);
    }
    this.host = options.origin.host;
  }

  /** One request on an idle connection (the most recently used), a new one, or the next freed when all are busy. */
  async request(request: Http1Request): Promise<Http1Response> {
    const head = this.head(request);
    let connection = this.idle.pop();
    // One closed by its peer while idle is dropped as it closes; until then it is skipped.
    while (connection?.socket.destroyed) connection = this.idle.pop();
    connection ??= this.open < this.options.maxConnections ? this.connect() : await this.next();
    return connection.send(request, head, this.options.timeoutMs);
  }

  /** Closes every idle connection (a request that found one dead suspects the others). */
  dropIdle(): void {
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  /** @internal a connection finished its request and may carry another */
  released(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }

  /** @internal a connection is gone */
  closed(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.open--;
    const next = this.waiting.shift();
    if (next) next(this.connect());
  }

  private connect(): Connection {
    this.open++;
    return new Connection(this, this.options);
  }

  private next(): Promise<Connection> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private head(request: Http1Request): string {
    if (UNSAFE_TARGET.test(request.path) || !request.path.startsWith('/')) {
      throw new Http1RequestError(
        `request path ${JSON.stringify(request.path)} is not a valid target`,
        'EINVAL',
        false,
        false,
        false,
      );
    }
    let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    for (const [name, value] of Object.entries(request.headers)) {
      if (UNSAFE_VALUE.test(value)) {
        throw new Http1RequestError(`header ${name} holds a line break or NUL`, 'EINVAL', false, false, false);
      }
      head += `${name}: ${value}\r\n`;
    }
    return `${head}Content-Length: ${request.body?.byteLength ?? 0}\r\n\r\n`;
  }
}
