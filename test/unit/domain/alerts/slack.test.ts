import fc from 'fast-check';
import {
  alertMrkdwn,
  escapeMrkdwn,
  formatSlackMessages,
  type SlackMessage,
} from '../../../../lambdas/domain/alerts/slack';
import { alert, notification, oversizedNotification } from '../../../support/alerts';

function sectionTexts(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
}

function expectWithinSlackLimits(messages: readonly SlackMessage[]): void {
  for (const m of messages) {
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(m.text.length).toBeLessThanOrEqual(40_000);
    for (const b of m.blocks) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
      if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(3000);
    }
  }
}

/** Every `<...>` in mrkdwn is one of our links (`<http...|label>`): nothing else can ping or link. */
function controlSequences(text: string): string[] {
  return [...text.matchAll(/<[^>]*>/g)].map((m) => m[0]).filter((s) => !/^<https?:\/\/[^|<>]+\|[^<>]*>$/.test(s));
}

describe('escapeMrkdwn', () => {
  it('escapes &, < and > so <!channel> cannot ping', () => {
    expect(escapeMrkdwn('<!channel> & <@U123> > 5')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt; &gt; 5');
  });
});

describe('formatSlackMessages', () => {
  it('never lets an annotation or label ping: <!channel> shows as text', () => {
    const n = notification(1, {}, () => ({
      annotations: { summary: 'disk full <!channel>', description: '<!here> <@U42|bob> & co' },
      labels: { alertname: '<!everyone>', severity: 'critical', team: '<#C1>' },
    }));
    const [message] = formatSlackMessages(n);
    const all = JSON.stringify(message);
    expect(all).toContain('&lt;!channel&gt;');
    for (const m of formatSlackMessages(n)) {
      for (const t of [m.text, ...sectionTexts(m)]) expect(controlSequences(t)).toEqual([]);
    }
  });

  it('shows firing and resolved clearly, firing alerts first', () => {
    const n = notification(2, {}, (i) => (i === 0 ? { status: 'resolved', endsAt: '2026-11-24T01:30:00Z' } : {}));
    const [message] = formatSlackMessages(n);
    const header = message?.blocks[0];
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔥 [FIRING:1] HighCPU greenlang-prod' },
    });
    const text = sectionTexts(message as SlackMessage).join('\n');
    expect(text.indexOf('*FIRING*')).toBeLessThan(text.indexOf('*RESOLVED*'));
    const resolved = formatSlackMessages({
      ...n,
      status: 'resolved',
      alerts: n.alerts.map((a) => ({ ...a, status: 'resolved' })),
    });
    expect(resolved[0]?.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '✅ [RESOLVED] HighCPU greenlang-prod' },
    });
  });

  it('links the runbook and the generator URL', () => {
    expect(alertMrkdwn(alert(1))).toContain(
      '<https://runbooks.example.com/high-cpu|Runbook> · <http://prometheus.example.com/graph?g0.expr=cpu|Source>',
    );
  });

  it('puts a 150-alert group of ordinary alerts in one message that says it holds 150 alerts', () => {
    const messages = formatSlackMessages(notification(150));
    expect(messages).toHaveLength(1);
    expectWithinSlackLimits(messages);
    const text = sectionTexts(messages[0] as SlackMessage).join('\n');
    for (let i = 0; i < 150; i++) expect(text).toContain(`node-${i}\``);
    expect(JSON.stringify(messages[0]?.blocks[1])).toContain('150 alerts');
  });

  it('splits big alerts into as few messages as the limits allow, each saying which alerts it holds', () => {
    // Each alert renders to ~2900 chars: one per section, 48 sections per message, but 40k chars per message.
    const n = notification(150, {}, (i) => ({ annotations: { summary: `${i} ${'x'.repeat(2850)}` } }));
    const messages = formatSlackMessages(n);
    expectWithinSlackLimits(messages);
    const perMessage = messages.map((m) => sectionTexts(m).length);
    expect(perMessage.reduce((a, b) => a + b, 0)).toBe(150);
    // Only the 40,000-character budget splits here: 13 alerts of ~2.9k fit, 14 would not.
    expect(perMessage.slice(0, -1).every((c) => c === perMessage[0])).toBe(true);
    expect(messages.length).toBe(Math.ceil(150 / (perMessage[0] ?? 1)));
    const contexts = messages.map((m) => JSON.stringify(m.blocks[1]));
    expect(contexts[0]).toContain(`alerts 1–${perMessage[0]} of 150`);
    expect(contexts[messages.length - 1]).toContain(`of 150 · message ${messages.length} of ${messages.length}`);
  });

  it('mentions alerts Alertmanager truncated (max_alerts)', () => {
    const messages = formatSlackMessages(notification(2, { truncatedAlerts: 8 }));
    expect(JSON.stringify(messages[0]?.blocks[1])).toContain('alerts 1–2 of 10 · 8 more not sent by Alertmanager');
  });

  it('keeps every message within the limits for oversized alerts, cutting long text with …', () => {
    const messages = formatSlackMessages(oversizedNotification(120));
    expectWithinSlackLimits(messages);
    expect(messages.flatMap(sectionTexts)).toHaveLength(120);
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toMatch(/…$/);
  });

  it('property: any label and annotation text stays within limits and cannot inject mrkdwn controls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ s: fc.string({ maxLength: 4000 }), d: fc.string({ maxLength: 300 }), v: fc.string() }), {
          minLength: 1,
          maxLength: 80,
        }),
        fc.string({ maxLength: 300 }),
        (alerts, groupValue) => {
          const n = notification(alerts.length, { groupLabels: { alertname: groupValue } }, (i) => ({
            annotations: { summary: alerts[i]?.s ?? '', description: alerts[i]?.d ?? '' },
            labels: { alertname: 'A', x: alerts[i]?.v ?? '' },
          }));
          const messages = formatSlackMessages(n);
          expectWithinSlackLimits(messages);
          for (const m of messages)
            for (const t of [m.text, ...sectionTexts(m)]) expect(controlSequences(t)).toEqual([]);
          expect(
            messages
              .flatMap(sectionTexts)
              .join('\n')
              .match(/\*(FIRING|RESOLVED)\*/g),
          ).toHaveLength(alerts.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
