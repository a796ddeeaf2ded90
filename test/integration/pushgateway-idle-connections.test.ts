import * as net from 'node:net';
import { type ForwardedPush, pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';

/**
 * The replica client after a Lambda freeze: its kept-alive connections outlived the NLB's idle timeout (350 s), and
 * the NLB answers the next packet on a forgotten flow with a TCP RST, before any target sees it (Elastic Load
 * Balancing guide, Network Load Balancers, "Connection idle timeout"). A TCP proxy in front of a real Pushgateway
 * (the Debian build) stands in for the NLB: after `forgetFlows()`, the first bytes a client sends on a connection
 * opened before get a RST and are never forwarded. What is reproduced is that behaviour only.
 */

jest.setTimeout(60_000);

requireBinaries(['pushgateway']);

interface IdleDroppingProxy {
  readonly url: string;
  /** Every open flow is forgotten, as after the idle timeout. */
  forgetFlows(): void;
  readonly stats: { connections: number; resets: number };
  close(): Promise<void>;
}

async function idleDroppingProxy(upstreamPort: number): Promise<IdleDroppingProxy> {
  const open = new Set<{ client: net.Socket; forgotten: boolean }>();
  const stats = { connections: 0, resets: 0 };
  const server = net.createServer((client) => {
    stats.connections++;
    const flow = { client, forgotten: false };
    open.add(flow);
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    client.on('data', (chunk) => {
      if (flow.forgotten) {
        stats.resets++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      open.delete(flow);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    client.on('error', end);
    upstream.on('close', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    forgetFlows() {
      for (const flow of open) flow.forgotten = true;
    },
    close() {
      for (const flow of open) flow.client.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const put = (job: string, body: string): ForwardedPush => ({
  method: 'PUT',
  path: `/metrics/job/${job}`,
  contentType: 'text/plain; version=0.0.4',
  body: Buffer.from(body),
});

describe('the replica client and connections a load balancer forgot', () => {
  let pushgateway: RunningComponent;
  let proxy: IdleDroppingProxy;

  beforeAll(async () => {
    pushgateway = await startPushgateway();
    proxy = await idleDroppingProxy(pushgateway.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await pushgateway?.stop();
  });

  it('sends a push again on a new connection, once, when its kept-alive one was reset unread', async () => {
    const replica = pushgatewayReplica('pushgateway-0', proxy.url, { timeoutMs: 5000 });
    expect((await replica.push(put('before', 'before_freeze 1\n'))).status).toBe(200);
    // Several idle connections, all forgotten: the retry must not pick another dead one.
    await Promise.all([
      replica.push(put('a', 'a 1\n')),
      replica.push(put('b', 'b 1\n')),
      replica.push(put('c', 'c 1\n')),
    ]);
    const connectionsBefore = proxy.stats.connections;
    expect(connectionsBefore).toBeGreaterThanOrEqual(1);
    proxy.forgetFlows();

    const answer = await replica.push(put('after', 'after_freeze 1\n'));

    expect(answer.status).toBe(200);
    expect(proxy.stats.resets).toBe(1);
    expect(proxy.stats.connections).toBe(connectionsBefore + 1);
    const jobs = (await replica.groups()).map((g) => g.key.job).sort();
    expect(jobs).toEqual(['a', 'after', 'b', 'before', 'c']);
  });
});
