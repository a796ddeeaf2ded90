import * as http from 'node:http';
import * as https from 'node:https';
import type { StoreEndpointStatus, StoreListAnswer, StoresByComponent } from '../domain/capacity/history-coverage';

/**
 * A small client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), which Thanos Query serves
 * as well, and of Thanos Query's store list (`/api/v1/stores`). Errors name the query and what the server said.
 */

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value] pairs. */
  readonly points: readonly { readonly at: number; readonly value: number }[];
}

export interface PrometheusApi {
  /** Instant vector at `time`. */
  query(expr: string, time: Date): Promise<Sample[]>;
  /** Range matrix over [start, end] every `stepSeconds`. */
  queryRange(expr: string, start: Date, end: Date, stepSeconds: number): Promise<RangeSeries[]>;
}

/** Thanos Query's own API beside Prometheus': the StoreAPI endpoints it uses. */
export interface ThanosStoresApi {
  /**
   * `GET /api/v1/stores`: the endpoints Query currently holds, by component type; `absent` when the server has no such
   * endpoint (404: a plain Prometheus). Any other failure throws.
   */
  stores(): Promise<StoreListAnswer>;
}

/** The client the capacity report uses: the queries and the store list over one base URL, CA and agent. */
export type PrometheusClient = PrometheusApi & ThanosStoresApi;

export class PrometheusApiError extends Error {
  override readonly name = 'PrometheusApiError';
}

export interface PrometheusApiOptions {
  /** e.g. `https://thanos-query.monitoring.greenlang-prod.internal:9090` */
  readonly baseUrl: string;
  /** Deadline of each request, answer included. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * PEM of the CA that signs the server's certificate (`https` URLs): the only CA trusted, instead of Node's public
   * roots. Trusted even when it is an intermediate (an AWS Private CA may be subordinate), so the chain may end at it
   * (Node `allowPartialTrustChain`, OpenSSL X509_V_FLAG_PARTIAL_CHAIN). The host name is checked as always.
   */
  readonly ca?: string;
}

interface ApiResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown[] };
}

/**
 * One request over node:http(s) (a form POST when `body` is given, else a GET), answering status and body text.
 * node:https rather than the global fetch: fetch (undici) takes no CA without the undici package's own Agent, and
 * node:https takes `ca` directly.
 */
function send(
  url: URL,
  body: string | undefined,
  agent: http.Agent,
  timeoutMs: number,
): Promise<{ readonly status: number; readonly text: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      body === undefined
        ? { method: 'GET', agent }
        : {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': String(Buffer.byteLength(body)),
            },
          },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

