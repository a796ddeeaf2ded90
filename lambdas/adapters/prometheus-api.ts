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
  /** e.g. `http://thanos-query.monitoring.greenlang-prod.internal:9090` */
  readonly baseUrl: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface ApiResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown[] };
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
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call(path: string, params: Record<string, string>, expr: string): Promise<unknown[]> {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw new PrometheusApiError(
        `${path} ${JSON.stringify(expr)}: request to ${base.origin} failed: ${(error as Error).message}`,
      );
    });
    const text = await response.text();
    let body: ApiResponse;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      throw new PrometheusApiError(
        `${path} ${JSON.stringify(expr)}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok || body.status !== 'success') {
      throw new PrometheusApiError(
        `${path} ${JSON.stringify(expr)}: HTTP ${response.status} ${body.errorType ?? ''}: ${body.error ?? text.slice(0, 200)}`.replace(
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
