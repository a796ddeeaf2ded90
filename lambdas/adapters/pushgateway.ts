import type { CredentialSource } from '../domain/basic-credentials';
import { METRIC_TYPES_BY_NAME, type MetricType, parseExposition } from '../domain/exposition/parser';
import { escapeHelp, escapeLabelValue } from '../domain/group-record';
import { type FamilyState, type GroupState, type Labels, labelSetId } from '../domain/pushgateway-semantics';
import { Http1Pool, Http1RequestError } from './http1-pool';
import type { Http1Response } from './http1-response';

/** One Pushgateway replica over HTTP: apply a push as received, read every group, read its own metric types. */
export interface PushgatewayReplica {
  /** Stable name used in headers and the group store, e.g. `pushgateway-1`. */
  readonly name: string;
  readonly url: string;
  /** Forwards a push as is. Throws {@link ReplicaUnavailableError} when the replica cannot take it (network, 5xx). */
  push(request: ForwardedPush): Promise<ReplicaAnswer>;
  /** Every group the replica holds (`/api/v1/metrics`). Throws {@link ReplicaUnavailableError}. */
  groups(): Promise<StoredGroup[]>;
  /**
   * Everything it exposes, as delimited protobuf (`/metrics` with the protobuf Accept header): the only view that
   * carries native histograms, gauge histograms and exemplars. Throws {@link ReplicaUnavailableError}.
   */
  exposition(): Promise<Uint8Array>;
  /** Types of the replica's own metric families (no `job` label), read once and cached. */
  ownFamilies(): Promise<ReadonlyMap<string, MetricType>>;
  /**
   * Which run of the replica answers: its start time (`/api/v1/status`). A new value means it restarted and holds
   * only what its persistence file had, if anything. Throws {@link ReplicaUnavailableError}.
   */
  incarnation(): Promise<string>;
}

export interface ForwardedPush {
  readonly method: 'PUT' | 'POST' | 'DELETE';
  /** `/metrics/job/...`, percent-encoded as sent to the replica. */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

export interface ReplicaAnswer {
  readonly status: number;
  readonly body: string;
}

/** A group as `/api/v1/metrics` shows it, plus its consistency view. */
export interface StoredGroup extends GroupState {
  /** `push_time_seconds` of the group (0 when never pushed successfully). */
  readonly pushTimeSeconds: number;
  /** The families as the API returned them (for comparisons), without the push-time families. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export class ReplicaUnavailableError extends Error {
  override readonly name = 'ReplicaUnavailableError';
  /**
   * Whether the replica may still apply the request: true when it got no answer after sending (timeout, reset);
   * false when the connection was refused or the replica answered an error.
   */
  readonly maybeApplied: boolean;
  constructor(message: string, maybeApplied = false) {
    super(message);
    this.maybeApplied = maybeApplied;
  }
}

/**
 * What Prometheus asks for to get delimited protobuf (expfmt.FmtProtoDelim); Pushgateway 1.5.1 answers `/metrics`
 * with it, native histograms included (checked against the binary; push-clients.test.ts reads them so).
 */
export const PROTOBUF_EXPOSITION =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

/** How a kept-alive connection the peer (or a load balancer in between) already dropped fails on reuse. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

/** A request failed on a reused connection that was already dead, before any answer: sent again on a new one. */
const stale = (error: Http1RequestError) => error.reused && !error.answered && STALE_CONNECTION.has(error.code);

export interface PushgatewayClientOptions {
  /** @default 5000 */
  readonly timeoutMs?: number;
  /**
   * PEM of the CA that signs the replica's certificate (`https` URLs): the only CA trusted, instead of Node's
   * public roots. Trusted even when it is an intermediate (an AWS Private CA may be subordinate), so the chain may
   * end at it (Node `allowPartialTrustChain`, OpenSSL X509_V_FLAG_PARTIAL_CHAIN).
   */
  readonly ca?: string;
  /**
   * The basic-auth credentials the replica admits (basic-credentials.ts), sent with every request. Without them
   * no `Authorization` header is sent (a replica without a web config).
   */
  readonly credentials?: CredentialSource;
}

/** HTTP statuses of a replica refusing the request's credentials before any handler runs: nothing was applied. */
const REFUSED_CREDENTIALS = new Set([401, 403]);

interface ApiMetric {
  readonly labels?: Record<string, string>;
}
interface ApiFamily {
  readonly type?: string;
  readonly help?: string;
  readonly metrics?: ApiMetric[];
}
interface ApiGroup {
  readonly labels: Record<string, string>;
  readonly [name: string]: unknown;
}

const META = new Set(['labels', 'last_push_successful', 'push_time_seconds', 'push_failure_time_seconds']);

/** Converts one `/api/v1/metrics` group to the domain's view. */
export function toStoredGroup(group: ApiGroup): StoredGroup {
  const families: FamilyState[] = [];
  // No prototype: a metric may be named `__proto__` (only the `__name__` label is reserved), which an ordinary
  // object's setter would take as its prototype instead of a key.
  const raw: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(group)) {
    if (META.has(name)) continue;
    const family = value as ApiFamily;
    raw[name] = { type: family.type, help: family.help, metrics: family.metrics }; // no time_stamp: it differs per replica
    families.push({
      name,
      type: METRIC_TYPES_BY_NAME[family.type ?? 'UNTYPED'] ?? 'untyped',
      help: family.help,
      seriesIds: (family.metrics ?? []).map((m) => labelSetId((m.labels ?? {}) as Labels)),
    });
  }
  const pushTime = group.push_time_seconds as ApiFamily | undefined;
  const pushTimeValue = Number((pushTime?.metrics?.[0] as { value?: string } | undefined)?.value ?? 0);
  return { key: group.labels, families, pushTimeSeconds: pushTimeValue, raw };
}

