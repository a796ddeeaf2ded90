import type { Clock } from '../../adapters/clock';
import type { ReportStore } from '../../adapters/report-store';
import type { SnsPublisher } from '../../adapters/sns-publisher';
import {
  AUDIT_LATEST_KEY,
  alertHistoryPrefixes,
  capacityReportKeys,
  summaryKey,
  summaryWeek,
} from '../../domain/capacity/report-keys';
import {
  type AlertHistoryRecord,
  type AuditReportView,
  composeWeeklySummary,
  parseAlertHistoryRecord,
  parseAuditReport,
  type WeeklySummary,
} from '../../domain/capacity/weekly-summary';
import { mapWithConcurrency } from '../concurrency';

/** Alert-history objects read at once. */
const HISTORY_READ_CONCURRENCY = 32;

/** The capacity headline and the HTML report it links to. */
export interface CapacityHeadline {
  readonly headline: string;
  /** Key of the HTML report in the store. */
  readonly htmlKey: string;
}

export interface WeeklySummaryDeps {
  readonly store: ReportStore;
  readonly publisher: SnsPublisher;
  readonly environment: string;
  /** The schedule's time zone: the summary covers seven calendar days there. */
  readonly timeZone: string;
  readonly now: Clock;
  /** Link to a report key that a reader can open (S3 console URL in AWS, a file path locally). */
  readonly reportUrl: (key: string) => string;
  /**
   * Produces the capacity headline when `capacity/latest.json` is missing or older than the week (locally: a
   * live report from `--query-url`). @default none: the summary says the report is missing
   */
  readonly liveCapacity?: (now: Date) => Promise<CapacityHeadline>;
  readonly log?: (message: string, extra?: Record<string, unknown>) => void;
}

export interface WeeklySummaryEvent {
  readonly now?: string;
}

export interface WeeklySummaryResult extends WeeklySummary {
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly malformedRecords: number;
  readonly savedAs: string;
}

export function makeWeeklySummaryHandler(deps: WeeklySummaryDeps) {
  return async (event: WeeklySummaryEvent = {}): Promise<WeeklySummaryResult> => {
    const now = event?.now !== undefined ? new Date(event.now) : deps.now();
    if (!Number.isFinite(now.getTime())) throw new Error(`now: not an ISO timestamp: ${JSON.stringify(event.now)}`);
    const { from, to } = summaryWeek(now, deps.timeZone);

    const records: AlertHistoryRecord[] = [];
    let malformedRecords = 0;
    for (const prefix of alertHistoryPrefixes(from, to)) {
      const keys = (await deps.store.list(prefix)).filter((key) => key.endsWith('.json'));
      // One object per notification: a noisy week holds thousands, read a few dozen at a time (the function has
      // two minutes), then folded in key order as before.
      const texts = await mapWithConcurrency(keys, HISTORY_READ_CONCURRENCY, (key) => deps.store.get(key));
      for (const [i, key] of keys.entries()) {
        const text = texts[i];
        let json: unknown;
        try {
          json = JSON.parse(text ?? '');
        } catch {
          malformedRecords++;
          deps.log?.('malformed alert-history record skipped', { key, problem: 'not JSON' });
          continue;
        }
        const parsed = parseAlertHistoryRecord(json);
        if (parsed.ok) records.push(parsed.value);
        else {
          malformedRecords++;
          deps.log?.('malformed alert-history record skipped', { key, problem: parsed.problem });
        }
      }
    }

    const audit = await readAudit(deps.store);
    const capacity = await capacityHeadline(deps, now, from);
    const summary = composeWeeklySummary({
      environment: deps.environment,
      from,
      to,
      records,
      malformedRecords,
      audit,
      capacityHeadline: capacity.headline,
      reportUrl: capacity.htmlKey ? deps.reportUrl(capacity.htmlKey) : '(no capacity report)',
    });
    const { messageId } = await deps.publisher.publish(summary.subject, summary.body);
    const savedAs = summaryKey(now);
    await deps.store.put(
      savedAs,
      `${JSON.stringify({ messageId, sentAt: now.toISOString(), subject: summary.subject, body: summary.body, stats: summary.stats, malformedRecords }, null, 2)}\n`,
      'application/json',
    );
    deps.log?.('weekly summary published', { messageId, subject: summary.subject, malformedRecords });
    return { ...summary, messageId, from: from.toISOString(), to: to.toISOString(), malformedRecords, savedAs };
  };
}

/**
 * A report the summary quotes: its text, undefined when it does not exist, or why it could not be read. A report the
 * summary cannot read (a permission, a KMS key) is named in the email, which still goes out.
 */
async function readReport(store: ReportStore, key: string): Promise<string | undefined | { unreadable: string }> {
  try {
    return await store.get(key);
  } catch (error) {
    const e = error as { name?: string; message?: string };
    return { unreadable: `${key} could not be read (${e.name ?? 'Error'}: ${e.message ?? ''})` };
  }
}

async function readAudit(store: ReportStore): Promise<AuditReportView | { missing: string }> {
  const text = await readReport(store, AUDIT_LATEST_KEY);
  if (text === undefined) return { missing: `${AUDIT_LATEST_KEY} does not exist yet` };
  if (typeof text !== 'string') return { missing: text.unreadable };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { missing: `${AUDIT_LATEST_KEY} is not valid JSON` };
  }
  const parsed = parseAuditReport(json);
  return parsed.ok ? parsed.value : { missing: `${AUDIT_LATEST_KEY}: ${parsed.problem}` };
}

async function capacityHeadline(
  deps: WeeklySummaryDeps,
  now: Date,
  weekStart: Date,
): Promise<{ headline: string; htmlKey?: string }> {
  const latestKey = capacityReportKeys(now, 'json').latest;
  const read = await readReport(deps.store, latestKey);
  if (typeof read === 'object') deps.log?.(read.unreadable);
  const text = typeof read === 'string' ? read : undefined;
  if (text !== undefined) {
    try {
      const latest = JSON.parse(text) as { headline?: unknown; generatedAt?: unknown };
      const generatedAt = typeof latest.generatedAt === 'string' ? new Date(latest.generatedAt) : undefined;
      if (typeof latest.headline === 'string' && generatedAt && generatedAt.getTime() >= weekStart.getTime()) {
        return { headline: latest.headline, htmlKey: capacityReportKeys(generatedAt, 'html').dated };
      }
    } catch {
      deps.log?.('capacity/latest.json is not valid JSON');
    }
  }
  if (deps.liveCapacity) return deps.liveCapacity(now);
  if (typeof read === 'object') return { headline: `No capacity report from this week (${read.unreadable}).` };
  return { headline: `No capacity report from this week (${latestKey} is missing or older than 7 days).` };
}
