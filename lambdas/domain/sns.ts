/**
 * SNS Publish limits and the text rules every publisher follows (alert emails, the audit summary, the weekly
 * summary). Pure.
 */
import { truncateBytes } from './alerts/limits';

/** SNS Publish: "Subject ... must be ASCII text ... no line breaks or control characters ... fewer than 100 characters" (docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
export const SNS_MAX_SUBJECT = 100;
/** SNS Publish: "Messages must be UTF-8 encoded strings and at most 256 KB in size (262,144 bytes)". */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

export interface SnsSubjectOptions {
  /** What a character outside printable ASCII becomes. @default '?' */
  readonly unprintable?: string;
  /** Spell accented letters and dashes in ASCII first (NFKD: `ö` → `o`, `–` → `-`). @default false */
  readonly transliterate?: boolean;
  /** The subject when nothing printable is left. @default '' */
  readonly fallback?: string;
  /** @default SNS_MAX_SUBJECT */
  readonly max?: number;
}

/**
 * Makes text a valid SNS subject: printable ASCII on one line (whitespace runs become one space), at most `max`
 * characters, cut with `...`.
 */
export function snsSubject(text: string, options: SnsSubjectOptions = {}): string {
  const { unprintable = '?', transliterate = false, fallback = '', max = SNS_MAX_SUBJECT } = options;
  const spelled = transliterate ? text.normalize('NFKD').replace(/[\u2013\u2014]/g, '-') : text;
  const ascii = spelled
    .replace(/[\r\n\t]/g, ' ')
    .replace(/[^\x20-\x7e]/gu, unprintable)
    .replace(/\s{2,}/g, ' ')
    .trim();
  const subject = ascii.length <= max ? ascii : `${ascii.slice(0, max - 3).trimEnd()}...`;
  return subject.length > 0 ? subject : fallback;
}

/** Cuts a message body to the SNS limit on a character boundary, ending with `note` when cut. */
export function snsMessage(text: string, note: string, maxBytes = SNS_MAX_MESSAGE_BYTES): string {
  return truncateBytes(text, maxBytes, note);
}
