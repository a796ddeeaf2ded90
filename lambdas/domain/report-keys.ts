/**
 * Layout of the reports bucket, shared by the functions that write it, the ones that read it (the weekly
 * summary) and its lifecycle rules.
 */
export const REPORT_PREFIXES = {
  /** `audit/<yyyy>/<mm>/<dd>/<iso-timestamp>.json` and `audit/latest.json`. */
  audit: 'audit/',
  /** Per-block audit state (what was read), so a second audit of an unchanged bucket reads almost nothing. */
  auditState: 'audit-state/',
  /** `capacity/<yyyy>-<mm>-<dd>/report.{json,md,html}` and `capacity/latest.*`. */
  capacity: 'capacity/',
  /** One JSON object per notification, `alert-history/<yyyy>/<mm>/<dd>/<...>.json`. */
  alertHistory: 'alert-history/',
  /** The weekly summaries as sent. */
  summary: 'summary/',
} as const;

/** `2026-11-24T05:00:00.000Z` → `2026/11/24`: date partitions keep listings of one day or week cheap. */
export function datePartition(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
}
