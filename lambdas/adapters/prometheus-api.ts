import * as http from 'node:http';
import * as https from 'node:https';

/**
 * A small client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), which Thanos Query serves
 * as well. Errors name the query and what the server said.
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
 * One form POST over node:http(s), answering status and body text. node:https rather than the global fetch: fetch
 * (undici) takes no CA without the undici package's own Agent, and node:https takes `ca` directly.
 */
function post(
  url: URL,
  body: string,
  agent: http.Agent,
  timeoutMs: number,
): Promise<{ readonly status: number; readonly text: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
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

export function prometheusApi(options: PrometheusApiOptions): PrometheusApi {
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
    const response = await post(url, form, agent, timeoutMs).catch((error: unknown) => {
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

  return {
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
