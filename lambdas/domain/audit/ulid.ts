/**
 * ULIDs name Thanos blocks: 26 Crockford base32 characters, the first 10 encoding the creation time in ms.
 * Pure: no I/O.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** True when `value` is a ULID (upper case, as Thanos writes block folders). */
export function isUlid(value: string): boolean {
  return ULID_PATTERN.test(value);
}

/** Creation time of a ULID, in ms since the epoch. Throws on a string that is not a ULID. */
export function ulidTime(ulid: string): number {
  if (!isUlid(ulid)) throw new Error(`not a ULID: ${JSON.stringify(ulid)}`);
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(ulid.charAt(i));
  return time;
}

/**
 * A ULID for `timeMs` with the given 80 bits of randomness as 16 base32 characters (deterministic: fixtures and
 * benchmarks build the same bucket every run).
 */
export function makeUlid(timeMs: number, randomness: string): string {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > 2 ** 48 - 1) {
    throw new Error(`ULID time must be an integer between 0 and 2^48-1 ms, got ${timeMs}`);
  }
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(randomness)) {
    throw new Error(`ULID randomness must be 16 Crockford base32 characters, got ${JSON.stringify(randomness)}`);
  }
  let time = '';
  let rest = timeMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  return time + randomness;
}

/** `n` as 16 base32 characters (zero-padded), for deterministic ULID randomness. */
export function ulidRandomness(n: number): string {
  let out = '';
  let rest = Math.floor(Math.abs(n));
  for (let i = 0; i < 16; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * Whether some block object key (`<ULID>/...`) can start with `prefix`, i.e. whether an S3 lifecycle rule with
 * this prefix filter applies to blocks.
 */
export function prefixCanMatchBlocks(prefix: string): boolean {
  if (prefix === '') return true;
  const head = prefix.slice(0, 26);
  for (let i = 0; i < head.length; i++) {
    const c = head.charAt(i);
    if (i === 0 ? !/[0-7]/.test(c) : !ALPHABET.includes(c)) return false;
  }
  return prefix.length <= 26 || prefix.charAt(26) === '/';
}
