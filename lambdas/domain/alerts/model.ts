/**
 * The Alertmanager webhook payload, version 4 (Alertmanager `notify/webhook`), and its validation. Pure.
 *
 * Validation collects every problem with the path of the field, so a 400 answer says exactly what is wrong.
 */

export type AlertStatus = 'firing' | 'resolved';

export interface AlertmanagerAlert {
  readonly status: AlertStatus;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly startsAt: string;
  /** RFC 3339; `0001-01-01T00:00:00Z` while firing. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** One notification as Alertmanager's webhook sends it (`version: "4"`). */
export interface AlertNotification {
  readonly version: '4';
  readonly groupKey: string;
  /** Alerts Alertmanager left out because of the webhook's `max_alerts`. */
  readonly truncatedAlerts: number;
  readonly status: AlertStatus;
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly AlertmanagerAlert[];
}

/** A payload that is not a valid v4 notification; `issues` name each bad field (`alerts[2].startsAt: ...`). */
export class InvalidNotificationError extends Error {
  override readonly name = 'InvalidNotificationError';
  constructor(readonly issues: readonly string[]) {
    super(
      `invalid Alertmanager webhook payload: ${issues.slice(0, MAX_REPORTED_ISSUES).join('; ')}${
        issues.length > MAX_REPORTED_ISSUES ? `; and ${issues.length - MAX_REPORTED_ISSUES} more` : ''
      }`,
    );
  }
}

const MAX_REPORTED_ISSUES = 10;
const STATUSES: readonly string[] = ['firing', 'resolved'];
// RFC 3339 as Go's time.Time marshals it: fractional seconds optional, `Z` or a numeric offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly issues: string[] = [];

  string(obj: Record<string, unknown>, key: string, path: string, options: { nonEmpty?: boolean } = {}): string {
    const value = obj[key];
    if (typeof value !== 'string') {
      this.issues.push(`${path}${key}: expected a string, got ${value === undefined ? 'nothing' : describe(value)}`);
      return '';
    }
    if (options.nonEmpty && value.length === 0) this.issues.push(`${path}${key}: must not be empty`);
    return value;
  }

  status(obj: Record<string, unknown>, key: string, path: string): AlertStatus {
    const value = this.string(obj, key, path);
    if (typeof obj[key] === 'string' && !STATUSES.includes(value)) {
      this.issues.push(`${path}${key}: expected "firing" or "resolved", got ${describe(value)}`);
    }
    return value as AlertStatus;
  }

  timestamp(obj: Record<string, unknown>, key: string, path: string): string {
    const value = this.string(obj, key, path);
    if (typeof obj[key] === 'string' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) {
      this.issues.push(`${path}${key}: expected an RFC 3339 timestamp, got ${describe(value)}`);
    }
    return value;
  }

  labels(obj: Record<string, unknown>, key: string, path: string, optional = false): Record<string, string> {
    const value = obj[key];
    if (value === undefined && optional) return {};
    if (!isObject(value)) {
      this.issues.push(
        `${path}${key}: expected an object of strings, got ${value === undefined ? 'nothing' : describe(value)}`,
      );
      return {};
    }
    for (const [name, v] of Object.entries(value)) {
      if (typeof v !== 'string') this.issues.push(`${path}${key}.${name}: expected a string, got ${describe(v)}`);
    }
    return value as Record<string, string>;
  }
}

/**
 * Validates a parsed webhook body as an Alertmanager v4 notification.
 * @throws InvalidNotificationError naming every bad field.
 */
export function parseNotification(body: unknown): AlertNotification {
  if (!isObject(body)) throw new InvalidNotificationError([`body: expected a JSON object, got ${describe(body)}`]);
  const c = new Checker();
  const version = body.version;
  if (version !== '4')
    c.issues.push(`version: expected "4", got ${version === undefined ? 'nothing' : describe(version)}`);
  const groupKey = c.string(body, 'groupKey', '', { nonEmpty: true });
  const truncated = body.truncatedAlerts ?? 0;
  if (typeof truncated !== 'number' || !Number.isInteger(truncated) || truncated < 0) {
    c.issues.push(`truncatedAlerts: expected a non-negative integer, got ${describe(truncated)}`);
  }
  const status = c.status(body, 'status', '');
  const receiver = c.string(body, 'receiver', '', { nonEmpty: true });
  const groupLabels = c.labels(body, 'groupLabels', '');
  const commonLabels = c.labels(body, 'commonLabels', '');
  const commonAnnotations = c.labels(body, 'commonAnnotations', '');
  const externalURL = c.string(body, 'externalURL', '');
  const rawAlerts = body.alerts;
  const alerts: AlertmanagerAlert[] = [];
  if (!Array.isArray(rawAlerts)) {
    c.issues.push(`alerts: expected an array, got ${rawAlerts === undefined ? 'nothing' : describe(rawAlerts)}`);
  } else if (rawAlerts.length === 0) {
    c.issues.push('alerts: must hold at least one alert');
  } else {
    rawAlerts.forEach((raw, i) => {
      const path = `alerts[${i}].`;
      if (!isObject(raw)) {
        c.issues.push(`alerts[${i}]: expected an object, got ${describe(raw)}`);
        return;
      }
      alerts.push({
        status: c.status(raw, 'status', path),
        labels: c.labels(raw, 'labels', path),
        annotations: c.labels(raw, 'annotations', path, true),
        startsAt: c.timestamp(raw, 'startsAt', path),
        endsAt: c.timestamp(raw, 'endsAt', path),
        generatorURL: c.string(raw, 'generatorURL', path),
        fingerprint: c.string(raw, 'fingerprint', path, { nonEmpty: true }),
      });
    });
  }
  if (c.issues.length > 0) throw new InvalidNotificationError(c.issues);
  return {
    version: '4',
    groupKey,
    truncatedAlerts: truncated as number,
    status,
    receiver,
    groupLabels,
    commonLabels,
    commonAnnotations,
    externalURL,
    alerts,
  };
}

/** Parses and validates a webhook body given as text. @throws InvalidNotificationError */
export function parseNotificationText(text: string): AlertNotification {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidNotificationError([`body: not valid JSON (${(error as Error).message})`]);
  }
  return parseNotification(body);
}

/** Alerts of the notification with the given status. */
export function alertsWithStatus(notification: AlertNotification, status: AlertStatus): AlertmanagerAlert[] {
  return notification.alerts.filter((a) => a.status === status);
}

/** `[FIRING:3] HighCPU prod api` — Alertmanager's default title: status, firing count, group label values. */
export function notificationTitle(notification: AlertNotification): string {
  const firing = alertsWithStatus(notification, 'firing').length;
  const status = notification.status === 'firing' ? `[FIRING:${firing}]` : '[RESOLVED]';
  const values = Object.values(notification.groupLabels).filter((v) => v.length > 0);
  return [status, ...values].join(' ');
}
