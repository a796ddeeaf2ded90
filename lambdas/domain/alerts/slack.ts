import {
  SLACK_MAX_BLOCKS,
  SLACK_MAX_HEADER_TEXT,
  SLACK_MAX_MESSAGE_TEXT,
  SLACK_MAX_SECTION_TEXT,
  truncateChars,
} from './limits';
import { type AlertmanagerAlert, type AlertNotification, alertsWithStatus, notificationTitle } from './model';

/** A Block Kit block as the incoming webhook takes it (only the kinds we send). */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: { readonly type: 'plain_text'; readonly text: string } }
  | { readonly type: 'section'; readonly text: { readonly type: 'mrkdwn'; readonly text: string } }
  | { readonly type: 'context'; readonly elements: readonly { readonly type: 'mrkdwn'; readonly text: string }[] };

/** One incoming-webhook message: `text` is the notification fallback, `blocks` what is shown. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Blocks every message spends before its alert sections: the header and the context line. */
const FRAME_BLOCKS = 2;
const ALERT_SECTIONS_PER_MESSAGE = SLACK_MAX_BLOCKS - FRAME_BLOCKS;
const SECTION_SEPARATOR = '\n\n';

/**
 * Escapes text for Slack mrkdwn: `&`, `<`, `>` become entities, so `<!channel>` or `<@U123>` in an annotation is
 * shown as text and never pings or links.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts already-escaped mrkdwn to `max` characters without splitting an entity like `&amp;`. */
function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = truncateChars(text, max).slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** A link in mrkdwn: `<url|label>`; the URL's own `|`, `<`, `>` would break the syntax, so they are encoded. */
function link(url: string, label: string): string {
  const safe = url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
  return `<${safe}|${escapeMrkdwn(label)}>`;
}

function isHttpUrl(url: string | undefined): url is string {
  return url !== undefined && /^https?:\/\/\S+$/.test(url);
}

/** One alert as mrkdwn (≤ one section): status, name, severity, summary/description, labels, links. */
export function alertMrkdwn(alert: AlertmanagerAlert): string {
  const name = alert.labels.alertname ?? '(no alertname)';
  const icon = alert.status === 'firing' ? ':red_circle: *FIRING*' : ':large_green_circle: *RESOLVED*';
  const severity = alert.labels.severity ? ` · ${escapeMrkdwn(alert.labels.severity)}` : '';
  const lines = [`${icon} *${escapeMrkdwn(name)}*${severity}`];
  const summary = alert.annotations.summary;
  const description = alert.annotations.description ?? alert.annotations.message;
  if (summary) lines.push(escapeMrkdwn(summary));
  if (description && description !== summary) lines.push(escapeMrkdwn(description));
  const labels = Object.entries(alert.labels)
    .filter(([k]) => k !== 'alertname' && k !== 'severity')
    .map(([k, v]) => `${escapeMrkdwn(k)}=${escapeMrkdwn(v)}`);
  if (labels.length > 0) lines.push(`\`${labels.join(', ')}\``);
  const links: string[] = [];
  if (isHttpUrl(alert.annotations.runbook_url)) links.push(link(alert.annotations.runbook_url, 'Runbook'));
  if (isHttpUrl(alert.generatorURL)) links.push(link(alert.generatorURL, 'Source'));
  if (links.length > 0) lines.push(links.join(' · '));
  return truncateEscaped(lines.join('\n'), SLACK_MAX_SECTION_TEXT);
}

/**
 * Formats a notification as few Slack messages as the limits allow: alerts are packed into sections of at most
 * 3000 characters, sections into messages of at most 50 blocks (header + context + 48 sections) and 40,000
 * characters. Each message's context says which alerts it holds ("alerts 1–40 of 150").
 */
export function formatSlackMessages(notification: AlertNotification): SlackMessage[] {
  // Firing first, so a mixed group leads with what needs attention.
  const ordered = [...alertsWithStatus(notification, 'firing'), ...alertsWithStatus(notification, 'resolved')];
  const total = ordered.length + notification.truncatedAlerts;

  interface Draft {
    sections: string[];
    chars: number;
    first: number;
    last: number;
  }
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  ordered.forEach((alert, index) => {
    const text = alertMrkdwn(alert);
    if (current) {
      const open = current.sections[current.sections.length - 1] ?? '';
      const fitsSection = open.length + SECTION_SEPARATOR.length + text.length <= SLACK_MAX_SECTION_TEXT;
      const fitsMessage = current.chars + SECTION_SEPARATOR.length + text.length <= SLACK_MAX_MESSAGE_TEXT - 1000;
      if (fitsSection && fitsMessage) {
        current.sections[current.sections.length - 1] = `${open}${SECTION_SEPARATOR}${text}`;
        current.chars += SECTION_SEPARATOR.length + text.length;
        current.last = index + 1;
        return;
      }
      if (current.sections.length < ALERT_SECTIONS_PER_MESSAGE && fitsMessage) {
        current.sections.push(text);
        current.chars += text.length;
        current.last = index + 1;
        return;
      }
    }
    current = { sections: [text], chars: text.length, first: index + 1, last: index + 1 };
    drafts.push(current);
  });

  const title = notificationTitle(notification);
  const headerPrefix = notification.status === 'firing' ? '🔥 ' : '✅ ';
  const header = truncateChars(`${headerPrefix}${title}`, SLACK_MAX_HEADER_TEXT);
  return drafts.map((draft, i) => {
    const range =
      drafts.length === 1 && notification.truncatedAlerts === 0
        ? `${ordered.length} alert${ordered.length === 1 ? '' : 's'}`
        : `alerts ${draft.first}–${draft.last} of ${total}`;
    const part = drafts.length > 1 ? ` · message ${i + 1} of ${drafts.length}` : '';
    const truncated =
      notification.truncatedAlerts > 0 && i === drafts.length - 1
        ? ` · ${notification.truncatedAlerts} more not sent by Alertmanager (max_alerts)`
        : '';
    const source = isHttpUrl(notification.externalURL) ? ` · ${link(notification.externalURL, 'Alertmanager')}` : '';
    const context = truncateEscaped(
      `*${notification.status === 'firing' ? 'Firing' : 'Resolved'}* · ${range}${part}${truncated} · receiver ${escapeMrkdwn(notification.receiver)}${source}`,
      SLACK_MAX_SECTION_TEXT,
    );
    return {
      text: truncateEscaped(`${escapeMrkdwn(title)} (${range})`, SLACK_MAX_MESSAGE_TEXT),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: header } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
        ...draft.sections.map((text): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      ],
    };
  });
}
