/**
 * The ONE retry policy every notifier uses: 5xx and network errors are retried with exponential backoff and full
 * jitter, a 429 waits for its Retry-After (seconds or an HTTP date) and retries, any other 4xx is permanent, and
 * nothing is tried after the deadline. What cannot be delivered in time throws {@link DeliveryError}; its
 * `retryable` flag tells the caller (the queue consumer) whether a later attempt can succeed.
 */

/** The outcome of one attempt, as a notifier classifies its vendor's answer. */
export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly reason: string };

/** Logs without secrets: notifiers only ever pass redacted text here. Powertools' Logger fits. */
export interface NotifierLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface RetryPolicy {
  /** @default 6 */
  readonly maxAttempts: number;
  /** First backoff (before jitter). @default 200 ms */
  readonly baseDelayMs: number;
  /** Cap of one backoff. @default 10 s */
  readonly maxDelayMs: number;
  /** Total time for one delivery, waits included. @default 20 s (under the delivery function's timeout) */
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

/** A notification a target did not accept. The message never holds a secret (URLs and keys are redacted). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** Whether a later attempt may succeed (5xx, 429, network, deadline) or not (400, 403, 404...). */
    readonly retryable: boolean,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or
 * unreadable (the caller falls back to backoff).
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

/** Classifies an HTTP status the way every vendor here documents it. */
export function classifyHttpStatus(status: number, retryAfterMs: number | undefined, reason: string): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429) return { kind: 'retry', reason: `HTTP 429 ${reason}`.trim(), retryAfterMs };
  if (status >= 500 || status === 408) return { kind: 'retry', reason: `HTTP ${status} ${reason}`.trim() };
  return { kind: 'permanent', reason: `HTTP ${status} ${reason}`.trim() };
}

/**
 * Runs `attempt` until it is delivered, permanently refused, out of attempts or past the deadline.
 * @param target names the target in logs and errors (`slack`, `pagerduty`...), never a URL.
 */
export async function withRetry(
  target: string,
  attempt: () => Promise<AttemptOutcome>,
  options: { policy?: RetryPolicy; clock?: RetryClock; logger?: NotifierLogger } = {},
): Promise<{ attempts: number }> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const deadline = clock.now() + policy.deadlineMs;
  let last = '';
  for (let n = 1; n <= policy.maxAttempts; n++) {
    const outcome = await attempt();
    if (outcome.kind === 'delivered') return { attempts: n };
    if (outcome.kind === 'permanent') {
      throw new DeliveryError(`${target}: refused, not retried: ${outcome.reason}`, false, n);
    }
    last = outcome.reason;
    if (n === policy.maxAttempts) break;
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
    const wait = outcome.retryAfterMs ?? Math.round(clock.random() * backoff);
    if (clock.now() + wait > deadline) {
      throw new DeliveryError(
        `${target}: ${last}; next attempt in ${wait} ms would pass the ${policy.deadlineMs} ms deadline`,
        true,
        n,
      );
    }
    options.logger?.warn(`${target}: attempt ${n} failed, retrying`, { reason: last, waitMs: wait });
    await clock.sleep(wait);
  }
  throw new DeliveryError(`${target}: gave up after ${policy.maxAttempts} attempts: ${last}`, true, policy.maxAttempts);
}

/** Network failures as text without the URL (undici's messages can include it). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return `network error${cause?.code ? ` ${cause.code}` : ''}`;
}

/** Removes every occurrence of the given secrets from a text (vendor answers can echo a request). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}

export type Fetch = typeof fetch;

/** POSTs JSON, returning status, Retry-After and a short redacted reason; network errors become `retry`. */
export async function postJson(
  fetchFn: Fetch,
  url: string,
  body: string,
  secrets: readonly string[],
  clock: RetryClock,
): Promise<AttemptOutcome> {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { kind: 'retry', reason: networkReason(error) };
  }
  const text = await response.text().catch(() => '');
  const reason = redact(text.slice(0, 200), secrets).replace(/\s+/g, ' ');
  return classifyHttpStatus(response.status, parseRetryAfter(response.headers.get('retry-after'), clock.now()), reason);
}