/**
 * The types of a Pushgateway's own metric families, from its `/metrics`: those with a series without `job` (every
 * pushed series has one).
 */
export function ownFamilyTypes(metricsText: string): ReadonlyMap<string, MetricType> {
  const parsed = parseExposition(metricsText);
  const types = new Map<string, MetricType>();
  if (parsed.ok) {
    for (const family of parsed.families) {
      if (family.samples.some((s) => !s.labels.some(([label]) => label === 'job'))) types.set(family.name, family.type);
    }
  }
  return types;
}

/** An HTTP client of one replica. */
export function pushgatewayReplica(
  name: string,
  url: string,
  options: PushgatewayClientOptions = {},
): PushgatewayReplica {
  const base = url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const { credentials } = options;
  let own: Promise<ReadonlyMap<string, MetricType>> | undefined;
  const target = new URL(base);
  if (options.ca !== undefined && target.protocol !== 'https:') {
    throw new Error(`${name}: a CA is given but ${base} is not an https URL`);
  }
  // Kept-alive connections: a push is one round trip to each replica, not a TCP handshake plus one.
  const pool = new Http1Pool({
    origin: target,
    timeoutMs,
    maxConnections: 64,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const prefix = target.pathname.replace(/\/+$/, '');

  type Init = { method: string; headers?: Record<string, string>; body?: Uint8Array };

  /**
   * One request; sent again, once, on a fresh connection when a kept-alive connection turns out dead before
   * answering. A Lambda frozen between pushes holds connections the NLB forgot after its 350 s idle timeout: the next
   * packet on one gets a RST (ELB guide, "Network Load Balancers", connection idle timeout), before any target saw
   * the request. Node's own advice for this race is to retry idempotent requests on a reused socket (Node docs, http,
   * "request.reusedSocket"); every request here is idempotent: a GET, or a PUT/DELETE of a group's whole state.
   */
  async function call(path: string, init: Init, refreshed = false): Promise<Http1Response> {
    const headers = init.headers ?? {};
    if (credentials) headers.authorization = credentials.current();
    const request = { method: init.method, path: `${prefix}${path}`, headers, body: init.body };
    let response: Http1Response;
    try {
      try {
        response = await pool.request(request);
      } catch (error) {
        if (!(error instanceof Http1RequestError && stale(error))) throw error;
        // The other idle connections were frozen as long: drop them, so the retry opens a new one.
        pool.dropIdle();
        response = await pool.request(request);
      }
    } catch (error) {
      if (!(error instanceof Http1RequestError)) throw error;
      // Applied only if sent: a connection never established (refused, unreachable, a TLS handshake refused: every
      // certificate check fails before 'secureConnect') carried nothing.
      throw new ReplicaUnavailableError(`${name}: ${error.message}`, error.sent);
    }
    if (response.status >= 500) {
      throw new ReplicaUnavailableError(`${name}: HTTP ${response.status} ${response.bytes.toString('utf8', 0, 200)}`);
    }
    if (REFUSED_CREDENTIALS.has(response.status)) {
      // exporter-toolkit checks the credentials before the Pushgateway's handlers: the request was not applied. A
      // password rotated since the credentials were read is read again, and the request sent once more if the header
      // differs from the one refused (another request's read may already have changed it).
      if (credentials && !refreshed) {
        try {
          await credentials.refresh();
        } catch (error) {
          throw new ReplicaUnavailableError(
            `${name}: HTTP ${response.status}, and reading the credentials again failed: ${(error as Error).message}`,
            false,
          );
        }
        if (credentials.current() !== headers.authorization) return call(path, init, true);
      }
      throw new ReplicaUnavailableError(
        `${name}: HTTP ${response.status}: the replica refused ${
          credentials ? "this client's basic-auth credentials" : 'a request without credentials'
        } (the Pushgateways' web config admits one user; see PUSHGATEWAY_AUTH_SECRET or --pushgateway-auth-file)`,
        false,
      );
    }
    return response;
  }

  return {
    name,
    url: base,
    async push(request) {
      const headers: Record<string, string> = {};
      if (request.contentType) headers['content-type'] = request.contentType;
      if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
      const answer = await call(request.path, {
        method: request.method,
        headers,
        body: request.method === 'DELETE' ? undefined : request.body,
      });
      return { status: answer.status, body: answer.bytes.toString('utf8') };
    },
    async exposition() {
      const response = await call('/metrics', { method: 'GET', headers: { accept: PROTOBUF_EXPOSITION } });
      if (response.status !== 200 || !response.contentType.includes('encoding=delimited')) {
        throw new ReplicaUnavailableError(
          `${name}: /metrics answered ${response.status} ${response.contentType}, not delimited protobuf`,
        );
      }
      return new Uint8Array(response.bytes.buffer, response.bytes.byteOffset, response.bytes.byteLength);
    },
    async groups() {
      const response = await call('/api/v1/metrics', { method: 'GET' });
      if (response.status !== 200)
        throw new ReplicaUnavailableError(`${name}: /api/v1/metrics answered ${response.status}`);
      let json: { data?: ApiGroup[] };
      try {
        json = JSON.parse(response.bytes.toString('utf8')) as { data?: ApiGroup[] };
      } catch (error) {
        throw new ReplicaUnavailableError(`${name}: /api/v1/metrics is not JSON: ${(error as Error).message}`);
      }
      return (json.data ?? []).map(toStoredGroup);
    },
    async incarnation() {
      const response = await call('/api/v1/status', { method: 'GET' });
      const started = (() => {
        try {
          return (JSON.parse(response.bytes.toString('utf8')) as { data?: { start_time?: unknown } }).data?.start_time;
        } catch {
          return undefined;
        }
      })();
      if (response.status !== 200 || typeof started !== 'string') {
        throw new ReplicaUnavailableError(`${name}: /api/v1/status answered ${response.status} without a start time`);
      }
      return started;
    },
    ownFamilies() {
      own ??= (async () => ownFamilyTypes((await call('/metrics', { method: 'GET' })).bytes.toString('utf8')))();
      own.catch(() => {
        own = undefined;
      });
      return own;
    },
  };
}

function labelText(labels: Readonly<Record<string, string>>, extra?: readonly [string, string]): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((n) => `${n}="${escapeLabelValue(labels[n] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

interface ApiSeries {
  readonly labels?: Record<string, string>;
  readonly value?: string;
  readonly buckets?: Record<string, string>;
  readonly quantiles?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}

/**
 * The text exposition of a stored group (from `/api/v1/metrics`), so the repair can PUT it to another replica.
 * Labels include the grouping labels: the URL overrides them anyway, so the copy is exact.
 */
export function groupExposition(group: StoredGroup): string {
  let out = '';
  for (const name of Object.keys(group.raw).sort()) {
    const family = group.raw[name] as ApiFamily & { metrics?: ApiSeries[] };
    const type = (family.type ?? 'UNTYPED').toLowerCase();
    if (family.help !== undefined) out += `# HELP ${name} ${escapeHelp(family.help)}\n`;
    out += `# TYPE ${name} ${type}\n`;
    for (const series of family.metrics ?? []) {
      const labels = series.labels ?? {};
      if (type === 'histogram' || type === 'gauge_histogram') {
        for (const [le, count] of Object.entries(series.buckets ?? {})) {
          out += `${name}_bucket${labelText(labels, ['le', le])} ${count}\n`;
        }
        out += `${name}_sum${labelText(labels)} ${series.sum ?? '0'}\n`;
        out += `${name}_count${labelText(labels)} ${series.count ?? '0'}\n`;
      } else if (type === 'summary') {
        for (const [quantile, value] of Object.entries(series.quantiles ?? {})) {
          out += `${name}${labelText(labels, ['quantile', quantile])} ${value}\n`;
        }
        out += `${name}_sum${labelText(labels)} ${series.sum ?? '0'}\n`;
        out += `${name}_count${labelText(labels)} ${series.count ?? '0'}\n`;
      } else {
        out += `${name}${labelText(labels)} ${series.value ?? '0'}\n`;
      }
    }
  }
  return out;
}
