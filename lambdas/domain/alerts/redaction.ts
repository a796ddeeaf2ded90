/**
 * Redaction of credentials in text that can reach a log, an error or an HTTP answer (vendor replies echo requests).
 * Pure.
 *
 * Two rules make it hold where a plain `split(secret)` did not:
 * - every credential-bearing PART is a secret of its own: a Slack webhook URL's credential is its path
 *   (`/services/T…/B…/<token>`), so each of those segments is redacted wherever it appears, not only the whole URL;
 * - any fragment of a secret of {@link MIN_REDACTED_FRAGMENT} characters or more is redacted, so a secret cut by a
 *   truncation (ours or the vendor's) loses its visible part too. Redaction still runs on the full text BEFORE any
 *   truncation ({@link redactThenTruncate}).
 */

import { truncateChars } from './limits';

/** What a redacted run of text becomes. */
export const REDACTED = '[redacted]';

/**
 * Fragments of a secret at least this long are redacted. Shorter ones are left: 7 characters of a 24-character
 * token do not give it away, and matching shorter fragments would redact ordinary words.
 */
export const MIN_REDACTED_FRAGMENT = 8;

/**
 * Path segments that name an API, not a credential (`/services/…`, `/v2/enqueue`): a short lowercase word. A
 * credential segment is longer or carries capitals (Slack: `T0123ABCD`, 24-character mixed-case tokens).
 */
const PLAIN_SEGMENT = /^[a-z][a-z0-9-]{0,11}$/;

/**
 * The credential-bearing parts of a secret. For a URL: its user info, every path segment that is not a plain word
 * (Slack: the `T…` workspace, `B…` webhook and token segments) and every query value, or every path segment when
 * none of those is there; for anything else (a routing key, a bearer token), the secret itself.
 */
export function credentialParts(secret: string): string[] {
  const value = secret.trim();
  if (value.length === 0) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [value];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [value];
  const parts: string[] = [];
  if (url.username) parts.push(decodeURIComponent(url.username));
  if (url.password) parts.push(decodeURIComponent(url.password));
  for (const segment of url.pathname.split('/')) {
    const decoded = safeDecode(segment);
    if (decoded.length > 0 && !PLAIN_SEGMENT.test(decoded)) parts.push(decoded);
  }
  for (const [, v] of url.searchParams) if (v.length > 0) parts.push(v);
  if (parts.length > 0) return parts;
  // Nothing looked like a credential (a URL whose secret is a short lowercase segment, `…/hooks/xoxwebhook1`): every
  // path segment is one, else the host. Over-redacting a word beats echoing the one secret part.
  const segments = url.pathname
    .split('/')
    .map(safeDecode)
    .filter((segment) => segment.length > 0);
  return segments.length > 0 ? segments : [url.hostname];
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The last secrets' fragments grouped by length (one set lookup per position and length). A memo, no behaviour:
 * a notifier redacts many answers with the same secrets.
 */
let cached: { key: string; byLength: Map<number, Set<string>> } | undefined;

function fragmentsByLength(secrets: readonly string[]): Map<number, Set<string>> {
  const key = JSON.stringify(secrets);
  if (cached?.key === key) return cached.byLength;
  const byLength = new Map<number, Set<string>>();
  for (const part of secrets.flatMap(credentialParts)) {
    const k = Math.min(MIN_REDACTED_FRAGMENT, part.length);
    let set = byLength.get(k);
    if (!set) {
      set = new Set();
      byLength.set(k, set);
    }
    for (let i = 0; i + k <= part.length; i++) set.add(part.slice(i, i + k));
  }
  cached = { key, byLength };
  return byLength;
}

/**
 * Replaces every run of `text` covered by a fragment (≥ {@link MIN_REDACTED_FRAGMENT} characters, or the whole part
 * when shorter) of a credential part of `secrets` with {@link REDACTED}. Linear in the text length per fragment size.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const byLength = fragmentsByLength(secrets);
  if (byLength.size === 0 || text.length === 0) return text;
  // covered[i] = 1 when character i is inside a secret fragment (overlapping fragments merge into one run).
  const covered = new Uint8Array(text.length);
  let any = false;
  for (const [k, set] of byLength) {
    for (let i = 0; i + k <= text.length; i++) {
      if (set.has(text.slice(i, i + k))) {
        covered.fill(1, i, i + k);
        any = true;
      }
    }
  }
  if (!any) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (covered[i] === 1) {
      while (i < text.length && covered[i] === 1) i++;
      out += REDACTED;
    } else {
      const start = i;
      while (i < text.length && covered[i] !== 1) i++;
      out += text.slice(start, i);
    }
  }
  return out;
}

/**
 * Redacts the FULL text, then folds whitespace and cuts it to `maxChars` (ending in `…` when cut): the order that
 * keeps a secret crossing the cut from surviving minus its last characters.
 */
export function redactThenTruncate(text: string, secrets: readonly string[], maxChars: number): string {
  return truncateChars(redactSecrets(text, secrets).replace(/\s+/g, ' ').trim(), maxChars);
}
