import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header value, or undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Compares a presented token with the expected one in constant time: both are hashed to SHA-256 first, so
 * `timingSafeEqual` gets equal-length inputs and neither the content nor the length of the expected token leaks
 * through timing.
 */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Where an expected token comes from: the current one, and the one before it while a rotation settles. */
export interface TokenSources {
  readonly current: () => Promise<string>;
  /** The token before the last rotation (Secrets Manager `AWSPREVIOUS`), if any. @default none */
  readonly previous?: () => Promise<string | undefined>;
}

/**
 * Whether `given` is the current token or, during a rotation, the previous one: a client reading the token from a
 * file that syncs later (Alertmanager's, refreshed by External Secrets within its hour) keeps working until it has
 * the new one. The previous one stays accepted until the next rotation: to shut a leaked token out, rotate twice.
 */
export async function acceptedToken(given: string, sources: TokenSources): Promise<boolean> {
  if (sameToken(given, await sources.current())) return true;
  const previous = await sources.previous?.();
  return previous !== undefined && sameToken(given, previous);
}
