import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { type PrometheusApi, PrometheusApiError } from '../../adapters/prometheus-api';
import { directoryReportStore } from '../../adapters/report-store';
import type { CapacityConfig } from '../../domain/capacity/capacity-config';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../../domain/capacity/render';
import { SEED_RETENTION_POLICY } from '../../domain/retention';
import { SEED_SIZING } from '../../domain/sizing';
import { capacityQueryApi, composeCapacityReportWith } from '../../handlers/capacity-report/compose';
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
 * Reads `--query-ca FILE`: the PEM of the CA that signs the https `--query-url`'s certificate, trusted instead of
 * Node's public roots (the Lambda's QUERY_CA_PEM). One line naming the flag when the file is missing or holds no
 * certificate, or when the URL is not https (the CA would never be used).
 */
export function parseQueryCa(file: string | undefined, queryUrl: string): string | undefined {
  if (file === undefined) return undefined;
  if (file === '') throw new UsageError('--query-ca: expected a PEM file, got an empty path');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--query-ca: cannot read ${file} (${code ?? (error as Error).message})`);
  }
  const notPem = `--query-ca: ${file} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`;
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(notPem);
  try {
    new crypto.X509Certificate(text);
  } catch (error) {
    throw new UsageError(`${notPem}: ${(error as Error).message}`);
  }
  if (new URL(queryUrl).protocol !== 'https:') {
    throw new UsageError(`--query-ca is for an https --query-url, got ${JSON.stringify(queryUrl)}`);
  }
  return text;
}

/** Node's codes for a certificate the client does not accept (tls.checkServerIdentity, OpenSSL's X509 errors). */
const CERTIFICATE_REFUSED = /CERT|SIGNATURE|ISSUER|SELF_SIGNED/;

/**
 * Fails with one line naming the flag when nothing answers at `baseUrl` (connection refused, unknown host,
 * timeout, a certificate not trusted), before the report's dozen queries each fail the same way. It asks the same
 * client the report uses (its CA, its agent) for `vector(1)`. Any HTTP answer is fine here: the queries report API
 * errors themselves.
 */
export async function requireReachable(api: PrometheusApi, baseUrl: string, flag = '--query-url'): Promise<void> {
  try {
    await api.query('vector(1)', new Date());
  } catch (error) {
    // Only a request that got no HTTP answer carries a cause (prometheus-api.ts).
    if (!(error instanceof PrometheusApiError) || error.cause === undefined) return;
    const cause = error.cause as { code?: string; message?: string };
    const reason = cause.code ?? cause.message;
    if (cause.code !== undefined && CERTIFICATE_REFUSED.test(cause.code)) {
      throw new CommandError(
        `${flag} ${baseUrl}: its certificate is not trusted (${reason}): pass the CA that issued it with --query-ca FILE`,
      );
    }
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
    '--query-url URL [--query-ca FILE] [--format json|markdown|html] [--now ISO] [--out DIR]\n' +
    '  --query-url  Prometheus HTTP API base URL (Thanos Query in AWS)\n' +
    "  --query-ca   PEM of the CA that signs an https --query-url's certificate (the Lambda's QUERY_CA_PEM)\n" +
    '  --format     what to print (default json)\n' +
    '  --now        report as of this time (default: now)\n' +
    '  --out        also write the report files into DIR, laid out like the reports bucket\n' +
    'Sizing and retention are the seed values (lambdas/domain/sizing.ts, retention.ts).',
  async run(argv, output) {
    const values = parseFlags(argv, {
      'query-url': { type: 'string' },
      'query-ca': { type: 'string' },
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
    const queryCa = parseQueryCa(values['query-ca'], baseUrl);
    const now = parseNow(values.now);
    const prometheus = capacityQueryApi({ queryUrl: baseUrl, ...(queryCa === undefined ? {} : { queryCa }) });
    await requireReachable(prometheus, baseUrl);
    const run = composeCapacityReportWith(prometheus, LOCAL_CAPACITY_CONFIG, {
      ...(values.out ? { store: directoryReportStore(values.out) } : {}),
      now: () => now ?? new Date(),
      log: (message, extra) => output.info(`${message} ${JSON.stringify(extra ?? {})}`),
    });
    const result = await run({});
    output.result(renderReport(result.report, format));
  },
};
