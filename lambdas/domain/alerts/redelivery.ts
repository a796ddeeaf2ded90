/**
 * When a notification the fan-out could not deliver (a 5xx, a 429, a network failure) is received again. SQS would
 * hand it back only after the queue's visibility timeout (six times the function's timeout: 12 minutes); the
 * consumer sets the wait per record (`ChangeMessageVisibility`), growing with each receive: a page that met a
 * PagerDuty 5xx is tried again after 30 s, and a vendor outage is waited out for about 50 minutes (30 s, 2, 10, 20
 * and 20 minutes over the five receives) before the dead-letter queue, as long as the 12-minute timeout gave before.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [30, 120, 600, 1200];
/** The delay once the list is used up. */
const LONGEST_DELAY_SECONDS = 1200;

/** The visibility a record failed on its `receiveCount`-th receive gets: when it is received again. */
export function retryDelaySeconds(receiveCount: number): number {
  const last = RETRY_DELAYS_SECONDS.length - 1;
  const index = Number.isFinite(receiveCount) ? Math.min(Math.max(Math.floor(receiveCount), 1) - 1, last) : 0;
  return RETRY_DELAYS_SECONDS[index] ?? LONGEST_DELAY_SECONDS;
}

/**
 * The longest a notification can keep being redelivered after its first receive: each of its `maxReceiveCount`
 * receives waits its delay, or the queue's visibility timeout when setting the delay failed, whichever is longer
 * (the worst case, which this returns); after the last it moves to the dead-letter queue.
 */
export function redeliveryHorizonSeconds(maxReceiveCount: number, visibilityTimeoutSeconds: number): number {
  let total = 0;
  for (let receive = 1; receive <= maxReceiveCount; receive++) {
    total += Math.max(retryDelaySeconds(receive), visibilityTimeoutSeconds);
  }
  return total;
}

/** The usual wait before a failed notification reaches the dead-letter queue (every delay set as planned). */
export function deadLetterAfterSeconds(maxReceiveCount: number): number {
  return redeliveryHorizonSeconds(maxReceiveCount, 0);
}
