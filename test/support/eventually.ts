/**
 * Polls `fn` until it returns without throwing, or the deadline passes (then throws the last error). For tests
 * waiting on real processes: a scrape, a rule evaluation, a push arriving.
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
  throw new Error(`not true within ${timeoutMs} ms: ${(lastError as Error)?.message ?? String(lastError)}`);
}
