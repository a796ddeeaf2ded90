import { datePartition } from '../report-keys';
import type { AlertNotification, AlertStatus } from './model';
import type { DeliveryTarget } from './routing';

/**
 * A notification one target refused for good (a permanent 4xx), or still failed on the queue's last receive:
 * recorded with the target and the vendor's answer (redacted), so someone can fix the cause (a revoked webhook, a bad
 * routing key, an outage) and redrive it to that target alone.
 */
export interface DeadLetter {
  /** The notification's identity (`notificationKey`). */
  readonly key: string;
  readonly target: DeliveryTarget;
  readonly receiver: string;
  readonly status: AlertStatus;
  /** Vendor calls made before giving up (1 for a permanent refusal). */
  readonly attempts: number;
  /** What failed, as the retry stage says it (`slack message 1/1: refused, not retried: HTTP 400 …`), redacted. */
  readonly reason: string;
  /** The vendor's answer (`HTTP 400 invalid_blocks`), redacted then cut. */
  readonly answer: string;
  /** ISO 8601. */
  readonly at: string;
  /** The notification itself, so a redrive can deliver it again. */
  readonly notification: AlertNotification;
  /** When the webhook took it (epoch ms, ordering.ts): a redrive keeps its place in its group's order. */
  readonly sentAt?: number;
}

/** The message attributes of a dead letter the consumer reads back on a redrive (the adapter writes them). */
export const DEAD_LETTER_TARGET_ATTRIBUTE = 'target';
export const DEAD_LETTERED_AT_ATTRIBUTE = 'deadLetteredAt';

/** `dead-letters/<yyyy>/<mm>/<dd>/<key>-<target>.json`: the local store's layout, like the alert history's. */
export function deadLetterKey(letter: Pick<DeadLetter, 'key' | 'target' | 'at'>): string {
  return `dead-letters/${datePartition(new Date(letter.at))}/${letter.key}-${letter.target}.json`;
}
