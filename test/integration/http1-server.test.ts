import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Http1ResponseReader } from '../../lambdas/adapters/http1-response';
import { type Http1Answer, type Http1Handler, Http1Server } from '../../lambdas/local/http1-server';
import { requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * The local push server (http1-server.ts, http1-request.ts) against real clients: node:http's own framing of
 * arbitrary bodies (Content-Length and chunked) on kept-alive connections; fetch; curl with `Expect: 100-continue`;
 * and raw bytes for what clients rarely do (pipelining, HTTP/1.0, a half-closed connection, a refused request while
 * the client is still sending, a head that never ends). Python's and Go's Prometheus clients push through it in
 * push-clients.test.ts.
 */

jest.setTimeout(60_000);

const { curl } = requireBinaries(['curl']);

const run = promisify(execFile);

interface Running {
  readonly server: Http1Server;
  readonly port: number;
  readonly connections: { opened: number };
}

const open: Http1Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A server answering with what it read: method, target, a digest of the body, its length. */
const echo: Http1Handler = (request) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    method: request.method,
    target: request.target,
    sha: createHash('sha256').update(request.body).digest('hex'),
    length: request.body.length,
    header: request.headers['x-test'] ?? null,
  }),
});

async function start(
  handler: Http1Handler = echo,
  options: ConstructorParameters<typeof Http1Server>[1] = {},
): Promise<Running> {
  const server = new Http1Server(handler, options);
  open.push(server);
  const port = await server.listen(0, '127.0.0.1');
  // Connections counted from outside: the server's own listener is not exposed.
  const connections = { opened: 0 };
  const counting = server as unknown as { server: net.Server };
  counting.server.on('connection', () => connections.opened++);
  return { server, port, connections };
}

