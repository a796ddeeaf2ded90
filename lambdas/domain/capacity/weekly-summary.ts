/**
 * The weekly email summary: the week's alerts from the alert history, the latest audit findings, the capacity
 * headline and a link to the HTML report, as one plain-text SNS email.
 *
 * The alert history and audit report are written by other functions; the reader types here are this
 * function's own view of them (extra fields are ignored), and a malformed record is skipped and counted, never
 * a reason to drop the whole summary. Pure: no I/O.
 */

import { snsMessage, snsSubject } from '../sns';

export interface AlertHistoryAlert {
  readonly name: string;
  readonly severity: string;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly fingerprint: string;
}

/** One notification as the alert fan-out records it under `alert-history/<yyyy>/<mm>/<dd>/`. */
export interface AlertHistoryRecord {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly at: string;
  readonly alerts: readonly AlertHistoryAlert[];
}

export interface AuditFinding {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
}

export interface AuditReportView {
  readonly generatedAt?: string;
  /** The findings the report lists (at most 200 per code, findings.ts `MAX_FINDINGS_PER_CODE`). */
  readonly findings: readonly AuditFinding[];
  /** Every finding by severity (`counts.bySeverity`): the totals, listed or not. */
  readonly totals?: Readonly<Record<string, number>>;
  /** Checks the audit could not make (`skippedChecks`), e.g. the lifecycle rules it was denied. */
  readonly skippedChecks?: readonly { readonly check: string; readonly reason: string }[];
}

/** An audit older than this (two daily runs missed) is named as stale in the summary. */
export const AUDIT_STALE_AFTER_MS = 48 * 3600 * 1000;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));

/** Validates one alert-history object (already JSON-parsed). */
export function parseAlertHistoryRecord(input: unknown): Parsed<AlertHistoryRecord> {
  if (!isObject(input)) return { ok: false, problem: 'not a JSON object' };
  if (!isText(input.receiver)) return { ok: false, problem: 'receiver: expected a non-empty string' };
  if (input.status !== 'firing' && input.status !== 'resolved')
    return { ok: false, problem: `status: expected "firing" or "resolved", got ${JSON.stringify(input.status)}` };
  if (!isText(input.groupKey)) return { ok: false, problem: 'groupKey: expected a non-empty string' };
  if (!isTime(input.at))
    return { ok: false, problem: `at: expected an ISO timestamp, got ${JSON.stringify(input.at)}` };
  if (!Array.isArray(input.alerts)) return { ok: false, problem: 'alerts: expected an array' };
  const alerts: AlertHistoryAlert[] = [];
  for (const [i, a] of input.alerts.entries()) {
    if (!isObject(a)) return { ok: false, problem: `alerts[${i}]: not an object` };
    if (!isText(a.name)) return { ok: false, problem: `alerts[${i}].name: expected a non-empty string` };
    if (!isText(a.fingerprint)) return { ok: false, problem: `alerts[${i}].fingerprint: expected a non-empty string` };
    if (!isTime(a.startsAt)) return { ok: false, problem: `alerts[${i}].startsAt: expected an ISO timestamp` };
    if (a.endsAt !== undefined && a.endsAt !== null && !isTime(a.endsAt))
      return { ok: false, problem: `alerts[${i}].endsAt: expected an ISO timestamp` };
    alerts.push({
      name: a.name,
      severity: isText(a.severity) ? a.severity : 'none',
      startsAt: a.startsAt,
      ...(isTime(a.endsAt) ? { endsAt: a.endsAt } : {}),
      fingerprint: a.fingerprint,
    });
  }
  return {
    ok: true,
    value: { receiver: input.receiver, status: input.status, groupKey: input.groupKey, at: input.at, alerts },
  };
}

/** Validates `audit/latest.json`: findings that do not validate are skipped and counted. */
export function parseAuditReport(input: unknown): Parsed<AuditReportView & { readonly skippedFindings: number }> {
  if (!isObject(input)) return { ok: false, problem: 'not a JSON object' };
  if (!Array.isArray(input.findings)) return { ok: false, problem: 'findings: expected an array' };
  const findings: AuditFinding[] = [];
  let skippedFindings = 0;
  for (const f of input.findings) {
    if (isObject(f) && isText(f.code) && isText(f.severity) && typeof f.message === 'string') {
      findings.push({ code: f.code, severity: f.severity, message: f.message });
    } else skippedFindings++;
  }
  const generatedAt = [input.generatedAt, input.finishedAt, input.at].find(isTime);
  const bySeverity = isObject(input.counts) ? input.counts.bySeverity : undefined;
  const totals =
    isObject(bySeverity) && Object.values(bySeverity).every((n) => Number.isInteger(n) && (n as number) >= 0)
      ? (bySeverity as Record<string, number>)
      : undefined;
  const skippedChecks = Array.isArray(input.skippedChecks)
    ? input.skippedChecks
        .filter((c): c is Record<string, unknown> => isObject(c) && isText(c.check) && typeof c.reason === 'string')
        .map((c) => ({ check: c.check as string, reason: c.reason as string }))
    : [];
  return {
    ok: true,
    value: {
      ...(generatedAt ? { generatedAt } : {}),
      findings,
      ...(totals ? { totals } : {}),
      ...(skippedChecks.length > 0 ? { skippedChecks } : {}),
      skippedFindings,
    },
  };
}

