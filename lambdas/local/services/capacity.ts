import { directoryReportStore } from '../../adapters/report-store';
import type { CapacityConfig } from '../../domain/capacity/capacity-config';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../../domain/capacity/render';
import { SEED_RETENTION_POLICY } from '../../domain/retention';
import { SEED_SIZING } from '../../domain/sizing';
import { composeCapacityReportWith } from '../../handlers/capacity-report/compose';
import { CommandError, type LocalService, parseFlags, UsageError } from '../service';

/** Locally the report uses the seed sizing and retention (lambdas/domain/sizing.ts, retention.ts). */
export const LOCAL_CAPACITY_CONFIG: CapacityConfig = {
  environment: 'local',
  sizing: SEED_SIZING,
  retention: SEED_RETENTION_POLICY,
};

/** Parses `--now`, naming the flag when it is not a timestamp. */
export function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const now = new Date(text);
  if (!Number.isFinite(now.getTime())) throw new UsageError(`--now: not an ISO timestamp: ${JSON.stringify(text)}`);
  return now;
}

/** Checks `--query-url`. */
export function parseQueryUrl(text: string | undefined): string {
  if (!text) throw new UsageError('--query-url is required (the Prometheus or Thanos Query base URL)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--query-url: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--query-url: expected http:// or https://, got ${JSON.stringify(text)}`);
  }
  return text;
}

/**
 * Fails with one line naming the flag when nothing answers at `baseUrl` (connection refused, unknown host,
 * timeout), before the report's dozen queries each fail with the same network error. Any HTTP answer is fine here:
 * the queries report API errors themselves.
 */
export async function requireReachable(baseUrl: string, flag = '--query-url'): Promise<void> {
  try {
    const response = await fetch(baseUrl, { method: 'GET', signal: AbortSignal.timeout(5000), redirect: 'manual' });
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CommandError(
      `nothing answers at ${flag} ${baseUrl} (${reason}): start Prometheus or Thanos Query there, or pass the URL ` +
        'npm start printed (jq -r .prometheus .local/endpoints.json)',
    );
  }
}

export const service: LocalService = {
  name: 'capacity',
  summary: 'Capacity report from a Prometheus/Thanos Query API (seed formulas, triggers, 4-week projection)',
  usage:
    '--query-url URL [--format json|markdown|html] [--now ISO] [--out DIR]\n' +
    '  --query-url  Prometheus HTTP API base URL (Thanos Query in AWS)\n' +
    '  --format     what to print (default json)\n' +
    '  --now        report as of this time (default: now)\n' +
    '  --out        also write the report files into DIR, laid out like the reports bucket\n' +
    'Sizing and retention are the seed values (lambdas/domain/sizing.ts, retention.ts).',
  async run(argv, output) {
    const values = parseFlags(argv, {
      'query-url': { type: 'string' },
      format: { type: 'string', default: 'json' },
      now: { type: 'string' },
      out: { type: 'string' },
    });
    const format = values.format as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) {
      throw new UsageError(
        `--format: expected one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`,
      );
    }
    const baseUrl = parseQueryUrl(values['query-url']);
    const now = parseNow(values.now);
    await requireReachable(baseUrl);
    const run = composeCapacityReportWith(
      { queryUrl: baseUrl, capacityConfig: LOCAL_CAPACITY_CONFIG },
      {
        ...(values.out ? { store: directoryReportStore(values.out) } : {}),
        now: () => now ?? new Date(),
        log: (message, extra) => output.info(`${message} ${JSON.stringify(extra ?? {})}`),
      },
    );
    const result = await run({});
    output.result(renderReport(result.report, format));
  },
};
