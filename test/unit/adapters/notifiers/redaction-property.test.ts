/**
 * Property: whatever a vendor echoes of a credential — the whole Slack webhook URL, its path, one of its T…/B…/token
 * segments, the JSON-escaped URL, any ≥ 8-character piece of a routing key or bearer token — and wherever it sits in
 * a long answer (every offset, including across the 200-character cut), no fragment of it reaches a reason, an
 * error or a log line.
 */
import fc from 'fast-check';
import { VENDOR_ANSWER_MAX_CHARS, vendorAnswer } from '../../../../lambdas/adapters/notifiers/http';
import { type DeliveryError, retryStage } from '../../../../lambdas/adapters/notifiers/retry';
import { slackNotifier } from '../../../../lambdas/adapters/notifiers/slack';
import { credentialParts, MIN_REDACTED_FRAGMENT } from '../../../../lambdas/domain/alerts/redaction';
import { captureLogger, fakeClock, notification } from '../../../support/alerts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('');
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
const alnum = (chars: string[], min: number, max: number) =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** The secrets of one deployment: a Slack webhook URL, a PagerDuty routing key, a bearer token. */
const secretsArb = fc.record({
  slackUrl: fc
    .tuple(alnum(UPPER_ALNUM, 8, 10), alnum(UPPER_ALNUM, 8, 10), alnum(ALNUM, 24, 24))
    .map(([t, b, token]) => `https://hooks.slack.com/services/T${t}/B${b}/${token}`),
  routingKey: alnum(ALNUM, 32, 32),
  bearer: alnum('0123456789abcdef'.split(''), 48, 48),
});

/** What an answer can echo of those secrets: wholes, the URL's path and segments, and arbitrary pieces. */
function echoesOf(s: { slackUrl: string; routingKey: string; bearer: string }, cut: number): string[] {
  const path = new URL(s.slackUrl).pathname;
  const piece = (text: string) => {
    const start = cut % Math.max(1, text.length - MIN_REDACTED_FRAGMENT);
    return text.slice(start, start + MIN_REDACTED_FRAGMENT + (cut % 7));
  };
  return [
    s.slackUrl,
    s.slackUrl.replaceAll('/', '\\/'),
    path,
    ...path.split('/').slice(2),
    s.routingKey,
    piece(s.routingKey),
    s.bearer,
    piece(s.bearer),
    `Bearer ${s.bearer}`,
  ];
}

/** Every fragment that must never be seen: each MIN_REDACTED_FRAGMENT-long piece of every credential part. */
function fragments(secrets: readonly string[]): string[] {
  return secrets
    .flatMap(credentialParts)
    .flatMap((part) =>
      Array.from({ length: part.length - MIN_REDACTED_FRAGMENT + 1 }, (_, i) =>
        part.slice(i, i + MIN_REDACTED_FRAGMENT),
      ),
    );
}

/** The first forbidden fragment in `text`, found by looking up each of its windows (fast enough for every offset). */
function leakedFragment(text: string, forbidden: ReadonlySet<string>): string | undefined {
  for (let i = 0; i + MIN_REDACTED_FRAGMENT <= text.length; i++) {
    const window = text.slice(i, i + MIN_REDACTED_FRAGMENT);
    if (forbidden.has(window)) return window;
  }
  return undefined;
}

/** Long filler like a vendor's error page: words, punctuation, newlines; no credential-looking runs. */
const fillerArb = fc
  .array(fc.constantFrom('error', 'invalid', 'request', 'to', 'the', '-', ':', ' ', '\n', '{', '}', '"'), {
    minLength: 120,
    maxLength: 220,
  })
  .map((words) => words.join(' '))
  .filter((text) => text.length > VENDOR_ANSWER_MAX_CHARS + 20);

describe('redaction of echoed secrets', () => {
  it('leaves no fragment of any credential in a vendor answer, at every offset of a long answer', () => {
    fc.assert(
      fc.property(secretsArb, fillerArb, fc.nat(1000), (s, filler, cut) => {
        const secrets = [s.slackUrl, s.routingKey, s.bearer];
        const forbidden = new Set(fragments(secrets));
        for (const echo of echoesOf(s, cut)) {
          for (let offset = 0; offset <= filler.length; offset++) {
            const answer = `${filler.slice(0, offset)}${echo}${filler.slice(offset)}`;
            const reason = vendorAnswer(answer, secrets);
            if (reason.length > VENDOR_ANSWER_MAX_CHARS) throw new Error(`reason not cut: ${reason.length} chars`);
            const leaked = leakedFragment(reason, forbidden);
            if (leaked) throw new Error(`fragment ${leaked} of a secret survived at offset ${offset}: ${reason}`);
          }
        }
      }),
      { numRuns: 10 },
    );
  });

  it('is not vacuous: the unredacted answers do hold the fragments the property forbids', () => {
    fc.assert(
      fc.property(secretsArb, (s) => {
        const forbidden = fragments([s.slackUrl, s.routingKey, s.bearer]);
        for (const echo of echoesOf(s, 3)) expect(forbidden.some((f) => echo.includes(f))).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps every fragment of the Slack URL out of the error and the logs of a real delivery, at every offset', async () => {
    await fc.assert(
      fc.asyncProperty(secretsArb, fillerArb, async (s, filler) => {
        const forbidden = new Set(fragments([s.slackUrl]));
        const path = new URL(s.slackUrl).pathname;
        for (let offset = 0; offset <= filler.length; offset += 3) {
          const body = `${filler.slice(0, offset)}${offset % 2 === 0 ? s.slackUrl : path}${filler.slice(offset)}`;
          const logger = captureLogger();
          const fetchFn = (async () => new Response(body, { status: offset % 4 === 0 ? 400 : 503 })) as typeof fetch;
          const error = (await retryStage({
            policy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, deadlineMs: 1000 },
            clock: fakeClock(),
            logger,
          })
            .deliver(
              slackNotifier(async () => s.slackUrl, { fetch: fetchFn }),
              notification(1),
            )
            .catch((e: unknown) => e)) as DeliveryError;
          const seen = [error.message, error.answer, JSON.stringify(error), ...logger.lines].join('\n');
          const leaked = leakedFragment(seen, forbidden);
          if (leaked) throw new Error(`fragment ${leaked} survived at offset ${offset}: ${seen}`);
        }
      }),
      { numRuns: 5 },
    );
  });
});
