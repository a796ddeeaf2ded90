/**
 * Polls `fn` until it returns without throwing, and returns its value; after `timeoutMs`, throws its last error.
 * Tests wait with this, never with a fixed sleep.
 */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
