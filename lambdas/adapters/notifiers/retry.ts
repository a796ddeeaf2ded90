/**
 * THE retry stage: notifiers make one attempt per vendor request and classify it ({@link AttemptOutcome}); this
 * stage alone applies the shared policy to every notifier. 5xx and network errors are retried with exponential
 * backoff and full jitter, a 429 waits for its Retry-After (seconds or an HTTP date), a permanent refusal stops at
 * once, and nothing is tried after the deadline. What cannot be delivered throws {@link DeliveryError}; its
 * `retryable` flag tells the caller whether a later attempt can succeed (the delivery function dead-letters the
 * permanent ones at once).
 *
 * The split follows Alertmanager's notify/: a Notifier returns `(retry bool, err error)` for ONE attempt and
 * `RetryStage.exec` owns the backoff loop (prometheus/alertmanager notify/notify.go, `RetryStage.exec`, commit
 * 00c66763: `retry, err := r.integration.Notify(ctx, sent...)`; `if !retry { return ... "notify retry canceled due
 * to unrecoverable error" }`). Unlike Alertmanager, a 429 is retried after Retry-After (alertmanager#2111).
 */
import type { AlertNotification } from '../../domain/alerts/model';
import type { Logger } from '../logger';
import type { Notifier, PartGuard } from './notifier';

/** The outcome of one attempt, as a notifier classifies its vendor's answer. Reasons are already redacted. */
export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly reason: string };

export interface RetryPolicy {
  /** @default 6 */
  readonly maxAttempts: number;
  /** First backoff (before jitter). @default 200 ms */
  readonly baseDelayMs: number;
  /** Cap of one backoff. @default 10 s */
  readonly maxDelayMs: number;
  /** Total time for one vendor request, waits included. @default 20 s (under the delivery function's timeout) */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  deadlineMs: 20_000,
};

/** Time and randomness, injectable so tests run without waiting. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const SYSTEM_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** A notification a target did not accept. Message and answer never hold a secret (they are redacted). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** Whether a later attempt may succeed (5xx, 429, network, deadline) or not (400, 403, 404...). */
    readonly retryable: boolean,
    readonly attempts: number,
    /** The vendor's last answer as classified (`HTTP 400 invalid_blocks`), redacted and cut. */
    readonly answer = '',
  ) {
    super(message);
  }
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or
 * unreadable (the stage falls back to backoff).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP-date (IMF-fixdate and the obsolete forms) always starts with the day name; Date.parse alone would
  // accept "-5" or "1.5" as dates.
  if (!/^[A-Za-z]{3,9},?\s/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Classifies an HTTP status the way every vendor here documents it: 2xx delivered; 429 (after Retry-After), 408
 * and 5xx retried; any other status permanent. Alertmanager's `Retrier.Check` is the same minus 429/408
 * (prometheus/alertmanager notify/util.go L183-207 @00c66763: `retry := statusCode/100 == 5`).
 */
export function classifyHttpStatus(status: number, retryAfterMs: number | undefined, reason: string): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const text = `HTTP ${status} ${reason}`.trim();
  if (status === 429) return { kind: 'retry', reason: text, retryAfterMs };
  if (status >= 500 || status === 408) return { kind: 'retry', reason: text };
  return { kind: 'permanent', reason: text };
}

/** Applies the shared policy to every vendor request of any notifier. */
export interface RetryStage {
  /**
   * Sends each of the notifier's requests for `notification` in order, each retried under the policy; a request
   * with a `part` runs through `parts` (so a retry does not repeat a part already delivered).
   * @throws DeliveryError on the first request that is refused or runs out of attempts or time.
   * @throws Superseded when `stillCurrent`, asked before every attempt after the first, answers false.
   */
  deliver(
    notifier: Notifier,
    notification: AlertNotification,
    parts?: PartGuard,
    stillCurrent?: () => Promise<boolean>,
  ): Promise<{ attempts: number }>;
}

/** A retry not made because something newer was delivered meanwhile (the caller's `stillCurrent`). */
export class Superseded extends Error {
  override readonly name = 'Superseded';
}

export interface RetryStageOptions {
  readonly policy?: RetryPolicy;
  readonly clock?: RetryClock;
  readonly logger?: Logger;
}

/** The retry stage with the given policy (default {@link DEFAULT_RETRY_POLICY}). */
export function retryStage(options: RetryStageOptions = {}): RetryStage {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const logger = options.logger;

  /** Runs one request until delivered, permanently refused, out of attempts or past the deadline. */
  async function untilSettled(
    name: string,
    send: () => Promise<AttemptOutcome>,
    stillCurrent?: () => Promise<boolean>,
  ): Promise<number> {
    const deadline = clock.now() + policy.deadlineMs;
    let last = '';
    for (let n = 1; n <= policy.maxAttempts; n++) {
      if (n > 1 && stillCurrent && !(await stillCurrent()))
        throw new Superseded(`${name}: superseded after ${n - 1} attempts`);
      let outcome: AttemptOutcome;
      try {
        outcome = await send();
      } catch (error) {
        // A notifier classifies its answers; a throw is a bug or a broken dependency. Its message may hold a URL,
        // so only its name goes on.
        outcome = { kind: 'retry', reason: `unexpected ${error instanceof Error ? error.name : 'error'}` };
      }
      if (outcome.kind === 'delivered') return n;
      if (outcome.kind === 'permanent') {
        throw new DeliveryError(`${name}: refused, not retried: ${outcome.reason}`, false, n, outcome.reason);
      }
      last = outcome.reason;
      if (n === policy.maxAttempts) break;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      const wait = outcome.retryAfterMs ?? Math.round(clock.random() * backoff);
      if (clock.now() + wait > deadline) {
        throw new DeliveryError(
          `${name}: ${last}; next attempt in ${wait} ms would pass the ${policy.deadlineMs} ms deadline`,
          true,
          n,
          last,
        );
      }
      logger?.warn(`${name}: attempt ${n} failed, retrying`, { reason: last, waitMs: wait });
      await clock.sleep(wait);
    }
    throw new DeliveryError(
      `${name}: gave up after ${policy.maxAttempts} attempts: ${last}`,
      true,
      policy.maxAttempts,
      last,
    );
  }

  return {
    async deliver(notifier, notification, parts, stillCurrent) {
      const requests = await notifier.requests(notification);
      let total = 0;
      for (const request of requests) {
        const send = async () => {
          const attempts = await untilSettled(request.name, request.send, stillCurrent);
          total += attempts;
          logger?.info(`${request.name}: delivered`, { target: notifier.target, attempts });
        };
        if (parts && request.part !== undefined) await parts(request.part, send);
        else await send();
      }
      return { attempts: total };
    },
  };
}
