/**
 * Polls `fn` until it returns a value other than undefined (or stops throwing), or fails with what it last saw.
 * Tests wait with this, never with a fixed sleep.
 */
export async function eventually<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  { timeoutMs, intervalMs = 250, what = 'a condition' }: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
