/**
 * The SNS summary of an audit with warning or critical findings: a subject within SNS limits and a plain-text
 * body for email subscribers. Pure.
 */

import { RESOLUTIONS } from '../retention';
import { snsSubject } from '../sns';
import { type BucketAuditReport, FINDING_CODES } from './findings';

/** The summary's budget: well below SNS_MAX_MESSAGE_BYTES. */
const MESSAGE_BUDGET_BYTES = 200 * 1024;
/** Findings listed in the email body (the report has the rest). */
const LISTED_FINDINGS = 30;

/** Whether the report warrants a notification. */
export function needsNotification(report: BucketAuditReport): boolean {
  return report.status !== 'ok';
}

export function summarySubject(report: BucketAuditReport, environment: string): string {
  const { critical, warning } = report.counts.bySeverity;
  return snsSubject(
    `[${environment}] Thanos bucket audit ${report.status.toUpperCase()}: ${critical} critical, ${warning} warning - ${report.bucket}`,
    { unprintable: ' ' },
  );
}

const GIB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

/** Bucket size by resolution and the compactor's backlog, one line. */
function backlogLine(report: BucketAuditReport): string {
  const { bytesByResolution: bytes, blocksByResolution: blocks, backlog } = report.inventory;
  const sizes = RESOLUTIONS.map((r) => `${r} ${gib(bytes[r])} (${blocks[r]} blocks)`).join(', ');
  return `By resolution: ${sizes}. Compactor backlog (> ${backlog.graceHours}h): ${backlog.compaction.blocks} uncompacted 2h blocks (${gib(backlog.compaction.bytes)}), ${backlog.downsampling.blocks} blocks awaiting downsampling (${gib(backlog.downsampling.bytes)}).`;
}

export function summaryMessage(report: BucketAuditReport, reportLocation: string): string {
  const lines = [
    `Thanos bucket audit of ${report.bucket} at ${report.generatedAt}: ${report.status.toUpperCase()}`,
    `${report.counts.bySeverity.critical} critical, ${report.counts.bySeverity.warning} warning, ${report.counts.bySeverity.info} info findings over ${report.inventory.blocks} blocks.`,
    backlogLine(report),
    '',
    'Findings by code:',
    ...FINDING_CODES.filter((c) => report.counts.byCode[c] > 0).map((c) => `  ${c}: ${report.counts.byCode[c]}`),
    '',
    ...report.findings
      .filter((f) => f.severity !== 'info')
      .slice(0, LISTED_FINDINGS)
      .map((f) => `- [${f.severity}] ${f.code}: ${f.message}`),
  ];
  const listed = report.findings.filter((f) => f.severity !== 'info').length;
  if (listed > LISTED_FINDINGS) lines.push(`... and ${listed - LISTED_FINDINGS} more in the report.`);
  lines.push('', `Full report: ${reportLocation}`);
  const text = lines.join('\n');
  const bytes = new TextEncoder().encode(text).length;
  return bytes <= MESSAGE_BUDGET_BYTES ? text : `${text.slice(0, MESSAGE_BUDGET_BYTES / 4)}\n... (truncated)`;
}
