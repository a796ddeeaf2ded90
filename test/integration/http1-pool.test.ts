import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import { Http1Pool, Http1RequestError } from '../../lambdas/adapters/http1-pool';
import { Http1ResponseReader } from '../../lambdas/adapters/http1-response';
import { pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * The replica client's transport (http1-pool.ts, http1-response.ts) against real servers: node:http's framing of
 * arbitrary bodies (chunked, Content-Length, end of connection) read back from its bytes split anywhere; a real
 * Pushgateway's large chunked answers read the same as through fetch; and the connection handling node:http's Agent
 * gave (reuse, `Connection: close`, a server closing idle connections, a bound on connections, idle sockets not
 * keeping the process alive).
 */

jest.setTimeout(60_000);

requireBinaries(['pushgateway']);

interface TestServer {
  readonly url: URL;
  readonly stats: { connections: number; closed: number };
  close(): Promise<void>;
}

/** A node:http server counting its connections; `keepAliveTimeout` in ms when given (node's default is 5 s). */
async function serve(handler: http.RequestListener, keepAliveTimeout?: number): Promise<TestServer> {
  const server = http.createServer(handler);
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
  const stats = { connections: 0, closed: 0 };
  server.on('connection', (socket) => {
    stats.connections++;
    socket.on('close', () => stats.closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every byte a server sends for one request written raw, until it closes the connection. */
function rawExchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks));
    });
  });
}

const pool = (url: URL, maxConnections = 8, timeoutMs = 5000) =>
  new Http1Pool({ origin: url, timeoutMs, maxConnections });
const get = (path = '/') => ({ method: 'GET', path, headers: {} });

describe('the HTTP/1.1 response reader on what node:http writes', () => {
  let server: TestServer;
  /** The body and how to write it, for the next request. */
  let next: { body: Uint8Array; pieces: number[]; withLength: boolean } = {
    body: new Uint8Array(),
    pieces: [],
    withLength: false,
  };

  beforeAll(async () => {
    server = await serve((_req, res) => {
      const { body, pieces, withLength } = next;
      if (withLength) res.setHeader('content-length', String(body.length));
      let at = 0;
      for (const size of pieces) {
        if (at >= body.length) break;
        res.write(body.subarray(at, at + size));
        at += size;
      }
      res.end(body.subarray(at));
    });
  });
  afterAll(() => server.close());

  it('recovers every body node:http frames, its bytes split anywhere (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
        fc.constantFrom('chunked', 'length', 'http/1.0'),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (body, pieces, framing, cuts) => {
          next = { body, pieces, withLength: framing === 'length' };
          // HTTP/1.0 without a length: node:http ends the body by closing the connection.
          const version = framing === 'http/1.0' ? '1.0' : '1.1';
          const wire = await rawExchange(
            Number(server.url.port),
            `GET / HTTP/${version}\r\nHost: t\r\nConnection: close\r\n\r\n`,
          );
          if (framing === 'chunked' && pieces.length > 0 && body.length > 0) {
            expect(wire.toString('latin1')).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
          }
          const reader = new Http1ResponseReader('GET');
          let response: ReturnType<Http1ResponseReader['feed']>;
          let from = 0;
          for (const cut of [...cuts.map((c) => c % (wire.length + 1)), wire.length].sort((a, b) => a - b)) {
            response ??= reader.feed(wire.subarray(from, cut));
            from = cut;
          }
          response ??= reader.end();
          expect(response?.status).toBe(200);
          expect(response?.bytes.equals(Buffer.from(body))).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('the replica client reading a real Pushgateway', () => {
  let pushgateway: RunningComponent;
  beforeAll(async () => {
    pushgateway = await startPushgateway();
  });
  afterAll(() => pushgateway?.stop());

  it('reads a large chunked /api/v1/metrics as fetch reads it', async () => {
    const replica = pushgatewayReplica('pushgateway-0', pushgateway.url);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const group = batch * 30 + i;
          const lines = Array.from(
            { length: 1 + (group % 7) * 20 },
            (_, s) => `big_series{shard="${s}",note="${'x'.repeat(group % 50)}"} ${group}.5`,
          );
          return replica.push({
            method: 'PUT',
            path: `/metrics/job/big/instance/g${group}`,
            contentType: 'text/plain; version=0.0.4',
            body: Buffer.from(`${lines.join('\n')}\n`),
          });
        }),
      );
    }
    const viaFetch = await fetch(`${pushgateway.url}/api/v1/metrics`);
    expect(viaFetch.headers.get('content-length')).toBeNull(); // chunked: the framing under test
    const expected = ((await viaFetch.json()) as { data: { labels: Record<string, string>; big_series?: unknown }[] })
      .data;

    const groups = await replica.groups();

    expect(groups).toHaveLength(300);
    const byInstance = new Map(groups.map((g) => [g.key.instance, g.raw.big_series as { metrics: unknown[] }]));
    for (const group of expected) {
      const family = group.big_series as { metrics: unknown[] };
      expect(family.metrics.length).toBeGreaterThan(0);
      expect(byInstance.get(group.labels.instance)?.metrics).toEqual(family.metrics);
    }
  });
});

