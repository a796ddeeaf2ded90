import type { AlertNotification } from '../../domain/alerts/model';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import type { Fetch, NotifierLogger, RetryClock, RetryPolicy } from './retry';

/** Delivers a notification to one target, or throws DeliveryError (never with a secret in it). */
export interface Notifier {
  readonly target: DeliveryTarget;
  notify(notification: AlertNotification): Promise<void>;
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
