import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { freePort, startProcess } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';
import { eventually } from '../support/eventually';
import { type ExporterOutput, startExporters } from '../support/exporter-output';
import { exporterCorpus, formatCorpus, type PushCase, protobufCorpus } from '../support/push-corpus';
import { send as sendRaw } from '../support/push-load';
import { pushgatewayState } from '../support/pushgateway-state';

/**
 * The ingestion in front of two real Pushgateways, compared case by case with a third Pushgateway pushed to
 * directly (the oracle): same status, same resulting groups, both replicas identical.
 */

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

async function send(base: string, c: PushCase): Promise<Answer> {
  const response = await fetch(`${base}${c.path}`, {
    method: c.method,
    headers: c.headers,
    body: c.method === 'DELETE' ? undefined : (c.body ?? ''),
    redirect: 'manual',
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/**
 * Groups with their families only (no push times, failure records or empty groups): what the repair copies to a
 * replica that was down. The corpus test compares everything, with `pushgatewayState`.
 */
async function state(component: RunningComponent): Promise<Record<string, unknown>[]> {
  const json = (await (await fetch(`${component.url}/api/v1/metrics`)).json()) as {
    data: Record<string, unknown>[];
  };
  const groups: Record<string, unknown>[] = [];
  for (const group of json.data) {
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(group)) {
      if (['push_time_seconds', 'push_failure_time_seconds', 'last_push_successful'].includes(name)) continue;
      if (name === 'labels') kept[name] = value;
      else {
        const { time_stamp: _ignored, ...family } = value as Record<string, unknown>;
        kept[name] = family;
      }
    }
    if (Object.keys(kept).length > 1) groups.push(kept);
  }
  return groups.sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
}

jest.setTimeout(120_000);

describe('push ingestion in front of two real Pushgateways', () => {
  let oracle: RunningComponent;
  let replicas: RunningComponent[];
  let ingest: IngestServer;
  let outputs: ExporterOutput[];
  let workDir: string;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-'));
    const exporters = await startExporters();
    try {
      outputs = await exporters.capture();
    } finally {
      await exporters.stop();
    }
    [oracle, ...replicas] = await Promise.all([startPushgateway(), startPushgateway(), startPushgateway()]);
    ingest = await startIngestServer({
      pushgateways: replicas.map((r) => r.url),
      storeFile: path.join(workDir, 'store.jsonl'),
      repairIntervalMs: 500,
    });
  });

  afterAll(async () => {
    await ingest?.close();
    await Promise.all([oracle, ...(replicas ?? [])].filter(Boolean).map((c) => c.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('answers every corpus case with the Pushgateway status and leaves the same groups on both replicas', async () => {
    const corpus = [...formatCorpus(), ...protobufCorpus(), ...exporterCorpus(outputs)];
    const mismatches: string[] = [];
    for (const c of corpus) {
      const direct = await send(oracle.url, c);
      const through = await send(ingest.url, c);
      if (direct.status !== through.status) {
        mismatches.push(
          `${c.name}: Pushgateway ${direct.status} (${direct.body.trim()}), ingestion ${through.status} (${through.body.trim()})`,
        );
      }
      if (through.status === 400 && /parsing error/.test(direct.body) && through.body !== direct.body) {
        // Ours names the column too; a body only the replicas can judge (malformed UTF-8) gets their own answer.
        expect(through.body).toMatch(/^text format parsing error in line \d+, column \d+: /);
      }
      expect(through.headers.get('x-greenlang-replicas-missed')).toBeNull();
      // Everything, refused pushes' traces included (failure times, groups a refusal created). The promise is what
      // the replicas end holding: the background repair (every 500 ms) may be rewriting a group a revert left owed
      // while the push lands, and its PUT can arrive second; the next pass puts the record back (handler.ts).
      await eventually(
        async () => {
          const [expected, first, second] = await Promise.all(
            [oracle, ...replicas].map((component) => pushgatewayState(component.url)),
          );
          expect({ case: c.name, state: first }).toEqual({ case: c.name, state: expected });
          expect({ case: c.name, state: second }).toEqual({ case: c.name, state: expected });
        },
        { timeoutMs: 5000, intervalMs: 50 },
      );
    }
    expect(mismatches).toEqual([]);
    expect(corpus.length).toBeGreaterThan(110);
  });

  it('keeps acknowledging while a replica is down, names it, and brings it back in step after its restart', async () => {
    const [up, down] = replicas as [RunningComponent, RunningComponent];
    const port = down.port;
    await down.stop();
    const pushes: PushCase[] = [
      { name: 'put while down', method: 'PUT', path: '/metrics/job/outage', body: 'outage_total 1\n' },
      { name: 'post while down', method: 'POST', path: '/metrics/job/outage', body: 'outage_other 2\n' },
      { name: 'delete while down', method: 'DELETE', path: '/metrics/job/a' },
      { name: 'real output while down', method: 'PUT', path: '/metrics/job/outage-real', body: outputs[0]?.text },
    ];
    for (const push of pushes) {
      const answer = await send(ingest.url, push);
      expect({ push: push.name, status: answer.status }).toEqual({
        push: push.name,
        status: push.method === 'DELETE' ? 202 : 200,
      });
      expect(answer.headers.get('x-greenlang-replicas-missed')).toBe('pushgateway-1');
    }
    // Still validated while a replica is down: nothing invalid is acknowledged.
    expect(
      (await send(ingest.url, { name: 'bad', method: 'PUT', path: '/metrics/job/outage', body: 'x' })).status,
    ).toBe(400);

    const restarted = await startPushgateway({ port });
    replicas[1] = restarted;
    const deadline = Date.now() + 10_000;
    let same = false;
    while (!same && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      same = JSON.stringify(await state(restarted)) === JSON.stringify(await state(up));
    }
    expect(await state(restarted)).toEqual(await state(up));
    expect((await state(up)).some((g) => (g.labels as Record<string, string>).job === 'outage')).toBe(true);
    expect((await state(up)).some((g) => (g.labels as Record<string, string>).job === 'a')).toBe(false);
  });

  it('acknowledges nothing when no replica can take the push', async () => {
    const dead = await startIngestServer({
      pushgateways: [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`],
      storeFile: path.join(workDir, 'dead.jsonl'),
    });
    try {
      const answer = await send(dead.url, { name: 'x', method: 'PUT', path: '/metrics/job/x', body: 'x 1\n' });
      expect(answer.status).toBe(503);
      expect(dead.store.size()).toBe(0);
    } finally {
      await dead.close();
    }
  });

  it('refuses what a web page in the browser sends (an Origin, a rebound Host) and applies nothing', async () => {
    const body = 'from_a_page 1\n';
    const pages: Record<string, string>[] = [{ origin: 'https://evil.example' }, { host: 'rebound.evil.example:9091' }];
    for (const headers of pages) {
      const answer = await sendRaw(ingest.url, 'PUT', '/metrics/job/page', body, headers);
      expect([answer.status, answer.body]).toEqual([403, expect.stringMatching(/^refused: /)]);
    }
    // Clients send neither (Host is the loopback address they dialled): served.
    expect((await sendRaw(ingest.url, 'PUT', '/metrics/job/client', 'from_a_client 1\n')).status).toBe(200);
    for (const replica of replicas) {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      expect(text).not.toContain('from_a_page');
      expect(text).toContain('from_a_client');
    }
  });

  it('serves `npm run local -- ingest` with a bearer token', async () => {
    const port = await freePort();
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const service = await startProcess({
      name: 'ingest',
      command: tsx,
      args: [
        'bin/local.ts',
        'ingest',
        '--port',
        String(port),
        '--token',
        'secret-token',
        '--store',
        path.join(workDir, 'cli.jsonl'),
        ...replicas.flatMap((r) => ['--pushgateway', r.url]),
      ],
      cwd: PROJECT_ROOT,
      readyUrl: `http://127.0.0.1:${port}/-/ready`,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      const push: PushCase = { name: 'cli', method: 'PUT', path: '/metrics/job/cli', body: 'cli_metric 1\n' };
      expect((await send(base, push)).status).toBe(401);
      expect((await send(base, { ...push, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await send(base, { ...push, headers: { authorization: 'Bearer secret-token' } });
      expect(ok.status).toBe(200);
      for (const replica of replicas) {
        expect(await (await fetch(`${replica.url}/metrics`)).text()).toMatch(
          /^cli_metric\{instance="",job="cli"\} 1$/m,
        );
      }
    } finally {
      await service.stop();
    }
  });
});