export function prometheusApi(options: PrometheusApiOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new PrometheusApiError(`not a URL: ${JSON.stringify(options.baseUrl)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new PrometheusApiError(`expected an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  if (options.ca !== undefined && base.protocol !== 'https:') {
    throw new PrometheusApiError(`a CA is given but ${JSON.stringify(options.baseUrl)} is not an https URL`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  // No keep-alive: a report is a dozen queries, and a connection kept while Lambda freezes the function may be gone
  // at the next invocation (the NLB drops idle flows after 350 s), failing the first query of that run.
  const agent =
    base.protocol === 'https:'
      ? new https.Agent({
          keepAlive: false,
          ...(options.ca === undefined ? {} : { ca: options.ca, allowPartialTrustChain: true }),
        })
      : new http.Agent({ keepAlive: false });

  async function call(path: string, params: Record<string, string>, expr: string): Promise<unknown[]> {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    // Thanos Query runs with --query.partial-response: a store gateway that fails would leave its blocks out of a
    // `success` answer (with a warning), and a projection over 28 days would be built on the sidecars' 7. Asked not
    // to, it answers an error instead; `dedup` is its default, said out loud. Prometheus ignores both parameters.
    const form = new URLSearchParams({ ...params, partial_response: 'false', dedup: 'true' }).toString();
    const response = await send(url, form, agent, timeoutMs).catch((error: unknown) => {
      // The cause (with Node's `code`: ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...) marks a request that
      // got no HTTP answer, unlike the API errors below.
      throw new PrometheusApiError(
        `${path} ${JSON.stringify(expr)}: request to ${base.origin} failed: ${(error as Error).message}`,
        { cause: error },
      );
    });
    const { status, text } = response;
    let body: ApiResponse;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      throw new PrometheusApiError(`${path} ${JSON.stringify(expr)}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (status < 200 || status > 299 || body.status !== 'success') {
      throw new PrometheusApiError(
        `${path} ${JSON.stringify(expr)}: HTTP ${status} ${body.errorType ?? ''}: ${body.error ?? text.slice(0, 200)}`.replace(
          / +/g,
          ' ',
        ),
      );
    }
    return body.data?.result ?? [];
  }

  /** `/api/v1/stores`, as a GET: Thanos registers it for GET only (pkg/api/query/v1.go `QueryAPI.Register`). */
  async function stores(): Promise<StoreListAnswer> {
    const path = '/api/v1/stores';
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    const fail = (what: string) => new PrometheusApiError(`${path}: ${what}`.replace(/\s+/g, ' ').trim());
    const { status, text } = await send(url, undefined, agent, timeoutMs).catch((error: unknown) => {
      throw new PrometheusApiError(`${path}: request to ${base.origin} failed: ${(error as Error).message}`, {
        cause: error,
      });
    });
    // Prometheus has no store list: its router answers 404 "404 page not found" (Prometheus 2.42, checked).
    if (status === 404) {
      return { kind: 'absent', reason: `${base.origin}${url.pathname} answered HTTP 404: not Thanos Query` };
    }
    let body: { status?: unknown; data?: unknown; error?: unknown; errorType?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw fail(`HTTP ${status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (status < 200 || status > 299 || body?.status !== 'success') {
      const kind = typeof body?.errorType === 'string' && body.errorType ? `${body.errorType}: ` : '';
      throw fail(`HTTP ${status}: ${typeof body?.error === 'string' ? `${kind}${body.error}` : text.slice(0, 200)}`);
    }
    const stores = readStoreList(body.data);
    if (typeof stores === 'string') throw fail(`HTTP ${status}, not a store list: ${stores}`);
    return { kind: 'listed', stores };
  }

  return {
    stores,
    async query(expr, time) {
      const result = await call('/api/v1/query', { query: expr, time: String(time.getTime() / 1000) }, expr);
      return result.map((r) => {
        const { metric, value } = r as { metric: Record<string, string>; value: [number, string] };
        return { labels: metric, value: Number(value[1]) };
      });
    },
    async queryRange(expr, start, end, stepSeconds) {
      const result = await call(
        '/api/v1/query_range',
        {
          query: expr,
          start: String(start.getTime() / 1000),
          end: String(end.getTime() / 1000),
          step: String(stepSeconds),
        },
        expr,
      );
      return result.map((r) => {
        const { metric, values } = r as { metric: Record<string, string>; values: [number, string][] };
        return { labels: metric, points: values.map(([t, v]) => ({ at: Math.round(t * 1000), value: Number(v) })) };
      });
    },
  };
}

/**
 * A `/api/v1/stores` `data` as the domain reads it, or a one-line reason it is not one: an object of arrays of
 * thanos-io/thanos pkg/query/endpointset.go `EndpointStatus` (`lastError` a string or null, the times int64 epoch
 * ms, `labelSets` an array of label objects; null, a Go nil slice, is read as none).
 */
function readStoreList(data: unknown): StoresByComponent | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data: expected an object';
  const stores: Record<string, StoreEndpointStatus[]> = {};
  for (const [type, list] of Object.entries(data)) {
    if (!Array.isArray(list)) return `data.${type}: expected an array`;
    const read: StoreEndpointStatus[] = [];
    for (const [i, entry] of list.entries()) {
      const at = `data.${type}[${i}]`;
      if (typeof entry !== 'object' || entry === null) return `${at}: expected an object`;
      const e = entry as Partial<Record<keyof StoreEndpointStatus, unknown>>;
      if (typeof e.name !== 'string') return `${at}.name: expected a string`;
      if (typeof e.lastCheck !== 'string') return `${at}.lastCheck: expected a timestamp`;
      if (e.lastError !== null && typeof e.lastError !== 'string') return `${at}.lastError: expected a string or null`;
      if (typeof e.minTime !== 'number' || typeof e.maxTime !== 'number') return `${at}: expected minTime and maxTime`;
      const labelSets = e.labelSets ?? [];
      if (!Array.isArray(labelSets) || !labelSets.every((l) => typeof l === 'object' && l !== null)) {
        return `${at}.labelSets: expected an array of label sets`;
      }
      read.push({
        name: e.name,
        lastCheck: e.lastCheck,
        lastError: e.lastError,
        labelSets: labelSets as Record<string, string>[],
        minTime: e.minTime,
        maxTime: e.maxTime,
      });
    }
    stores[type] = read;
  }
  return stores;
}
