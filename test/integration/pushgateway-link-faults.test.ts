import * as net from 'node:net';
import { type ForwardedPush, pushgatewayReplica, ReplicaUnavailableError } from '../../lambdas/adapters/pushgateway';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { blackHoleWrites, resetAfterWrites, startSlowProxy, type WriteProxy } from '../support/push-load';
import { refusal } from '../support/refusal';

/**
 * The replica client's answers under faults, each against a real Pushgateway (the Debian build) behind a TCP proxy
 * that breaks the link in one way. What the ingestion decides from them (replica-writes.ts): `maybeApplied` true
 * makes a write 'unknown' (the push is acknowledged and the repair owns the replica), false makes it 'not-applied'
 * (a 5xx to the client is honest only when every replica says so). The client must never say "not applied" of a write
 * the replica may have applied.
 */

jest.setTimeout(60_000);

requireBinaries(['pushgateway']);

const put = (job: string, body = `${job}_value 1\n`): ForwardedPush => ({
  method: 'PUT',
  path: `/metrics/job/${job}`,
  contentType: 'text/plain; version=0.0.4',
  body: Buffer.from(body),
});

const failure = (promise: Promise<unknown>) => refusal(promise, ReplicaUnavailableError);

describe('the replica client under faults (real Pushgateway behind a breaking link)', () => {
  let pushgateway: RunningComponent;
  const proxies: WriteProxy[] = [];
  const jobs = async () => (await pushgatewayReplica('direct', pushgateway.url).groups()).map((g) => g.key.job);

  beforeAll(async () => {
    pushgateway = await startPushgateway();
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await pushgateway?.stop();
  });
  const proxied = async (start: Promise<WriteProxy>) => {
    const proxy = await start;
    proxies.push(proxy);
    return proxy;
  };

  it('says a write reset after the replica applied it may have been applied, and sends it once', async () => {
    const proxy = await proxied(resetAfterWrites(pushgateway.port));
    const replica = pushgatewayReplica('pushgateway-0', proxy.url, { timeoutMs: 5000 });

    const error = await failure(replica.push(put('reset_after_apply')));

    expect(error.maybeApplied).toBe(true);
    expect(error.message).toMatch(/^pushgateway-0: /);
    expect(await jobs()).toContain('reset_after_apply');
    // A fresh connection: nothing says it was a dead kept-alive one, so the write is not sent again.
    expect(proxy.stats.writes).toBe(1);
  });

  it('says a write answered too late may have been applied (it was), naming the timeout', async () => {
    const proxy = await proxied(startSlowProxy(pushgateway.port, 3000));
    const timeoutMs = 300;
    const replica = pushgatewayReplica('pushgateway-0', proxy.url, { timeoutMs });

    const started = performance.now();
    const error = await failure(replica.push(put('answered_late')));
    const waited = performance.now() - started;

    expect(error.maybeApplied).toBe(true);
    expect(error.message).toBe('pushgateway-0: no answer within 300 ms');
    // Given up within the lease the store gives an unanswered write (compose.ts `syncTiming`: the timeout + 2 s).
    expect(waited).toBeLessThan(timeoutMs + 2000);
    expect(await jobs()).toContain('answered_late');
  });

  it('says a write never answered may have been applied, though it was not', async () => {
    const proxy = await proxied(blackHoleWrites(pushgateway.port));
    const replica = pushgatewayReplica('pushgateway-0', proxy.url, { timeoutMs: 300 });

    const error = await failure(replica.push(put('swallowed')));

    expect(error.maybeApplied).toBe(true);
    expect(await jobs()).not.toContain('swallowed');
  });

  it('says a write to a port nobody listens on was not applied', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const replica = pushgatewayReplica('pushgateway-1', `http://127.0.0.1:${port}`, { timeoutMs: 2000 });

    const error = await failure(replica.push(put('refused')));

    expect(error.maybeApplied).toBe(false);
    expect(error.message).toMatch(/^pushgateway-1: .*ECONNREFUSED/);
  });

  it("turns the replica's own 5xx into an error that says nothing was applied", async () => {
    // Pushgateway 1.5.1 keeps the group of a push it refused with 400 when it would expose the same push_time_seconds
    // series as another (issue #13's poison sequence); from then on its /metrics answers 500.
    const poisoned = await startPushgateway();
    try {
      const replica = pushgatewayReplica('pushgateway-0', poisoned.url);
      expect((await replica.push(put('p', 'a 1\n'))).status).toBe(200);
      expect((await replica.push({ ...put('p', 'b 1\n'), path: '/metrics/job/p/instance@base64/=' })).status).toBe(400);

      const error = await failure(replica.exposition());

      expect(error.maybeApplied).toBe(false);
      expect(error.message).toMatch(/^pushgateway-0: HTTP 500 /);
    } finally {
      await poisoned.stop();
    }
  });

  it('keeps at most 64 connections to a replica: 200 concurrent writes all land', async () => {
    const proxy = await proxied(startSlowProxy(pushgateway.port, 50));
    const replica = pushgatewayReplica('pushgateway-0', proxy.url, { timeoutMs: 5000 });

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => replica.push(put(`concurrent_${i}`))));

    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 200 }, () => 200));
    expect(proxy.stats.connections).toBeLessThanOrEqual(64);
    expect(proxy.stats.connections).toBeGreaterThan(1);
    const held = new Set(await jobs());
    expect(Array.from({ length: 200 }, (_, i) => `concurrent_${i}`).filter((job) => !held.has(job))).toEqual([]);
  });
});
