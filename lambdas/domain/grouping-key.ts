/**
 * The Pushgateway's grouping key in the URL: `/metrics/job[@base64]/<job>{/<label>[@base64]/<value>}`.
 * `@base64` values are URL-safe base64 (RFC 4648 §5), padding optional; `=` stands for the empty value.
 */

/** Label name -> value; always has `job`. */
export type GroupingKey = Readonly<Record<string, string>>;

/**
 * `derive`, kept per key object (keys are immutable). The ingestion keeps one key object per group's path
 * (push-ingest/group-paths.ts), so what a key gives is derived once per group, not once per push.
 */
export function perKey<T>(derive: (key: GroupingKey) => T): (key: GroupingKey) => T {
  const derived = new WeakMap<GroupingKey, T>();
  return (key) => {
    let value = derived.get(key);
    if (value === undefined) {
      value = derive(key);
      derived.set(key, value);
    }
    return value;
  };
}

/**
 * The label names of a grouping key (sorted, joined by `,`; label names hold no `,`): the registry entry of
 * series-crossings.ts, and the shape by which the group index tells groups whose series can never meet apart.
 */
export const keyNamesOf = perKey((key) => Object.keys(key).sort().join(','));

export type PathResult =
  | { readonly ok: true; readonly key: GroupingKey }
  | { readonly ok: false; readonly status: 400 | 404; readonly message: string };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const URL_SAFE_BASE64 = /^[A-Za-z0-9_-]*=*$/;

/** Refuses malformed UTF-8 instead of replacing it (one decoder: each call decodes a whole value). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes URL-safe base64 to UTF-8 (trailing `=` ignored, as the Pushgateway does); undefined when malformed or not UTF-8. */
export function decodeBase64Value(encoded: string): string | undefined {
  if (!URL_SAFE_BASE64.test(encoded)) return undefined;
  const body = encoded.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  const bytes = Buffer.from(body, 'base64url');
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** URL-safe base64 without padding; `=` for the empty string. */
export function encodeBase64Value(value: string): string {
  if (value === '') return '=';
  return Buffer.from(value, 'utf8').toString('base64url');
}

/**
 * Parses the path after `/metrics` (already percent-decoded, as Go's router sees it). A `/metrics/...` path that is
 * not a grouping key at all answers 404, like the Pushgateway's router; a malformed key answers 400.
 */
export function parseGroupingPath(path: string): PathResult {
  const match = /^\/metrics\/job(@base64)?\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) return { ok: false, status: 404, message: '404 page not found' };
  const [, jobBase64, rawJob = '', rest] = match;
  let job = rawJob;
  if (jobBase64) {
    const decoded = decodeBase64Value(rawJob);
    if (decoded === undefined)
      return { ok: false, status: 400, message: `invalid base64 encoding in job name "${rawJob}"` };
    job = decoded;
  }
  if (job === '') return { ok: false, status: 400, message: 'job name is required' };
  const key: Record<string, string> = { job };
  if (rest !== undefined) {
    const parts = rest.slice(1).split('/');
    if (parts.length % 2 !== 0)
      return { ok: false, status: 400, message: `odd number of components in label string "${rest}"` };
    for (let i = 0; i < parts.length; i += 2) {
      let name = parts[i] ?? '';
      let value = parts[i + 1] ?? '';
      const base64 = name.endsWith('@base64');
      if (base64) name = name.slice(0, -'@base64'.length);
      if (!LABEL_NAME.test(name) || name.startsWith('__')) {
        return { ok: false, status: 400, message: `improper label name "${parts[i]}"` };
      }
      if (base64) {
        const decoded = decodeBase64Value(value);
        if (decoded === undefined) {
          return { ok: false, status: 400, message: `invalid base64 encoding for label ${name}="${value}"` };
        }
        value = decoded;
      }
      key[name] = value;
    }
  }
  return { ok: true, key };
}

/** The canonical path of a grouping key (every value base64-encoded, so any value round-trips). */
export const formatGroupingPath = perKey((key) => {
  const { job = '', ...labels } = key;
  let path = `/metrics/job@base64/${encodeBase64Value(job)}`;
  for (const name of Object.keys(labels).sort()) path += `/${name}@base64/${encodeBase64Value(labels[name] ?? '')}`;
  return path;
});

/** A stable identity of a grouping key (sorted label pairs). */
export function groupingKeyId(key: GroupingKey): string {
  return Object.keys(key)
    .sort()
    .map((name) => `${name}=${JSON.stringify(key[name])}`)
    .join(',');
}
