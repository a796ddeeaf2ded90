/**
 * When a notification the fan-out could not deliver (a 5xx, a 429, a network failure) is received again. SQS would
 * hand it back only after the queue's visibility timeout (six times the function's timeout: 12 minutes); the
 * consumer shortens that per record (`ChangeMessageVisibility`), growing with each receive, so a page that failed
 * on a PagerDuty 5xx is tried again within a minute, not twelve. Receive `maxReceiveCount` moves it to the DLQ.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [30, 60, 120, 300];
/** The delay once the list is used up. */
const LONGEST_DELAY_SECONDS = 300;

/** The visibility a record failed on its `receiveCount`-th receive gets: when it is received again. */
export function retryDelaySeconds(receiveCount: number): number {
  const last = RETRY_DELAYS_SECONDS.length - 1;
  const index = Number.isFinite(receiveCount) ? Math.min(Math.max(Math.floor(receiveCount), 1) - 1, last) : 0;
  return RETRY_DELAYS_SECONDS[index] ?? LONGEST_DELAY_SECONDS;
}

/**
 * The longest a notification can be redelivered after its first receive: every receive but the last waits its
 * delay, or the queue's visibility timeout when shortening it failed (the worst case, which this returns).
 */
export function redeliveryHorizonSeconds(maxReceiveCount: number, visibilityTimeoutSeconds: number): number {
  let total = 0;
  for (let receive = 1; receive < maxReceiveCount; receive++) {
    total += Math.max(retryDelaySeconds(receive), visibilityTimeoutSeconds);
  }
  return total + visibilityTimeoutSeconds;
}