describe('the connections of an Http1Pool', () => {
  const servers: TestServer[] = [];
  const started = async (...args: Parameters<typeof serve>) => {
    const server = await serve(...args);
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('carries sequential requests on one kept-alive connection', async () => {
    const server = await started((_req, res) => res.end('ok'));
    const client = pool(server.url);
    for (let i = 0; i < 20; i++) expect((await client.request(get())).bytes.toString()).toBe('ok');
    expect(server.stats.connections).toBe(1);
  });

  it('opens a new connection after an answer with Connection: close', async () => {
    const server = await started((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const client = pool(server.url);
    for (let i = 0; i < 5; i++) expect((await client.request(get())).status).toBe(200);
    expect(server.stats.connections).toBe(5);
  });

  it('drops a connection the server closed while idle, and the next request succeeds', async () => {
    const server = await started((_req, res) => res.end('ok'), 50);
    const client = pool(server.url);
    expect((await client.request(get())).status).toBe(200);
    await eventually(() => expect(server.stats.closed).toBe(1), { timeoutMs: 5000, intervalMs: 20 });

    expect((await client.request(get())).status).toBe(200);
    expect(server.stats.connections).toBe(2);
  });

  it('keeps at most maxConnections open, queueing the rest', async () => {
    const server = await started((_req, res) => {
      setTimeout(() => res.end('slow'), 30);
    });
    const client = pool(server.url, 3);
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.request(get())));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
    expect(server.stats.connections).toBe(3);
  });

  it('sends the body with its length, and keeps the connection after a 4xx with a body', async () => {
    const server = await started((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.statusCode = 400;
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${req.url} ${req.headers['content-length']} ${Buffer.concat(chunks).toString()}`);
      });
    });
    const client = pool(server.url);
    const body = Buffer.from('a 1\n'.repeat(10_000));
    const first = await client.request({
      method: 'PUT',
      path: '/metrics/job/x',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    const second = await client.request({ method: 'DELETE', path: '/metrics/job/x', headers: {} });
    expect([first.status, first.contentType, first.bytes.toString()]).toEqual([
      400,
      'text/plain',
      `PUT /metrics/job/x 40000 ${body}`,
    ]);
    expect(second.bytes.toString()).toBe('DELETE /metrics/job/x 0 ');
    expect(server.stats.connections).toBe(1);
  });

  it('says an answer that is not HTTP came after the request was sent', async () => {
    const garbage = net.createServer((socket) =>
      socket.once('data', () => socket.end('220 smtp.example.com ESMTP\r\n\r\n')),
    );
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = garbage.address() as net.AddressInfo;
      const error = await pool(new URL(`http://127.0.0.1:${port}`))
        .request(get())
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(Http1RequestError);
      expect(error).toMatchObject({ code: 'EPROTO', sent: true, answered: true });
      expect((error as Error).message).toMatch(/not an HTTP\/1.x status line: "220 smtp/);
    } finally {
      garbage.close();
    }
  });

  it('refuses a header value or path that would split the request, before connecting', async () => {
    const server = await started((_req, res) => res.end('ok'));
    const client = pool(server.url);
    await expect(
      client.request({ method: 'PUT', path: '/x', headers: { 'content-type': 'a\r\nx-injected: 1' } }),
    ).rejects.toThrow('header content-type holds a line break or NUL');
    await expect(client.request(get('/a b'))).rejects.toThrow('request path "/a b" is not a valid target');
    expect(server.stats.connections).toBe(0);
  });

  it('does not keep a process alive with its idle connections', async () => {
    // A server that would keep an idle connection for two minutes: the child exits only if the pool lets it.
    const server = await started((_req, res) => res.end('ok'), 120_000);
    const script = `
      const { Http1Pool } = require(${JSON.stringify(path.resolve('lambdas/adapters/http1-pool.ts'))});
      new Http1Pool({ origin: new URL(${JSON.stringify(server.url.href)}), timeoutMs: 60000, maxConnections: 4 })
        .request({ method: 'GET', path: '/', headers: {} })
        .then((r) => console.log(r.status));`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 30_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(stdout.trim()).toBe('200');
    // It exited by itself (execFile's 30 s timeout would have failed the test), closing its idle connection.
    await eventually(() => expect(server.stats.closed).toBe(1), { timeoutMs: 5000, intervalMs: 20 });
  });
});
