import { parseGroupingPath } from './grouping-key';

/**
 * Which push API clients may write which jobs' groups: client id (`clientOf` the token) → job patterns, each a job
 * name or a prefix ending in `*` (`etl-*`). No grants: every client of the audience may write every job, as before.
 */
export type JobGrants = ReadonlyMap<string, readonly string[]>;

export const NO_GRANTS: JobGrants = new Map();

const PATTERN = /^[^*]+\*?$|^\*$/;

/** Why `patterns` of `client` cannot be grants (one line), or undefined. */
export function grantProblem(client: string, patterns: unknown): string | undefined {
  if (client.trim() === '') return 'a client id must not be empty';
  if (!Array.isArray(patterns) || patterns.length === 0) {
    return `client "${client}": expected a non-empty list of job patterns`;
  }
  for (const pattern of patterns) {
    if (typeof pattern !== 'string' || !PATTERN.test(pattern)) {
      return `client "${client}": ${JSON.stringify(pattern)} is not a job name or a prefix ending in "*"`;
    }
  }
  return undefined;
}

/** Grants from their JSON form (`{"<client id>": ["job", "prefix-*"]}`); throws a one-line error naming the problem. */
export function parseJobGrants(text: string): JobGrants {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`job grants are not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('job grants must be an object of client id to job patterns');
  }
  const grants = new Map<string, readonly string[]>();
  for (const [client, patterns] of Object.entries(parsed)) {
    const problem = grantProblem(client, patterns);
    if (problem) throw new Error(`job grants: ${problem}`);
    grants.set(client, patterns as string[]);
  }
  return grants;
}

/**
 * Claims naming the client a JWT access token was issued to, in the order read: `client_id` (RFC 9068 makes it
 * required in JWT access tokens; Cognito sets it), `cid` (Okta's access tokens), `azp` (the OIDC authorized party:
 * Keycloak, Auth0, Entra ID v2 access tokens).
 */
export const CLIENT_CLAIMS = ['client_id', 'cid', 'azp'] as const;

/** The client a token's claims name (see CLIENT_CLAIMS), or undefined. */
export function clientOf(claims: Readonly<Record<string, unknown>> | undefined): string | undefined {
  for (const claim of CLIENT_CLAIMS) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function matches(pattern: string, job: string): boolean {
  return pattern.endsWith('*') ? job.startsWith(pattern.slice(0, -1)) : job === pattern;
}

/**
 * Why the push to `path` (percent-decoded, as the handler reads it) by `client` is refused under `grants` (403), or
 * undefined when it may go on. A path that names no job goes on: the handler answers it as the Pushgateway would.
 */
export function jobGrantRefusal(grants: JobGrants, client: string | undefined, path: string): string | undefined {
  if (grants.size === 0) return undefined;
  const parsed = parseGroupingPath(path);
  if (!parsed.ok) return undefined;
  const job = parsed.key.job as string;
  if (client === undefined) {
    return `the token names no client (${CLIENT_CLAIMS.join(', ')} claim), and pushes are granted per client (job "${job}")`;
  }
  const patterns = grants.get(client);
  if (!patterns) return `client "${client}" is granted no job (job "${job}")`;
  if (patterns.some((pattern) => matches(pattern, job))) return undefined;
  return `client "${client}" may not push to job "${job}" (granted: ${patterns.join(', ')})`;
}
