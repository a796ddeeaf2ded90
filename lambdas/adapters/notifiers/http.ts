import { redactThenTruncate } from '../../domain/alerts/redaction';
import { type AttemptOutcome, classifyHttpStatus, parseRetryAfter } from './retry';

export type Fetch = typeof fetch;

/** How much of a vendor's answer goes into a reason (after redaction of the whole answer). */
export const VENDOR_ANSWER_MAX_CHARS = 200;

/** Time one vendor call may take before it counts as a network error (and is retried). */
export const VENDOR_CALL_TIMEOUT_MS = 10_000;

/**
 * Network failures as text without the URL: undici's messages can include it ("Failed to parse URL from …"),
 * so only the error code goes on.
 */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return `network error${cause?.code ? ` ${cause.code}` : ''}`;
}

/**
 * The vendor's answer as a reason: the WHOLE body redacted of every credential part of `secrets`, then folded and
 * cut to {@link VENDOR_ANSWER_MAX_CHARS}.
 */
export function vendorAnswer(body: string, secrets: readonly string[]): string {
  return redactThenTruncate(body, secrets, VENDOR_ANSWER_MAX_CHARS);
}

/** POSTs JSON once and classifies the answer; network errors are `retry`. Never throws. */
export async function postJsonOnce(
  fetchFn: Fetch,
  url: string,
  body: string,
  secrets: readonly string[],
  now: () => number = Date.now,
): Promise<AttemptOutcome> {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(VENDOR_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'retry', reason: networkReason(error) };
  }
  const text = await response.text().catch(() => '');
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
  return classifyHttpStatus(response.status, retryAfter, vendorAnswer(text, secrets));
}