/** One alert occurrence (an alert's fingerprint and start), folded over every notification that mentions it. */
export interface AlertOccurrence {
  readonly name: string;
  readonly severity: string;
  readonly fingerprint: string;
  readonly startsAt: string;
  /** When it resolved, if it did (within the records seen). */
  readonly resolvedAt?: string;
}

export interface AlertWeekStats {
  readonly notifications: number;
  readonly occurrences: number;
  readonly bySeverity: Readonly<Record<string, number>>;
  /** Most frequent alert names, most first (ties by name). */
  readonly top: readonly {
    readonly name: string;
    readonly severity: string;
    readonly count: number;
    readonly medianResolveMs?: number;
  }[];
  readonly resolved: number;
  readonly medianResolveMs?: number;
  readonly maxResolveMs?: number;
}

const ZERO_TIME = Date.parse('0001-01-02T00:00:00Z');

/**
 * Folds the week's notifications into alert occurrences (deduplicated by fingerprint and start: an alert is
 * notified again on repeat and to each receiver) and their statistics. Records outside [from, to) are ignored.
 */
export function alertWeekStats(records: readonly AlertHistoryRecord[], from: Date, to: Date, topN = 5): AlertWeekStats {
  const occurrences = new Map<string, AlertOccurrence>();
  let notifications = 0;
  for (const record of records) {
    const at = Date.parse(record.at);
    if (at < from.getTime() || at >= to.getTime()) continue;
    notifications++;
    for (const alert of record.alerts) {
      const key = `${alert.fingerprint}@${alert.startsAt}`;
      const previous = occurrences.get(key);
      const ends = alert.endsAt ? Date.parse(alert.endsAt) : Number.NaN;
      // Alertmanager sends endsAt 0001-01-01 (or a future time) for firing alerts: only a past end is a resolution.
      const resolved = (record.status === 'resolved' || (ends > ZERO_TIME && ends <= at)) && ends > ZERO_TIME;
      const resolvedAt = resolved && alert.endsAt ? alert.endsAt : previous?.resolvedAt;
      occurrences.set(key, {
        name: alert.name,
        severity: alert.severity,
        fingerprint: alert.fingerprint,
        startsAt: alert.startsAt,
        ...(resolvedAt ? { resolvedAt } : {}),
      });
    }
  }
  const all = [...occurrences.values()];
  const bySeverity: Record<string, number> = {};
  for (const o of all) bySeverity[o.severity] = (bySeverity[o.severity] ?? 0) + 1;
  const durations = (list: readonly AlertOccurrence[]) =>
    list
      .filter((o) => o.resolvedAt)
      .map((o) => Date.parse(o.resolvedAt ?? '') - Date.parse(o.startsAt))
      .filter((d) => d >= 0)
      .sort((a, b) => a - b);
  const byName = new Map<string, AlertOccurrence[]>();
  for (const o of all) byName.set(o.name, [...(byName.get(o.name) ?? []), o]);
  const top = [...byName.entries()]
    .map(([name, list]) => {
      const d = durations(list);
      const median = medianOf(d);
      return {
        name,
        severity: mostSevere(list.map((o) => o.severity)),
        count: list.length,
        ...(median !== undefined ? { medianResolveMs: median } : {}),
      };
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, topN);
  const resolvedDurations = durations(all);
  const median = medianOf(resolvedDurations);
  const max = resolvedDurations[resolvedDurations.length - 1];
  return {
    notifications,
    occurrences: all.length,
    bySeverity,
    top,
    resolved: resolvedDurations.length,
    ...(median !== undefined ? { medianResolveMs: median } : {}),
    ...(max !== undefined ? { maxResolveMs: max } : {}),
  };
}

const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info', 'none'];
function severityRank(s: string): number {
  const i = SEVERITY_ORDER.indexOf(s.toLowerCase());
  return i < 0 ? SEVERITY_ORDER.length : i;
}
function mostSevere(list: readonly string[]): string {
  return [...list].sort((a, b) => severityRank(a) - severityRank(b))[0] ?? 'none';
}

function medianOf(sorted: readonly number[]): number | undefined {
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** `5_400_000` → `1h 30m`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m || (!d && !h) ? `${m}m` : ''].filter(Boolean).join(' ');
}

export interface WeeklySummaryInput {
  readonly environment: string;
  /** The week covered: [from, to). */
  readonly from: Date;
  readonly to: Date;
  readonly records: readonly AlertHistoryRecord[];
  /** Alert-history objects skipped as malformed (unreadable JSON or failed validation). */
  readonly malformedRecords: number;
  /** The latest audit report, or why there is none. */
  readonly audit: AuditReportView | { readonly missing: string };
  readonly capacityHeadline: string;
  readonly reportUrl: string;
  /** How many audit findings and top alerts to list. @default 10 / 5 */
  readonly maxFindings?: number;
  readonly topAlerts?: number;
}

