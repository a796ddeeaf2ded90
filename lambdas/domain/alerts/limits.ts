/** Vendor limits the formatters respect. Each cites where the vendor documents it. */

/** Slack: "maximum of 50 blocks in each message" (api.slack.com/reference/block-kit/blocks). */
export const SLACK_MAX_BLOCKS = 50;
/** Slack section block: "text ... Maximum length for the text in this field is 3000 characters". */
export const SLACK_MAX_SECTION_TEXT = 3000;
/** Slack header block: "Maximum length for the text in this field is 150 characters". */
export const SLACK_MAX_HEADER_TEXT = 150;
/** Slack chat.postMessage: "the text field ... truncated at 40,000 characters" (api.slack.com/methods/chat.postMessage). */
export const SLACK_MAX_MESSAGE_TEXT = 40_000;

/** PagerDuty Events API v2: `payload.summary` "maximum length of 1024" (developer.pagerduty.com/docs/events-api-v2/trigger-events). */
export const PAGERDUTY_MAX_SUMMARY = 1024;
/** PagerDuty Events API v2: "the total size of an event is limited to 512 KB". */
export const PAGERDUTY_MAX_EVENT_BYTES = 512 * 1024;
/** PagerDuty Events API v2: `dedup_key` "maximum of 255 characters". */
export const PAGERDUTY_MAX_DEDUP_KEY = 255;
/** PagerDuty integration keys are 32 characters (the routing key is added by the notifier, counted here). */
export const PAGERDUTY_ROUTING_KEY_LENGTH = 32;

/** SNS limits: `lambdas/domain/sns.ts`. */

/** Byte length of a string in UTF-8, without Buffer (the domain stays runtime-neutral). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Cuts `text` to at most `max` characters, ending in `…` when cut; never splits a surrogate pair. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, appending `suffix` (counted) when cut. */
export function truncateBytes(text: string, maxBytes: number, suffix = '\n… (truncated)'): string {
  if (utf8Length(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Length(suffix);
  // Binary search on characters: UTF-8 length is monotonic in the prefix length.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Length(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  let cut = text.slice(0, lo);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${suffix}`;
}
