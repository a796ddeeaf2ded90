/**
 * A value built on first use and kept for the container's life: a function's composition root is imported with
 * `import()` on the first invocation, so the SDK clients and adapters it pulls in are not part of the module load
 * (esbuild splits them into chunks: lib/layer/bundling.ts). A failed build is not kept: the next call retries.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
