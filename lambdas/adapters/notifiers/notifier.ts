import type { AlertNotification } from '../../domain/alerts/model';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import type { Fetch, NotifierLogger, RetryClock, RetryPolicy } from './retry';

/**
 * Runs `send` for one part of a notification (one of several Slack messages) unless that part was already
 * delivered: after a failure in message 2 of 3, the retry does not post message 1 again.
 */
export type PartGuard = (part: string, send: () => Promise<void>) => Promise<unknown>;

/** Delivers a notification to one target, or throws DeliveryError (never with a secret in it). */
export interface Notifier {
  readonly target: DeliveryTarget;
  notify(notification: AlertNotification, parts?: PartGuard): Promise<void>;
}

/** A secret read when needed (Secrets Manager with a short cache in AWS, an env variable locally). */
export type SecretSource = () => Promise<string>;

/** What every HTTP notifier takes besides its secret. */
export interface HttpNotifierOptions {
  readonly fetch?: Fetch;
  readonly policy?: RetryPolicy;
  readonly clock?: RetryClock;
  readonly logger?: NotifierLogger;
}
