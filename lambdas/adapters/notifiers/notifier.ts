import type { AlertNotification } from '../../domain/alerts/model';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import type { Fetch } from './http';
import type { AttemptOutcome } from './retry';

/**
 * Runs `send` for one part of a notification (one of several Slack messages) unless that part was already
 * delivered: after a failure in message 2 of 3, the retry does not post message 1 again.
 */
export type PartGuard = (part: string, send: () => Promise<void>) => Promise<unknown>;

/** One request to a vendor (one Slack message, one PagerDuty event, one SNS publish). */
export interface VendorRequest {
  /** Names the request in logs and errors (`slack message 1/3`), never with a URL or key in it. */
  readonly name: string;
  /** Set when the notification has several requests: the key under which a delivered one is remembered. */
  readonly part?: string;
  /** Makes ONE attempt and classifies the vendor's answer; the reason is already redacted. Never throws. */
  send(): Promise<AttemptOutcome>;
}

/**
 * A target's notifier: turns a notification into vendor requests that each make one attempt and classify it
 * (delivered / retry after / permanent). Retrying is not its job: the retry stage (`retry.ts`) applies the one
 * policy to all notifiers, as Alertmanager's notifiers return `(retry, err)` and its RetryStage loops.
 */
export interface Notifier {
  readonly target: DeliveryTarget;
  requests(notification: AlertNotification): Promise<readonly VendorRequest[]>;
}

/** A secret read when needed (Secrets Manager with a short cache in AWS, an env variable or file locally). */
export type SecretSource = () => Promise<string>;

/** What every HTTP notifier takes besides its secret. */
export interface HttpNotifierOptions {
  /** @default globalThis.fetch */
  readonly fetch?: Fetch;
  /** Time, for Retry-After given as an HTTP date. @default Date.now */
  readonly now?: () => number;
}
