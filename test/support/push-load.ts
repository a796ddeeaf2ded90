import * as http from 'node:http';
import * as net from 'node:net';
import { type ForwardedPush, pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { Http1Server } from '../../lambdas/local/http1-server';
import { startPushgateway } from '../../lib/devstack/components';

/**
 * Load for the push ingestion as operators produce it, with a model of what was acknowledged: writers PUT, POST and
 * DELETE groups and retry until acknowledged (as push clients do), so the model holds exactly the acknowledged
 * operations, in order per group (each group has one writer).
 */

/** Group id (`job/instance`) → family name → value; absent when deleted or never pushed. */
export type GroupsState = Map<string, Map<string, string>>;

export interface Operation {
  readonly method: 'PUT' | 'POST' | 'DELETE';
  readonly group: number;
  readonly value: number;
}

export const LOAD_JOB = 'load';
export const groupPath = (group: number) => `/metrics/job/${LOAD_JOB}/instance/g${group}`;
const groupId = (group: number) => `${LOAD_JOB}/g${group}`;

/** The body of an operation: PUT writes `load_a` (replacing the group), POST writes `load_b` (keeping `load_a`). */
export function operationBody(op: Operation): string | undefined {
  if (op.method === 'DELETE') return undefined;
  return op.method === 'PUT' ? `load_a ${op.value}\n` : `load_b ${op.value}\n`;
}

/** What the Pushgateway does with the operation, on the model. */
export function applyToModel(model: GroupsState, op: Operation): void {
  const id = groupId(op.group);
  if (op.method === 'DELETE') model.delete(id);
  else if (op.method === 'PUT') model.set(id, new Map([['load_a', String(op.value)]]));
  else {
    const families = new Map(model.get(id) ?? []);
    families.set('load_b', String(op.value));
    model.set(id, families);
  }
}

export interface SendResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request with the path sent exactly as given (no dot-segment removal, unlike fetch). */
export function send(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<SendResult> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        timeout: timeoutMs,
        headers: { ...headers, 'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadOptions {
  readonly ingestUrl: () => string;
  readonly writers: number;
  readonly groups: number;
  /** Pause between a writer's operations. @default 0 */
  readonly pauseMs?: number;
  /** Share of DELETEs. @default 0.05 */
  readonly deleteShare?: number;
}

export interface RunningLoad {
  readonly model: GroupsState;
  /** Acknowledged operations so far. */
  acknowledged(): number;
  /** Requests that failed or were answered non-2xx (and were retried). */
  retries(): number;
  /** Time each group was last written (acknowledged), ms. */
  readonly lastWrite: Map<string, number>;
  stop(): Promise<void>;
}

/** Starts `writers` writers; writer w owns the groups g with g % writers === w. */
export function startLoad(options: LoadOptions): RunningLoad {
  const model: GroupsState = new Map();
  const lastWrite = new Map<string, number>();
  let acknowledged = 0;
  let retries = 0;
  let stopping = false;
  let value = 0;
  const writer = async (w: number) => {
    const owned = Math.ceil((options.groups - w) / options.writers);
    while (!stopping) {
      const group = w + options.writers * Math.floor(Math.random() * owned);
      const roll = Math.random();
      const method = roll < (options.deleteShare ?? 0.05) ? 'DELETE' : roll < 0.6 ? 'PUT' : 'POST';
      const op: Operation = { method, group, value: ++value };
      // Retried until acknowledged: the model then holds exactly what was acknowledged.
      for (;;) {
        try {
          const answer = await send(options.ingestUrl(), op.method, groupPath(op.group), operationBody(op));
          if (answer.status >= 200 && answer.status < 300) break;
          if (answer.status >= 400 && answer.status < 500) {
            throw new Error(`${op.method} ${groupPath(op.group)} refused: ${answer.status} ${answer.body}`);
          }
        } catch (error) {
          if (/refused:/.test(String(error))) throw error;
        }
        retries++;
        await new Promise((r) => setTimeout(r, 20));
      }
      applyToModel(model, op);
      lastWrite.set(groupId(op.group), Date.now());
      acknowledged++;
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const running = Array.from({ length: options.writers }, (_, w) => writer(w));
  return {
    model,
    lastWrite,
    acknowledged: () => acknowledged,
    retries: () => retries,
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}

interface ApiGroup {
  readonly labels: Record<string, string>;
  readonly [family: string]: unknown;
}

/** The `load` groups a Pushgateway holds, as the model writes them. */
export async function replicaState(url: string): Promise<GroupsState> {
  const answer = await send(url, 'GET', '/api/v1/metrics');
  if (answer.status !== 200) throw new Error(`${url}/api/v1/metrics answered ${answer.status}`);
  const state: GroupsState = new Map();
  for (const group of (JSON.parse(answer.body) as { data: ApiGroup[] }).data) {
    if (group.labels.job !== LOAD_JOB) continue;
    const families = new Map<string, string>();
    for (const [name, value] of Object.entries(group)) {
      if (name === 'labels' || name === 'last_push_successful' || name.startsWith('push_')) continue;
      const metrics = (value as { metrics?: { value?: string }[] }).metrics ?? [];
      families.set(name, metrics[0]?.value ?? '');
    }
    state.set(`${LOAD_JOB}/${group.labels.instance}`, families);
  }
  return state;
}

/** Groups where `actual` differs from `expected` (missing, extra, or other values). */
export function differences(expected: GroupsState, actual: GroupsState): string[] {
  const out: string[] = [];
  for (const [id, families] of expected) {
    const held = actual.get(id);
    if (!held) out.push(`${id}: missing`);
    else if (JSON.stringify([...held].sort()) !== JSON.stringify([...families].sort())) {
      out.push(`${id}: ${JSON.stringify([...held])} instead of ${JSON.stringify([...families])}`);
    }
  }
  for (const id of actual.keys()) if (!expected.has(id)) out.push(`${id}: present but deleted`);
  return out;
}

/**
 * A TCP proxy that passes requests through at once and holds the answers to PUT, POST and DELETE back for
 * `delayMs` (reads pass): a replica that applies a push but answers after the ingestion stopped waiting.
 */
export function startSlowProxy(upstreamPort: number, delayMs: number): Promise<WriteProxy> {
  return startWriteProxy(upstreamPort, { answerDelayMs: delayMs });
}

/**
 * A TCP proxy that passes reads (GET) and swallows writes (PUT, POST, DELETE): never forwarded, never answered, as a
 * replica behind a link that dropped mid-request. The writer's request times out ('unknown').
 */
export function blackHoleWrites(upstreamPort: number): Promise<WriteProxy> {
  return startWriteProxy(upstreamPort, { swallow: true });
}

/**
 * A TCP proxy that passes requests through and, when the replica answers a PUT, POST or DELETE, resets the
 * connection instead of passing the answer on (reads pass): a replica that applied the write, then a link that broke.
 */
export function resetAfterWrites(upstreamPort: number): Promise<WriteProxy> {
  return startWriteProxy(upstreamPort, { resetInstead: true });
}

export interface WriteProxy {
  readonly url: string;
  /** Connections accepted, and write requests (PUT, POST, DELETE) seen, so far. */
  readonly stats: { connections: number; writes: number };
  close(): Promise<void>;
}

/** A TCP proxy to a local port that treats write requests (PUT, POST, DELETE) as told; reads pass untouched. */
async function startWriteProxy(
  upstreamPort: number,
  writes: { readonly swallow?: boolean; readonly answerDelayMs?: number; readonly resetInstead?: boolean },
): Promise<WriteProxy> {
  const sockets = new Set<net.Socket>();
  const stats = { connections: 0, writes: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    stats.connections++;
    sockets.add(client);
    sockets.add(upstream);
    let writing = false;
    client.on('data', (chunk: Buffer) => {
      const start = chunk.toString('latin1', 0, 8);
      if (/^(GET|HEAD) /.test(start)) writing = false;
      else if (/^(PUT|POST|DELETE) /.test(start)) {
        writing = true;
        stats.writes++;
      }
      if (!(writing && writes.swallow)) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (writing && writes.resetInstead) {
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      const forward = () => {
        if (!client.destroyed) client.write(chunk);
      };
      if (writing && writes.answerDelayMs !== undefined) setTimeout(forward, writes.answerDelayMs);
      else forward();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export interface RunningStream extends RunningLoad {
  /** Pushes started so far (the stream's pace, whatever the answers' latency). */
  started(): number;
}

/**
 * An open-loop stream: one PUT or POST every `1000 / ratePerSecond` ms to the groups in turn, not waiting for
 * answers (as independent clients do); each is retried until acknowledged, after the previous one to its group.
 */
export function startStream(options: {
  readonly ingestUrl: () => string;
  readonly groups: number;
  readonly ratePerSecond: number;
}): RunningStream {
  const model: GroupsState = new Map();
  const lastWrite = new Map<string, number>();
  const chains = new Map<number, Promise<void>>();
  let acknowledged = 0;
  let retries = 0;
  let started = 0;
  let stopping = false;
  const begun = Date.now();
  const push = async (op: Operation) => {
    for (;;) {
      try {
        const answer = await send(options.ingestUrl(), op.method, groupPath(op.group), operationBody(op));
        if (answer.status >= 200 && answer.status < 300) break;
        if (answer.status >= 400 && answer.status < 500) throw new Error(`refused: ${answer.status} ${answer.body}`);
      } catch (error) {
        if (/refused:/.test(String(error))) throw error;
      }
      retries++;
      await new Promise((r) => setTimeout(r, 20));
    }
    applyToModel(model, op);
    lastWrite.set(groupId(op.group), Date.now());
    acknowledged++;
  };
  let inFlight = 0;
  const pacer = (async () => {
    while (!stopping) {
      // An open loop still has a bound: past it the service is not keeping up, and the stream waits.
      if (inFlight >= 200) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const op: Operation = {
        method: Math.random() < 0.6 ? 'PUT' : 'POST',
        group: started % options.groups,
        value: started + 1,
      };
      started++;
      const previous = chains.get(op.group) ?? Promise.resolve();
      inFlight++;
      chains.set(
        op.group,
        previous.then(() => push(op)).finally(() => inFlight--),
      );
      const due = begun + (started * 1000) / options.ratePerSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
  })();
  return {
    model,
    lastWrite,
    acknowledged: () => acknowledged,
    retries: () => retries,
    started: () => started,
    async stop() {
      stopping = true;
      await pacer;
      await Promise.all([...chains.values()]);
    },
  };
}

/**
 * The floor of a catch-up: a fresh, empty Pushgateway taking `groups` load groups straight from a client, 16 PUTs at
 * a time, while a stream of `ratePerSecond` pushes hits it directly. Each write costs a Pushgateway a gather of
 * everything it holds, so this is what the replica itself can absorb with nothing between. Resolves with the
 * milliseconds until the last group was written.
 */
export async function catchUpFloor(groups: number, ratePerSecond: number): Promise<number> {
  const fresh = await startPushgateway();
  try {
    return await writeGroupsUnderStream(fresh.url, groups, ratePerSecond);
  } finally {
    await fresh.stop();
  }
}

/**
 * What one Pushgateway can apply with `groups` groups held, in writes per second: it applies them one at a time (one
 * loop over its write queue, prometheus/pushgateway storage/diskmetricstore.go), each checked by gathering everything
 * it holds, so no catch-up of a replica can go faster. A fresh Pushgateway is filled with `groups` groups, then takes
 * `writes` PUTs to them, 16 at a time, with nothing else sent to it.
 */
export async function pushgatewayWriteRate(groups: number, writes = 400): Promise<number> {
  const fresh = await startPushgateway();
  const put = async (group: number, value: number) => {
    const answer = await send(fresh.url, 'PUT', groupPath(group), `load_a ${value}\n`);
    if (answer.status !== 200) throw new Error(`PUT answered ${answer.status}: ${answer.body}`);
  };
  try {
    await sixteenAtATime(groups, (i) => put(i, 0));
    const started = performance.now();
    await sixteenAtATime(writes, (i) => put((i * 7) % groups, i + 1));
    return writes / ((performance.now() - started) / 1000);
  } finally {
    await fresh.stop();
  }
}

/** `write(0)` .. `write(count - 1)`, 16 at a time (a batch-job fleet's concurrency against one Pushgateway). */
async function sixteenAtATime(count: number, write: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, j) => write(i + j)));
  }
}

async function writeGroupsUnderStream(url: string, groups: number, ratePerSecond: number): Promise<number> {
  const stream = startStream({ ingestUrl: () => url, groups, ratePerSecond });
  try {
    const started = Date.now();
    await sixteenAtATime(groups, async (i) => {
      const answer = await send(url, 'PUT', groupPath(i), `load_a ${i - (i % 16)}\n`);
      if (answer.status !== 200) throw new Error(`floor PUT answered ${answer.status}: ${answer.body}`);
    });
    return Date.now() - started;
  } finally {
    await stream.stop();
  }
}

export interface FanOutProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The least any service between a client and two Pushgateways does: read the push, PUT/POST/DELETE it to every
 * replica at once with the ingestion's own replica client (pushgateway.ts: kept-alive connections), answer the first
 * replica's status. Served by the ingestion's own local server (http1-server.ts). No parsing, validation, store or
 * repair. The benchmark's reference for what one more loopback HTTP hop costs on this machine.
 */
export async function startFanOutProxy(replicas: readonly string[]): Promise<FanOutProxy> {
  const clients = replicas.map((url, i) => pushgatewayReplica(`pushgateway-${i}`, url));
  const server = new Http1Server(async (request) => {
    const push: ForwardedPush = {
      method: request.method as ForwardedPush['method'],
      path: request.target,
      contentType: request.headers['content-type'] ?? 'text/plain',
      body: request.body,
    };
    try {
      const [first] = await Promise.all(clients.map((client) => client.push(push)));
      return { status: first?.status ?? 502, headers: {}, body: '' };
    } catch {
      return { status: 502, headers: {}, body: '' };
    }
  });
  const port = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => server.close(),
  };
}