export interface WeeklySummary {
  readonly subject: string;
  readonly body: string;
  readonly stats: AlertWeekStats;
}

/** The summary's subject: accents and dashes spelled in ASCII, other characters dropped (SNS Subject rule). */
export function summarySubject(text: string): string {
  return snsSubject(text, { transliterate: true, unprintable: '' });
}

/** Cuts the body to the SNS message limit, without splitting a character, ending with a note. */
export function fitBytes(text: string): string {
  return snsMessage(text, '\n\n[truncated: the summary exceeded the 256 KB email limit]\n');
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Composes the plain-text email. */
export function composeWeeklySummary(input: WeeklySummaryInput): WeeklySummary {
  const stats = alertWeekStats(input.records, input.from, input.to, input.topAlerts ?? 5);
  const lastDay = new Date(input.to.getTime() - 1);
  const critical = stats.bySeverity.critical ?? 0;
  const subject = summarySubject(
    `[greenlang-${input.environment}] Weekly summary ${day(input.from)} to ${day(lastDay)}: ${stats.occurrences} alert${stats.occurrences === 1 ? '' : 's'}${critical ? `, ${critical} critical` : ''}`,
  );
  const lines: string[] = [
    `GreenLang observability (${input.environment}) - weekly summary`,
    `Week: ${day(input.from)} to ${day(lastDay)} (UTC)`,
    '',
    'ALERTS',
    `  ${stats.occurrences} alert${stats.occurrences === 1 ? '' : 's'} fired (${stats.notifications} notification${stats.notifications === 1 ? '' : 's'}).`,
  ];
  const severities = Object.entries(stats.bySeverity).sort((a, b) => severityRank(a[0]) - severityRank(b[0]));
  if (severities.length) lines.push(`  By severity: ${severities.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  if (stats.resolved) {
    lines.push(
      `  Time to resolve: median ${formatDuration(stats.medianResolveMs ?? 0)}, longest ${formatDuration(stats.maxResolveMs ?? 0)} (${stats.resolved} resolved, ${stats.occurrences - stats.resolved} still open or unresolved in the week)`,
    );
  } else if (stats.occurrences) {
    lines.push('  Time to resolve: none resolved within the week.');
  }
  if (stats.top.length) {
    lines.push('  Top alerts:');
    for (const [i, t] of stats.top.entries()) {
      const resolve = t.medianResolveMs !== undefined ? `, median resolve ${formatDuration(t.medianResolveMs)}` : '';
      lines.push(`    ${i + 1}. ${t.name} (${t.severity}) x${t.count}${resolve}`);
    }
  }
  if (input.malformedRecords) {
    lines.push(
      `  Note: ${input.malformedRecords} alert-history record${input.malformedRecords === 1 ? ' was' : 's were'} malformed and skipped.`,
    );
  }
  lines.push('', 'BUCKET AUDIT');
  if ('missing' in input.audit) {
    lines.push(`  No audit report: ${input.audit.missing}`);
  } else {
    const { audit } = input;
    const findings = [...audit.findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
    const max = input.maxFindings ?? 10;
    // The totals, not the listed findings: the report lists at most 200 per code.
    const totals = Object.entries(audit.totals ?? {}).filter(([, n]) => n > 0);
    const total = audit.totals ? totals.reduce((sum, [, n]) => sum + n, 0) : findings.length;
    const bySeverity = totals.length > 0 ? ` (${totals.map(([severity, n]) => `${n} ${severity}`).join(', ')})` : '';
    const age = audit.generatedAt ? input.to.getTime() - Date.parse(audit.generatedAt) : 0;
    const stale =
      age > AUDIT_STALE_AFTER_MS
        ? ` STALE: the audit has not run for ${formatDuration(age)}; check the bucket-audit function.`
        : '';
    lines.push(
      `  Latest audit${audit.generatedAt ? ` (${audit.generatedAt})` : ''}: ${total} finding${total === 1 ? '' : 's'}${bySeverity}.${stale}`,
    );
    for (const f of findings.slice(0, max))
      lines.push(`  - [${f.severity}] ${f.code}: ${f.message.replace(/\s+/g, ' ')}`);
    if (total > max) {
      const more = total - Math.min(max, findings.length);
      const unlisted = total - findings.length;
      lines.push(
        `  ... and ${more} more (${unlisted > 0 ? `${findings.length} listed in audit/latest.json, the rest counted there` : 'see audit/latest.json'}).`,
      );
    }
    for (const c of audit.skippedChecks ?? []) lines.push(`  Not checked: ${c.check} (${c.reason})`);
  }
  lines.push('', 'CAPACITY', `  ${input.capacityHeadline}`, `  Full report: ${input.reportUrl}`, '');
  return { subject, body: fitBytes(lines.join('\n')), stats };
}
