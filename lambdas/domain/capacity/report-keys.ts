/** Where the capacity report and the weekly summary read and write in the reports bucket. Pure. */
import { datePartition, REPORT_PREFIXES } from '../report-keys';
import { sameWallTimeDaysBefore } from '../time-zone';
import { REPORT_FILES, type ReportFormat } from './render';

const DAY_MS = 86_400_000;

/** `capacity/<yyyy>-<mm>-<dd>/report.<ext>` and `capacity/latest.<ext>` for each format. */
export function capacityReportKeys(
  now: Date,
  format: ReportFormat,
): { readonly dated: string; readonly latest: string } {
  const file = REPORT_FILES[format].file;
  const ext = file.slice(file.indexOf('.'));
  return {
    dated: `${REPORT_PREFIXES.capacity}${now.toISOString().slice(0, 10)}/${file}`,
    latest: `${REPORT_PREFIXES.capacity}latest${ext}`,
  };
}

/** The latest audit report, written by the bucket audit. */
export const AUDIT_LATEST_KEY = `${REPORT_PREFIXES.audit}latest.json`;

/**
 * The week before `now` in the schedule's time zone: [the same wall-clock time seven calendar days earlier, now).
 * With `now` the schedule's own time (the Scheduler passes it, weekly-schedule.ts), consecutive summaries tile
 * time exactly, also across a daylight-saving change (a week of 167 or 169 hours); 7 × 24 h would count an hour
 * twice in spring and miss one in autumn.
 */
export function summaryWeek(now: Date, timeZone: string): { readonly from: Date; readonly to: Date } {
  return { from: new Date(sameWallTimeDaysBefore(now.getTime(), 7, timeZone)), to: now };
}

/** The alert-history day prefixes that can hold records of [from, to), oldest first. */
export function alertHistoryPrefixes(from: Date, to: Date): string[] {
  const prefixes: string[] = [];
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let t = start; t < to.getTime(); t += DAY_MS) {
    prefixes.push(`${REPORT_PREFIXES.alertHistory}${datePartition(new Date(t))}/`);
  }
  return prefixes;
}

/** The summary as sent, kept next to the reports: `summary/<yyyy>/<mm>/<dd>/summary.json`. */
export function summaryKey(now: Date): string {
  return `${REPORT_PREFIXES.summary}${datePartition(now)}/summary.json`;
}
