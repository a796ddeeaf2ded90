/** What the push API answers: one place for every refusal, so each carries the Pushgateway's status and a cause. */
export interface PushResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Names the replicas that did not take the push now; the repair brings them to the group's record. */
export const MISSED_HEADER = 'x-greenlang-replicas-missed';
/** Names replicas that refused what the others applied (they held something the record does not; logged). */
export const REJECTED_HEADER = 'x-greenlang-replicas-rejected';

export function textResponse(status: number, body: string, headers: Record<string, string> = {}): PushResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/** A push refused before anything was applied: the status the Pushgateway would answer and a one-line cause. */
export function refuse(status: number, message: string, headers: Record<string, string> = {}): PushResponse {
  return textResponse(status, message.endsWith('\n') ? message : `${message}\n`, headers);
}

/** The push was applied (or is owned by the repair for the replicas named as missed). */
export function accepted(status: number, missed: readonly string[], rejected: readonly string[]): PushResponse {
  const headers: Record<string, string> = {};
  if (missed.length > 0) headers[MISSED_HEADER] = missed.join(', ');
  if (rejected.length > 0) headers[REJECTED_HEADER] = rejected.join(', ');
  return { status, headers, body: '' };
}

/**
 * A path the Pushgateway's router would not route: it answers 301 to the cleaned path (Go's ServeMux) and a client
 * following it would write another group. Same status and Location, plus the cause; nothing is applied.
 */
export function redirectUncleanPath(path: string, cleaned: string): PushResponse {
  return refuse(
    301,
    `path "${path}" has dot segments or empty segments; the Pushgateway redirects it to "${cleaned}" and applies nothing`,
    { location: escapePath(cleaned) },
  );
}

/** Percent-encodes a decoded path for a Location header (keeps `/` and the characters Go leaves in paths). */
function escapePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (m) => decodeURIComponent(m)))
    .join('/');
}