/** Writes `parts` on one connection (each once the previous is written) and returns every byte until it closes. */
function raw(port: number, parts: readonly (string | Buffer)[], { halfClose = false } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', async () => {
      for (const part of parts) await new Promise<void>((done) => socket.write(part, () => done()));
      if (halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The answers in `wire`, in order. */
function answers(wire: Buffer, method = 'GET'): Array<{ status: number; body: string }> {
  const found: Array<{ status: number; body: string }> = [];
  let rest = wire;
  while (rest.length > 0) {
    const reader = new Http1ResponseReader(method);
    let cut = 0;
    let response: ReturnType<Http1ResponseReader['feed']>;
    // Fed a byte at a time so the reader stops at the answer's end; the rest is the next answer.
    while (!response && cut < rest.length) response = reader.feed(rest.subarray(cut, ++cut));
    if (!response) throw new Error(`an unfinished answer: ${rest.toString('latin1').slice(0, 200)}`);
    found.push({ status: response.status, body: response.bytes.toString() });
    rest = rest.subarray(cut);
  }
  return found;
}

describe('Http1Server', () => {
  it("reads node:http's framing of arbitrary bodies, chunked or by length, on kept-alive connections (property)", async () => {
    const { port, connections } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 70_000 }),
          fc.boolean(),
          fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 4 }),
          async (body, chunked, pieces) => {
            const answer = await new Promise<string>((resolve, reject) => {
              const request = http.request(
                {
                  port,
                  host: '127.0.0.1',
                  method: 'PUT',
                  path: '/metrics/job/p%2Fq?x=1',
                  agent,
                  headers: { 'x-test': 'v', ...(chunked ? {} : { 'content-length': body.length }) },
                },
                (response) => {
                  const parts: Buffer[] = [];
                  response.on('data', (part: Buffer) => parts.push(part));
                  response.on('end', () => resolve(Buffer.concat(parts).toString()));
                },
              );
              request.on('error', reject);
              // Written in pieces: node:http sends each as a chunk when no length is given.
              let at = 0;
              for (let i = 0; at < body.length; i++) {
                const size = pieces[i % pieces.length] ?? 1;
                request.write(body.subarray(at, at + size));
                at += size;
              }
              request.end();
            });
            expect(JSON.parse(answer)).toEqual({
              method: 'PUT',
              target: '/metrics/job/p%2Fq?x=1',
              sha: createHash('sha256').update(body).digest('hex'),
              length: body.length,
              header: 'v',
            });
          },
        ),
        { numRuns: 60 },
      );
      expect(connections.opened).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('serves fetch, and HEAD with the length and no body', async () => {
    // Connections are not counted here: undici opens a second one after its first request whatever the server
    // (node:http's too); the property above counts node:http's.
    const { port } = await start();
    for (let i = 1; i <= 5; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/a/${i}`, { method: 'POST', body: 'x'.repeat(i) });
      expect(((await response.json()) as { target: string; length: number }).length).toBe(i);
      expect(response.headers.get('date')).toMatch(/GMT$/);
    }
    const head = answers(await raw(port, ['HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']), 'HEAD');
    expect(head).toEqual([{ status: 200, body: '' }]);
  });

  it('answers pipelined requests in order, each after its own handler, slow or fast', async () => {
    const order: string[] = [];
    const { port } = await start(async (request) => {
      // The first waits longest: the answers must still come in the order asked.
      const wait = request.target === '/1' ? 60 : request.target === '/2' ? 1 : 20;
      await new Promise((resolve) => setTimeout(resolve, wait));
      order.push(request.target);
      return { status: 200, headers: {}, body: request.target };
    });
    const wire = await raw(port, [
      'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nPUT /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
    ]);
    expect(answers(wire)).toEqual([
      { status: 200, body: '/1' },
      { status: 200, body: '/2' },
      { status: 200, body: '/3' },
    ]);
    expect(order).toEqual(['/1', '/2', '/3']);
  });

  it('closes an HTTP/1.0 connection after its answer, and answers every request of a client that half-closed after asking', async () => {
    const { port } = await start();
    const wire = await raw(port, ['GET /old HTTP/1.0\r\n\r\n']);
    expect(wire.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n/);
    // A handler slower than the client's end: the end arrives while the first request is being answered.
    const slow = await start(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return echo(request);
    });
    const half = await raw(
      slow.port,
      ['PUT /half HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nzGET /then HTTP/1.1\r\nHost: x\r\n\r\n'],
      { halfClose: true },
    );
    expect(answers(half).map((a) => [a.status, JSON.parse(a.body).target])).toEqual([
      [200, '/half'],
      [200, '/then'],
    ]);
  });

  it("says 100 Continue to curl's Expect, and takes the body then", async () => {
    const { port } = await start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http1-server-'));
    try {
      const file = path.join(dir, 'body');
      const body = Buffer.alloc(300_000, 'b');
      fs.writeFileSync(file, body);
      const { stdout, stderr } = await run(curl, [
        '-sS',
        '-v',
        '-X',
        'PUT',
        '-H',
        'Expect: 100-continue',
        '--data-binary',
        `@${file}`,
        `http://127.0.0.1:${port}/metrics/job/curl`,
      ]);
      expect(stderr).toMatch(/< HTTP\/1\.1 100 Continue/);
      expect(JSON.parse(stdout)).toMatchObject({
        length: body.length,
        sha: createHash('sha256').update(body).digest('hex'),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a body over the limit with 413 before reading it, and the client still sending reads the answer', async () => {
    const { port } = await start(echo, { maxBodyBytes: 1024 });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        { port, host: '127.0.0.1', method: 'PUT', path: '/big', headers: { 'content-length': 4 * 1024 * 1024 } },
        (response) => {
          const parts: Buffer[] = [];
          response.on('data', (part: Buffer) => parts.push(part));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString() }),
          );
        },
      );
      request.on('error', reject);
      // 4 MiB written while the server has already answered: a server closing at once would reset this client.
      request.end(Buffer.alloc(4 * 1024 * 1024));
    });
    expect(answer).toEqual({ status: 413, body: 'body exceeds the limit of 1024 bytes\n' });
  });

  it('refuses ambiguous framing and oversized heads, then closes the connection', async () => {
    const { port } = await start();
    const smuggled = await raw(port, [
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    ]);
    expect(answers(smuggled)).toEqual([{ status: 400, body: 'both Transfer-Encoding and Content-Length\n' }]);
    const huge = await raw(port, [`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(answers(huge)).toEqual([{ status: 431, body: 'request header fields too large\n' }]);
  });

  it('answers 408 to a head or a request trickling past its time limit, and closes idle connections after the keep-alive timeout', async () => {
    const { port } = await start(echo, { requestTimeoutMs: 300, checkIntervalMs: 50, keepAliveTimeoutMs: 400 });
    const slow = await raw(port, ['PUT /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc']);
    expect(answers(slow)).toEqual([{ status: 408, body: 'request timeout\n' }]);
    const slowHead = await start(echo, { headersTimeoutMs: 200, requestTimeoutMs: 60_000, checkIntervalMs: 50 });
    expect(answers(await raw(slowHead.port, ['PUT /slow HTTP/1.1\r\nHost: x\r\n']))).toEqual([
      { status: 408, body: 'request timeout\n' },
    ]);
    const socket = net.connect(port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    // Read (and dropped): a socket nobody reads never sees the server's end.
    socket.resume();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => expect(closed).toBe(true), { timeoutMs: 10_000, intervalMs: 50 });
  });

  it('answers 500 when a handler fails, and reports the error', async () => {
    const errors: unknown[] = [];
    const failing: Http1Handler = async (): Promise<Http1Answer> => {
      throw new Error('boom');
    };
    const { port } = await start(failing, { onError: (error) => errors.push(error) });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect([response.status, await response.text()]).toEqual([500, 'internal error\n']);
    expect(String(errors[0])).toBe('Error: boom');
  });
});
