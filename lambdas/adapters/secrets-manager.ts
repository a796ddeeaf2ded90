import type { SecretSource } from './notifiers/notifier';

/**
 * A secret read from Secrets Manager through Powertools, cached `maxAgeSeconds` (a rotated webhook URL, routing
 * key or token is picked up within that, without a redeploy). The Secrets Manager client is imported on the first
 * read, so it is not part of a function's module load (`npm run bench -- lambda-bundles`).
 */
export function secretsManagerSource(name: string, maxAgeSeconds = 60): SecretSource {
  return async () => {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    const value = await getSecret(name, { maxAge: maxAgeSeconds });
    if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${name} is empty or binary`);
    return value.trim();
  };
}

/**
 * The version a secret had before its last `put-secret-value` (staging label `AWSPREVIOUS`), or undefined when it
 * has none or it cannot be read; cached `maxAgeSeconds`, its absence too (it is asked only for a token that is not
 * the current one, which a flood of bad tokens would otherwise turn into a read each). Its own Powertools provider:
 * the default one caches by name and transform only, so the two versions would share an entry.
 */
export function previousSecretSource(name: string, maxAgeSeconds = 60): () => Promise<string | undefined> {
  let cached: { value: string | undefined; until: number } | undefined;
  let provider: { get(name: string, options: object): Promise<unknown> } | undefined;
  return async () => {
    if (cached && Date.now() < cached.until) return cached.value;
    let value: string | undefined;
    try {
      if (!provider) {
        const { SecretsProvider } = await import('@aws-lambda-powertools/parameters/secrets');
        provider = new SecretsProvider();
      }
      const read = await provider.get(name, { maxAge: maxAgeSeconds, sdkOptions: { VersionStage: 'AWSPREVIOUS' } });
      value = typeof read === 'string' && read.trim().length > 0 ? read.trim() : undefined;
    } catch {
      // No previous version yet (ResourceNotFoundException), or unreadable: only the current one is accepted.
      value = undefined;
    }
    cached = { value, until: Date.now() + maxAgeSeconds * 1000 };
    return value;
  };
}
