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
