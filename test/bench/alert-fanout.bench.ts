import { memoryDeadLetterStore } from '../../lambdas/adapters/dead-letters';
import { memoryDeliveryGuard } from '../../lambdas/adapters/delivery-guard';
import { emailNotifier } from '../../lambdas/adapters/notifiers/email';
import { pagerDutyNotifier } from '../../lambdas/adapters/notifiers/pagerduty';
import { retryStage } from '../../lambdas/adapters/notifiers/retry';
import { slackNotifier } from '../../lambdas/adapters/notifiers/slack';
import { IDEMPOTENCY_TTL_SECONDS } from '../../lambdas/domain/alerts/idempotency';
import { parseNotificationText } from '../../lambdas/domain/alerts/model';
import { makeDeliverNotification } from '../../lambdas/handlers/alert-delivery/handler';
import { makeWebhookHandler } from '../../lambdas/handlers/alert-webhook/handler';
import { notification } from '../support/alerts';
import { type Benchmark, median } from './harness';

const ROUNDS = 5;
/** Notifications per round, per payload size. */
const PER_ROUND: Readonly<Record<number, number>> = { 1: 2000, 10: 1000, 150: 100 };

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** A sink that answers at once, like a vendor with zero latency: what is left is our own cost. */
const fastFetch = (async () => new Response('ok', { status: 200 })) as unknown as typeof fetch;
const fastSns = { send: async () => ({ MessageId: 'm' }) } as unknown as ConstructorParameters<typeof Object>[0];

/** The same webhook path as in AWS and locally: auth, validation, routing, formatting, idempotency, history. */
function fanoutHandler() {
  const deliver = makeDeliverNotification({
    notifiers: {
      slack: slackNotifier(async () => 'http://sink/slack', { fetch: fastFetch }),
      pagerduty: pagerDutyNotifier(async () => 'R0UT1NGKEY0123456789abcdefABCDEF', {
        fetch: fastFetch,
        eventsUrl: 'http://sink/pd',
      }),
      email: emailNotifier(fastSns as never, 'arn:aws:sns:eu-west-1:111111111111:t'),
    },
    retry: retryStage({ logger: silent }),
    deadLetters: memoryDeadLetterStore(),
    routing: { slack: true, pagerduty: true, criticalEmail: true },
    guard: memoryDeliveryGuard(IDEMPOTENCY_TTL_SECONDS),
    history: { put: async () => undefined },
    logger: silent,
  });
  return makeWebhookHandler({
    token: async () => 'bench-token',
    accept: async (n) => {
      const r = await deliver(n);
      return { key: r.key };
    },
    logger: silent,
  });
}

/** Distinct notifications (distinct group keys: no duplicate short-circuits), as the webhook's JSON bodies. */
function bodies(alerts: number, count: number, round: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(notification(alerts, { groupKey: `{}:{alertname="HighCPU", round="${round}", n="${i}"}` })),
  );
}

async function perSecond(run: (body: string) => Promise<unknown> | unknown, alerts: number): Promise<number> {
  const count = PER_ROUND[alerts] ?? 100;
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const batch = bodies(alerts, count, round);
    const started = performance.now();
    for (const body of batch) await run(body);
    rates.push(count / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

export const benchmark: Benchmark = {
  name: 'alert-fanout',
  async run() {
    const handler = fanoutHandler();
    const headers = { authorization: 'Bearer bench-token' };
    const rows = [];
    for (const alerts of [1, 10, 150]) {
      // Warm up both paths once.
      await handler({ headers, body: bodies(alerts, 1, -1)[0] ?? '', isBase64Encoded: false });
      const full = await perSecond(async (body) => {
        const r = await handler({ headers, body, isBase64Encoded: false });
        if (r.statusCode !== 202) throw new Error(`bench: handler answered ${r.statusCode}: ${r.body}`);
      }, alerts);
      const peer = await perSecond((body) => parseNotificationText(body), alerts);
      rows.push([
        `${alerts} alert${alerts === 1 ? '' : 's'} per notification`,
        `${Math.round(full)} /s`,
        `${Math.round(peer)} /s`,
        `${(peer / full).toFixed(1)}x`,
      ]);
    }
    return {
      title: `Alert fan-out throughput (median of ${ROUNDS} rounds, critical receiver: PagerDuty + Slack + email)`,
      columns: ['payload', 'fan-out handler, fast sinks', 'peer: JSON.parse + validation only', 'peer / handler'],
      rows,
      notes: [
        'Handler: bearer check, JSON.parse + validation, routing, idempotency (in-memory), Slack Block Kit,',
        'PagerDuty event and email formatting with their size limits, HTTP bodies, history record; sinks answer at once.',
        'Peer: only parsing and validating the same payloads, the floor any fan-out pays.',
      ],
    };
  },
};
