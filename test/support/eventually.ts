/**
 * Polls `fn` until it returns without throwing, or throws its last error after `timeoutMs`. The way tests wait for
 * something asynchronous — a scrape, a rule evaluation, a push arriving — never a fixed sleep.
 */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw lastError instanceof Error
    ? new Error(`not true after ${timeoutMs} ms: ${lastError.message}`)
    : new Error(`not true after ${timeoutMs} ms`);
}
