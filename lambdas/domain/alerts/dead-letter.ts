import { datePartition } from '../report-keys';
import type { AlertNotification, AlertStatus } from './model';
import type { DeliveryTarget } from './routing';

/**
 * A notification one target refused for good (a permanent 4xx): recorded at once instead of being retried, with
 * the vendor's answer (redacted), so someone can fix the cause (a revoked webhook, a bad routing key) and redrive it.
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

/** `dead-letters/<yyyy>/<mm>/<dd>/<key>-<target>.json`: the local store's layout, like the alert history's. */
export function deadLetterKey(letter: Pick<DeadLetter, 'key' | 'target' | 'at'>): string {
  return `dead-letters/${datePartition(new Date(letter.at))}/${letter.key}-${letter.target}.json`;
}
