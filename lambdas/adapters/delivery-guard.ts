/**
 * Remembers which (notification, target) deliveries already happened, for a short window, so the same
 * notification sent by both Alertmanager replicas, or retried by Lambda, reaches each target once.
 */
export interface DeliveryGuard {
  /**
   * Runs `deliver` unless a delivery under `key` succeeded within the window; a failed delivery is forgotten so
   * it can be retried. Resolves `true` when `deliver` ran, `false` when it was a duplicate.
   */
  once(key: string, deliver: () => Promise<void>): Promise<boolean>;
}

/** In-memory guard (local runs, tests): same semantics as the DynamoDB one, per process. */
export function memoryDeliveryGuard(ttlSeconds: number, now: () => number = Date.now): DeliveryGuard {
  const done = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  return {
    async once(key, deliver) {
      const t = now();
      for (const [k, expires] of done) if (expires <= t) done.delete(k);
      if (done.has(key)) return false;
      const running = inFlight.get(key);
      if (running) {
        // A concurrent duplicate waits for the first; if that one fails, this one fails too (and is retried).
        await running;
        return false;
      }
      const attempt = deliver();
      inFlight.set(key, attempt);
      try {
        await attempt;
        done.set(key, now() + ttlSeconds * 1000);
        return true;
      } finally {
        inFlight.delete(key);
      }
    },
  };
}
