import { formatEmail, emailSubject as snsSubject } from '../../../../lambdas/domain/alerts/email';
import { alertHistoryKey, alertHistoryRecord } from '../../../../lambdas/domain/alerts/history';
import { notificationKey } from '../../../../lambdas/domain/alerts/idempotency';
import { deliveryTargets } from '../../../../lambdas/domain/alerts/routing';
import { RECEIVERS } from '../../../../lambdas/domain/receivers';
import { notification, oversizedNotification } from '../../../support/alerts';

describe('deliveryTargets', () => {
  const all = { slack: true, pagerduty: true, criticalEmail: true };
  it.each([
    [RECEIVERS.pagerdutyCritical, all, ['pagerduty', 'slack', 'email']],
    [RECEIVERS.pagerdutyCritical, { ...all, pagerduty: false }, ['slack', 'email']],
    [RECEIVERS.pagerdutyCritical, { ...all, criticalEmail: false }, ['pagerduty', 'slack']],
    [RECEIVERS.slackCritical, all, ['slack', 'email']],
    [RECEIVERS.slackWarnings, all, ['slack']],
    [RECEIVERS.slackDefault, all, ['slack']],
    ['some-new-receiver', all, ['slack']],
    [RECEIVERS.slackWarnings, { ...all, slack: false }, []],
  ])('%s with %j → %j', (receiver, options, targets) => {
    expect(deliveryTargets({ receiver }, options)).toEqual(targets);
  });
});

describe('formatEmail', () => {
  it('makes a one-line printable-ASCII subject of at most 100 characters', () => {
    expect(snsSubject('🔥 disk\nfull\tnow')).toBe('? disk full now');
    const long = snsSubject(`x${'é'.repeat(300)}`);
    expect(long).toHaveLength(100);
    expect(long).toMatch(/^[\x20-\x7E]+$/);
    expect(snsSubject('\n')).toBe('Alert');
  });

  it('lists firing and resolved alerts with runbooks in a plain-text body', () => {
    const n = notification(2, {}, (i) => (i === 1 ? { status: 'resolved', endsAt: '2026-11-24T01:30:00Z' } : {}));
    const email = formatEmail(n);
    expect(email.subject).toBe('[ALERT] [FIRING:1] HighCPU greenlang-prod');
    expect(email.body).toMatch(
      /Firing:\n- HighCPU \[critical\] since 2026-11-24T01:00:00Z\n {2}CPU above 90% on node-0/,
    );
    expect(email.body).toContain(
      'Resolved:\n- HighCPU [critical] since 2026-11-24T01:00:00Z, resolved 2026-11-24T01:30:00Z',
    );
    expect(email.body).toContain('runbook: https://runbooks.example.com/high-cpu');
  });

  it('cuts the body to 256 KB and says so', () => {
    const email = formatEmail(oversizedNotification(200));
    expect(Buffer.byteLength(email.body)).toBeLessThanOrEqual(262_144);
    expect(email.body.endsWith('… (truncated)')).toBe(true);
  });
});

describe('notificationKey', () => {
  const n = notification(3);
  it('is the same for both HA replicas’ copies, whatever the alert order', () => {
    expect(notificationKey({ ...n, alerts: [...n.alerts].reverse() })).toBe(notificationKey(n));
  });
  it("ignores a firing alert's endsAt (a moving expiry estimate that HA replicas may hold differently)", () => {
    const refreshed = { ...n, alerts: n.alerts.map((a) => ({ ...a, endsAt: '2026-11-24T02:04:00Z' })) };
    expect(notificationKey(refreshed)).toBe(notificationKey(n));
  });
  it.each([
    ['another receiver', { ...n, receiver: 'slack-warnings' }],
    ['another group', { ...n, groupKey: `${n.groupKey}x` }],
    ['resolved', { ...n, status: 'resolved' as const }],
    ['an alert more', notification(4)],
    [
      'an alert re-fired later',
      { ...n, alerts: n.alerts.map((a, i) => (i === 0 ? { ...a, startsAt: '2026-11-24T02:00:00Z' } : a)) },
    ],
    [
      'an alert resolved',
      {
        ...n,
        alerts: n.alerts.map((a, i) =>
          i === 0 ? { ...a, status: 'resolved' as const, endsAt: '2026-11-24T02:00:00Z' } : a,
        ),
      },
    ],
  ])('changes for %s', (_case, other) => {
    expect(notificationKey(other)).not.toBe(notificationKey(n));
  });
});

describe('alert history', () => {
  it('records receiver, status, group, each alert and where it went', () => {
    const at = new Date('2026-11-24T02:03:04.000Z');
    const record = alertHistoryRecord(notification(1), ['pagerduty', 'slack'], at);
    expect(record).toEqual({
      receiver: 'pagerduty-critical',
      status: 'firing',
      groupKey: notification(1).groupKey,
      alerts: [
        {
          name: 'HighCPU',
          severity: 'critical',
          status: 'firing',
          startsAt: '2026-11-24T01:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'fp00000000000000',
        },
      ],
      truncatedAlerts: 0,
      deliveredTo: ['pagerduty', 'slack'],
      at: '2026-11-24T02:03:04.000Z',
    });
    expect(alertHistoryKey(at, 'abc')).toBe('alert-history/2026/11/24/abc.json');
  });
});
