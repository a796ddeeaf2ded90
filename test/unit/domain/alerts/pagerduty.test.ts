import { createHash } from 'node:crypto';
import { pagerDutyEvent, pagerDutyEventBytes, pagerDutySeverity } from '../../../../lambdas/domain/alerts/pagerduty';
import { notification, oversizedNotification } from '../../../support/alerts';

describe('pagerDutyEvent', () => {
  it("triggers while firing, with Alertmanager's dedup key (sha256 hex of the group key)", () => {
    const n = notification(3);
    const event = pagerDutyEvent(n);
    expect(event.event_action).toBe('trigger');
    // Alertmanager: notify.Key(groupKey).Hash() = hex(sha256(groupKey)); the same key resolves the incident.
    expect(event.dedup_key).toBe(createHash('sha256').update(n.groupKey).digest('hex'));
    expect(event.dedup_key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves with the same dedup key once the group resolved', () => {
    const n = notification(3);
    const resolved = pagerDutyEvent({
      ...n,
      status: 'resolved',
      alerts: n.alerts.map((a) => ({ ...a, status: 'resolved' })),
    });
    expect(resolved).toEqual({ event_action: 'resolve', dedup_key: pagerDutyEvent(n).dedup_key });
  });

  it('summarises with title and summary, source from the cluster, links to runbook and source once each', () => {
    const event = pagerDutyEvent(notification(5, { commonAnnotations: { summary: 'CPU high' } }));
    if (event.event_action !== 'trigger') throw new Error('expected trigger');
    expect(event.payload.summary).toBe('[FIRING:5] HighCPU greenlang-prod: CPU high');
    expect(event.payload.source).toBe('greenlang-prod');
    expect(event.payload.severity).toBe('critical');
    expect(event.links).toEqual([
      { href: 'https://runbooks.example.com/high-cpu', text: 'Runbook: HighCPU' },
      { href: 'http://prometheus.example.com/graph?g0.expr=cpu', text: 'Source: HighCPU' },
    ]);
    expect(event.payload.custom_details).toMatchObject({ num_firing: 5, num_resolved: 0 });
  });

  it.each([
    ['critical', 'critical'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['error', 'error'],
    ['CRITICAL', 'critical'],
    ['page', 'error'],
    [undefined, 'error'],
  ])('maps severity %s to %s', (label, severity) => {
    expect(pagerDutySeverity(label)).toBe(severity);
  });

  it('cuts the summary to 1024 characters', () => {
    const event = pagerDutyEvent(notification(1, { commonAnnotations: { summary: 'y'.repeat(5000) } }));
    if (event.event_action !== 'trigger') throw new Error('expected trigger');
    expect(event.payload.summary).toHaveLength(1024);
    expect(event.payload.summary.endsWith('…')).toBe(true);
  });

  it('stays under 512 KB by dropping alert details from the end, saying how many were omitted', () => {
    const n = oversizedNotification(300);
    const event = pagerDutyEvent(n);
    if (event.event_action !== 'trigger') throw new Error('expected trigger');
    expect(pagerDutyEventBytes(event)).toBeLessThanOrEqual(512 * 1024);
    const details = event.payload.custom_details as { alerts: unknown[]; alerts_omitted: number };
    expect(details.alerts.length).toBeGreaterThan(0);
    expect(details.alerts.length + details.alerts_omitted).toBe(300);
  });

  it('keeps only counts when even the common parts exceed 512 KB', () => {
    const event = pagerDutyEvent(notification(2, { commonAnnotations: { description: 'z'.repeat(600 * 1024) } }));
    if (event.event_action !== 'trigger') throw new Error('expected trigger');
    expect(pagerDutyEventBytes(event)).toBeLessThanOrEqual(512 * 1024);
    expect(event.payload.custom_details).toMatchObject({ num_firing: 2, alerts_omitted: 2 });
  });
});
