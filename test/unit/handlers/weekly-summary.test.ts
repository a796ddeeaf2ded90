import type { SnsPublisher as EmailPublisher } from '../../../lambdas/adapters/sns-publisher';
import { makeWeeklySummaryHandler, type WeeklySummaryDeps } from '../../../lambdas/handlers/weekly-summary/handler';
import { memoryStore } from '../../support/capacity-fakes';

const NOW = new Date('2026-11-23T07:00:00Z');

function publisher() {
  const sent: { subject: string; body: string }[] = [];
  const port: EmailPublisher = {
    async publish(subject, body) {
      sent.push({ subject, body });
      return { messageId: `m-${sent.length}` };
    },
  };
  return { port, sent };
}

/** The handler in dev, at NOW, in UTC, with links as the keys themselves; `deps` adds or replaces the rest. */
const summary = (deps: Pick<WeeklySummaryDeps, 'store' | 'publisher'> & Partial<WeeklySummaryDeps>) =>
  makeWeeklySummaryHandler({ environment: 'dev', timeZone: 'UTC', now: () => NOW, reportUrl: (k) => k, ...deps });

const firing = (at: string, name: string, severity: string, fingerprint: string) =>
  JSON.stringify({
    receiver: 'slack',
    status: 'firing',
    groupKey: 'g',
    at,
    alerts: [{ name, severity, fingerprint, startsAt: at, endsAt: '0001-01-01T00:00:00Z' }],
  });

describe('weekly summary handler', () => {
  it('reads the week’s partitions only, skips malformed records, publishes once and keeps a copy', async () => {
    const { store, objects } = memoryStore({
      'alert-history/2026/11/15/a.json': firing('2026-11-15T10:00:00Z', 'TooOld', 'critical', 'f0'),
      'alert-history/2026/11/16/a.json': firing('2026-11-16T08:00:00Z', 'HighMemory', 'warning', 'f1'),
      'alert-history/2026/11/20/b.json': firing('2026-11-20T08:00:00Z', 'CompactHalted', 'critical', 'f2'),
      'alert-history/2026/11/20/c.json': '{"receiver":"slack"}',
      'alert-history/2026/11/21/d.json': '{ truncated',
      'alert-history/2026/11/21/notes.txt': 'ignored',
      'audit/latest.json': JSON.stringify({ findings: [{ code: 'X', severity: 'warning', message: 'm' }] }),
      'capacity/latest.json': JSON.stringify({
        generatedAt: '2026-11-23T05:00:00.000Z',
        headline: 'Capacity: all fine.',
      }),
    });
    const { port, sent } = publisher();
    const logged: string[] = [];
    const result = await summary({
      store,
      publisher: port,
      environment: 'prod',
      reportUrl: (key) => `https://console/${key}`,
      log: (m, extra) => logged.push(`${m} ${JSON.stringify(extra ?? {})}`),
    })({});

    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('[greenlang-prod] Weekly summary 2026-11-16 to 2026-11-23: 2 alerts, 1 critical');
    expect(result.malformedRecords).toBe(2);
    expect(result.stats.top.map((t) => t.name)).toEqual(['CompactHalted', 'HighMemory']);
    expect(sent[0]?.body).toContain(
      '  Capacity: all fine.\n  Full report: https://console/capacity/2026-11-23/report.html',
    );
    expect(sent[0]?.body).toContain('  - [warning] X: m');
    expect(logged.filter((l) => l.startsWith('malformed'))).toEqual([
      'malformed alert-history record skipped {"key":"alert-history/2026/11/20/c.json","problem":"status: expected \\"firing\\" or \\"resolved\\", got undefined"}',
      'malformed alert-history record skipped {"key":"alert-history/2026/11/21/d.json","problem":"not JSON"}',
    ]);
    const saved = JSON.parse(objects.get('summary/2026/11/23/summary.json') ?? '{}');
    expect(saved).toMatchObject({
      messageId: 'm-1',
      subject: sent[0]?.subject,
      body: sent[0]?.body,
      malformedRecords: 2,
    });
  });

  it('a stale capacity report is not presented as this week’s: live capacity is used when available', async () => {
    const { store } = memoryStore({
      'capacity/latest.json': JSON.stringify({ generatedAt: '2026-11-01T05:00:00.000Z', headline: 'old news' }),
    });
    const { port, sent } = publisher();
    await summary({
      store,
      publisher: port,
      reportUrl: (key) => `file://${key}`,
      liveCapacity: async () => ({ headline: 'Capacity: live.', htmlKey: 'capacity/2026-11-23/report.html' }),
    })({});
    expect(sent[0]?.body).toContain('  Capacity: live.\n  Full report: file://capacity/2026-11-23/report.html');
    expect(sent[0]?.body).not.toContain('old news');
  });

  it('without any report it still sends, saying what is missing', async () => {
    const { store } = memoryStore();
    const { port, sent } = publisher();
    await summary({ store, publisher: port })({});
    expect(sent[0]?.body).toContain('No audit report: audit/latest.json does not exist yet');
    expect(sent[0]?.body).toContain(
      'No capacity report from this week (capacity/latest.json is missing or older than 7 days).',
    );
    expect(sent[0]?.body).toContain('Full report: (no capacity report)');
  });

  it('still sends when a report cannot be read (an S3 AccessDenied), naming it', async () => {
    const { store } = memoryStore();
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    const guarded = {
      ...store,
      get: async (key: string) => {
        if (key === 'audit/latest.json' || key === 'capacity/latest.json') throw denied;
        return store.get(key);
      },
    };
    const { port, sent } = publisher();
    const logged: string[] = [];
    await summary({ store: guarded, publisher: port, log: (message) => void logged.push(message) })({});
    expect(sent[0]?.body).toContain(
      'No audit report: audit/latest.json could not be read (AccessDenied: Access Denied)',
    );
    expect(sent[0]?.body).toContain(
      'No capacity report from this week (capacity/latest.json could not be read (AccessDenied: Access Denied)).',
    );
    expect(logged).toContain('capacity/latest.json could not be read (AccessDenied: Access Denied)');
  });

  it('a publish failure fails the invocation (retried by Lambda) and keeps no copy', async () => {
    const { store, objects } = memoryStore();
    const failing: EmailPublisher = {
      publish: async () => {
        throw new Error('Throttling');
      },
    };
    await expect(summary({ store, publisher: failing })({})).rejects.toThrow('Throttling');
    expect([...objects.keys()]).toEqual([]);
  });
});
