import {
  InvalidNotificationError,
  notificationTitle,
  parseNotification,
  parseNotificationText,
} from '../../../../lambdas/domain/alerts/model';
import { notification } from '../../../support/alerts';

function issuesOf(body: unknown): readonly string[] {
  try {
    parseNotification(body);
  } catch (error) {
    if (error instanceof InvalidNotificationError) return error.issues;
    throw error;
  }
  throw new Error('expected the payload to be rejected');
}

describe('parseNotification', () => {
  it('accepts an Alertmanager v4 payload and keeps every field', () => {
    const input = notification(2, { truncatedAlerts: 3 });
    expect(parseNotification(JSON.parse(JSON.stringify(input)))).toEqual(input);
  });

  it('defaults truncatedAlerts to 0 and annotations to {} when absent', () => {
    const { truncatedAlerts: _t, ...rest } = notification(1);
    const { annotations: _a, ...alert } = { ...rest.alerts[0] };
    const parsed = parseNotification({ ...rest, alerts: [alert] });
    expect(parsed.truncatedAlerts).toBe(0);
    expect(parsed.alerts[0]?.annotations).toEqual({});
  });

  const valid = () =>
    JSON.parse(JSON.stringify(notification(2))) as Record<string, unknown> & {
      alerts: Record<string, unknown>[];
    };
  it.each<[string, (b: ReturnType<typeof valid>) => unknown, string]>([
    ['wrong version', (b) => ({ ...b, version: '3' }), 'version: expected "4", got "3"'],
    ['missing version', (b) => ({ ...b, version: undefined }), 'version: expected "4", got nothing'],
    ['empty groupKey', (b) => ({ ...b, groupKey: '' }), 'groupKey: must not be empty'],
    ['bad status', (b) => ({ ...b, status: 'pending' }), 'status: expected "firing" or "resolved", got "pending"'],
    ['numeric receiver', (b) => ({ ...b, receiver: 5 }), 'receiver: expected a string, got number'],
    [
      'labels as array',
      (b) => ({ ...b, commonLabels: [] }),
      'commonLabels: expected an object of strings, got an array',
    ],
    ['non-string label', (b) => ({ ...b, groupLabels: { a: 1 } }), 'groupLabels.a: expected a string, got number'],
    [
      'negative truncatedAlerts',
      (b) => ({ ...b, truncatedAlerts: -1 }),
      'truncatedAlerts: expected a non-negative integer, got number',
    ],
    ['no alerts', (b) => ({ ...b, alerts: [] }), 'alerts: must hold at least one alert'],
    ['alerts not array', (b) => ({ ...b, alerts: {} }), 'alerts: expected an array, got object'],
    ['alert not object', (b) => ({ ...b, alerts: [b.alerts[0], 'x'] }), 'alerts[1]: expected an object, got "x"'],
    [
      'bad startsAt',
      (b) => ({ ...b, alerts: [b.alerts[0], { ...b.alerts[1], startsAt: 'yesterday' }] }),
      'alerts[1].startsAt: expected an RFC 3339 timestamp, got "yesterday"',
    ],
    [
      'missing fingerprint',
      (b) => ({ ...b, alerts: [{ ...b.alerts[0], fingerprint: undefined }] }),
      'alerts[0].fingerprint: expected a string, got nothing',
    ],
    [
      'non-string annotation',
      (b) => ({ ...b, alerts: [{ ...b.alerts[0], annotations: { summary: null } }] }),
      'alerts[0].annotations.summary: expected a string, got null',
    ],
  ])('rejects %s, naming the field', (_case, mutate, issue) => {
    expect(issuesOf(mutate(valid()))).toContain(issue);
  });

  it('reports every problem at once, and says how many more beyond ten', () => {
    const bad = { ...valid(), alerts: Array.from({ length: 4 }, () => ({ status: 'x' })) };
    const error = (() => {
      try {
        parseNotification(bad);
      } catch (e) {
        return e as InvalidNotificationError;
      }
      throw new Error('not rejected');
    })();
    expect(error.issues.length).toBe(4 * 6);
    expect(error.message).toMatch(/; and 14 more$/);
  });

  it('rejects a body that is not an object, or not JSON', () => {
    expect(issuesOf([])).toEqual(['body: expected a JSON object, got an array']);
    expect(() => parseNotificationText('{"version":')).toThrow(/body: not valid JSON/);
  });
});

describe('notificationTitle', () => {
  it("is Alertmanager's default: status with firing count, then the group label values", () => {
    const firing = notification(3, {}, (i) => (i === 0 ? { status: 'resolved' } : {}));
    expect(notificationTitle(firing)).toBe('[FIRING:2] HighCPU greenlang-prod');
    expect(notificationTitle({ ...firing, status: 'resolved' })).toBe('[RESOLVED] HighCPU greenlang-prod');
  });
});
