import {
  type ForwardedPush,
  type PushgatewayReplica,
  type ReplicaAnswer,
  ReplicaUnavailableError,
} from '../../../lambdas/adapters/pushgateway';
import { recordRefusal } from '../../../lambdas/adapters/refusal-recorder';
import { REFUSAL_MARKER_METRIC } from '../../../lambdas/domain/push-refusal';

/** A replica that answers markers as told (a real one refuses them: see push-clients and push-ingest tests). */
function replica(name: string, answer: () => ReplicaAnswer): PushgatewayReplica & { sent: ForwardedPush[] } {
  const sent: ForwardedPush[] = [];
  return {
    name,
    url: `http://${name}`,
    sent,
    async push(request) {
      sent.push(request);
      return answer();
    },
    async groups() {
      return [];
    },
    async exposition() {
      return new Uint8Array();
    },
    async ownFamilies() {
      return new Map();
    },
    async incarnation() {
      return 'run-1';
    },
  };
}

function recordingLogger() {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  return {
    lines,
    info: (m: string, e?: Record<string, unknown>) => lines.push(['info', m, e]),
    warn: (m: string, e?: Record<string, unknown>) => lines.push(['warn', m, e]),
    error: (m: string, e?: Record<string, unknown>) => lines.push(['error', m, e]),
  };
}

describe('recordRefusal', () => {
  const refused = { method: 'PUT' as const, rawPath: '/metrics/job/a%2Fb', stage: 'storage' as const, message: 'why' };

  it('sends every replica the marker with the client method and raw path, and logs the reason once', async () => {
    const replicas = [
      replica('pushgateway-0', () => ({ status: 400, body: '' })),
      replica('pushgateway-1', () => ({ status: 400, body: '' })),
    ];
    const logger = recordingLogger();
    await recordRefusal(replicas, refused, logger);
    for (const r of replicas) {
      expect(r.sent.map((p) => [p.method, p.path, Buffer.from(p.body).toString(), p.contentType])).toEqual([
        [
          'PUT',
          '/metrics/job/a%2Fb',
          `${REFUSAL_MARKER_METRIC} 1\n${REFUSAL_MARKER_METRIC} 1\n`,
          'text/plain; version=0.0.4',
        ],
      ]);
    }
    expect(logger.lines).toEqual([
      ['info', 'push refused', { method: 'PUT', path: '/metrics/job/a%2Fb', stage: 'storage', reason: 'why' }],
    ]);
  });

  it('goes on past a replica that is down (warned) and names one that took the marker (error)', async () => {
    const down = replica('pushgateway-0', () => {
      throw new ReplicaUnavailableError('pushgateway-0: connection refused');
    });
    const unchecked = replica('pushgateway-1', () => ({ status: 200, body: '' }));
    const logger = recordingLogger();
    await recordRefusal([down, unchecked], refused, logger);
    expect(logger.lines.map(([level, message, extra]) => [level, message, extra?.replica])).toEqual([
      ['info', 'push refused', undefined],
      ['warn', 'replica missed the record of a refused push', 'pushgateway-0'],
      ['error', 'replica did not refuse the refusal marker', 'pushgateway-1'],
    ]);
  });

  it('sends nothing for refusals a Pushgateway keeps no trace of', async () => {
    const r = replica('pushgateway-0', () => ({ status: 400, body: '' }));
    await recordRefusal([r], { ...refused, stage: 'encoding' }, recordingLogger());
    await recordRefusal([r], { ...refused, method: 'DELETE' }, recordingLogger());
    expect(r.sent).toEqual([]);
  });
});
