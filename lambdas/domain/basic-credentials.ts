/**
 * The basic-auth credentials the Pushgateway replicas admit (their exporter-toolkit web config's `basic_auth_users`,
 * lib/k8s/pushgateway-auth.ts): one user and password, kept in Secrets Manager in AWS (`PUSHGATEWAY_AUTH_SECRET`)
 * and in a file locally (`--pushgateway-auth-file`), both as `{"username": "...", "password": "..."}`.
 */

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The credentials in `text` (the secret's JSON), or an error naming `source` and what is wrong. RFC 7617 section 2:
 * a user-id containing a colon cannot be sent, and neither may hold control characters.
 */
export function parseBasicCredentials(text: string, source: string): BasicCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not JSON; expected {"username": "...", "password": "..."}`);
  }
  const { username, password } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  for (const [field, value] of [
    ['username', username],
    ['password', password],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`${source}: "${field}" must be a non-empty string`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`${source}: "${field}" holds a control character`);
  }
  if ((username as string).includes(':')) throw new Error(`${source}: "username" must not contain ":" (RFC 7617)`);
  return { username: username as string, password: password as string };
}

/** The `Authorization` header value of `credentials` (RFC 7617: UTF-8, base64 of `user:password`). */
export function basicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

/**
 * Where a replica client gets its `Authorization` header: at once on every request (no wait on a push's path), and
 * read again after a replica answered 401, so a rotated password is picked up without a restart.
 */
export interface CredentialSource {
  /** The header value to send now. */
  current(): string;
  /**
   * Reads the credentials again. Concurrent callers (both replicas refusing the same old header) share one read, so
   * each then sees the new header in `current()` and sends its request again.
   */
  refresh(): Promise<void>;
}

/** Credentials read by `read` (the secret's text) now, and again on each refresh (which `read` may cache). */
export async function readCredentials(read: () => Promise<string>, source: string): Promise<CredentialSource> {
  let header = basicAuthorization(parseBasicCredentials(await read(), source));
  let reading: Promise<void> | undefined;
  return {
    current: () => header,
    refresh() {
      reading ??= (async () => {
        try {
          header = basicAuthorization(parseBasicCredentials(await read(), source));
        } finally {
          reading = undefined;
        }
      })();
      return reading;
    },
  };
}
