import {
  type AlertHistoryRecord,
  alertWeekStats,
  composeWeeklySummary,
  fitBytes,
  formatDuration,
  parseAlertHistoryRecord,
  parseAuditReport,
  summarySubject as snsSubject,
} from '../../../../lambdas/domain/capacity/weekly-summary';
import { SNS_MAX_MESSAGE_BYTES as SNS_MESSAGE_MAX_BYTES } from '../../../../lambdas/domain/sns';

const FROM = new Date('2026-11-16T07:00:00Z');
const TO = new Date('2026-11-23T07:00:00Z');
const FIRING_END = '0001-01-01T00:00:00Z';

const alert = (name: string, severity: string, fingerprint: string, startsAt: string, endsAt = FIRING_END) => ({
  name,
  severity,
  fingerprint,
  startsAt,
  endsAt,
});
const record = (
  status: 'firing' | 'resolved',
  at: string,
  alerts: AlertHistoryRecord['alerts'],
  receiver = 'slack',
): AlertHistoryRecord => ({ receiver, status, groupKey: '{}:{alertname="x"}', at, alerts });

describe('parseAlertHistoryRecord', () => {
  it('accepts a record and ignores extra fields', () => {
    const parsed = parseAlertHistoryRecord({
      ...record('firing', '2026-11-17T10:00:00Z', [alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z')]),
      extra: { anything: true },
      truncatedAlerts: 0,
    });
    expect(parsed).toEqual({
      ok: true,
      value: record('firing', '2026-11-17T10:00:00Z', [alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z')]),
    });
  });

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    [{ ...record('firing', '2026-11-17T10:00:00Z', []), receiver: '' }, 'receiver: expected a non-empty string'],
    [
      { ...record('firing', '2026-11-17T10:00:00Z', []), status: 'pending' },
      'status: expected "firing" or "resolved", got "pending"',
    ],
    [{ ...record('firing', 'yesterday', []) }, 'at: expected an ISO timestamp, got "yesterday"'],
    [{ ...record('firing', '2026-11-17T10:00:00Z', []), alerts: 'x' }, 'alerts: expected an array'],
    [
      record('firing', '2026-11-17T10:00:00Z', [{ ...alert('', 'x', 'f', '2026-11-17T10:00:00Z') }]),
      'alerts[0].name: expected a non-empty string',
    ],
    [
      record('firing', '2026-11-17T10:00:00Z', [{ ...alert('A', 'x', 'f', 'soon') }]),
      'alerts[0].startsAt: expected an ISO timestamp',
    ],
  ])('rejects %j with "%s"', (input, problem) => {
    expect(parseAlertHistoryRecord(input)).toEqual({ ok: false, problem });
  });
});

describe('parseAuditReport', () => {
  it('keeps valid findings and counts the malformed ones', () => {
    const parsed = parseAuditReport({
      generatedAt: '2026-11-23T05:10:00Z',
      findings: [
        { code: 'GLACIER_BLOCK', severity: 'critical', message: 'block in GLACIER', block: 'x' },
        { code: 1 },
        'nope',
      ],
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        generatedAt: '2026-11-23T05:10:00Z',
        findings: [{ code: 'GLACIER_BLOCK', severity: 'critical', message: 'block in GLACIER' }],
        skippedFindings: 2,
      },
    });
  });

  it('rejects a report without findings', () => {
    expect(parseAuditReport({ summary: {} })).toEqual({ ok: false, problem: 'findings: expected an array' });
  });
});

describe('alertWeekStats', () => {
  const records = [
    // HighMemory fires (notified to two receivers and repeated), resolves after 90 minutes.
    record('firing', '2026-11-17T10:00:00Z', [alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z')]),
    record('firing', '2026-11-17T10:00:01Z', [alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z')], 'email'),
    record('firing', '2026-11-17T14:00:00Z', [alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z')]),
    record('resolved', '2026-11-17T11:30:00Z', [
      alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z', '2026-11-17T11:28:00Z'),
    ]),
    // HighMemory again later in the week (a new occurrence), resolved after 30 minutes.
    record('resolved', '2026-11-19T08:31:00Z', [
      alert('HighMemory', 'warning', 'f1', '2026-11-19T08:00:00Z', '2026-11-19T08:30:00Z'),
    ]),
    // A critical one that is still firing.
    record('firing', '2026-11-20T03:00:00Z', [alert('ThanosCompactHalted', 'critical', 'f2', '2026-11-20T02:59:00Z')]),
    // A firing group that carries an alert already resolved within it (endsAt in the past).
    record('firing', '2026-11-21T12:00:00Z', [
      alert('TargetDown', 'warning', 'f3', '2026-11-21T11:00:00Z', '2026-11-21T11:10:00Z'),
      alert('TargetDown', 'warning', 'f4', '2026-11-21T11:05:00Z'),
    ]),
    // Outside the week: ignored.
    record('firing', '2026-11-15T23:59:59Z', [alert('Old', 'critical', 'f9', '2026-11-15T23:00:00Z')]),
    record('firing', '2026-11-23T07:00:00Z', [alert('Next', 'critical', 'f8', '2026-11-23T06:59:00Z')]),
  ];

  it('deduplicates occurrences by fingerprint and start, counts by severity', () => {
    const stats = alertWeekStats(records, FROM, TO);
    expect(stats.notifications).toBe(7);
    expect(stats.occurrences).toBe(5);
    expect(stats.bySeverity).toEqual({ warning: 4, critical: 1 });
  });

  it('computes time to resolve from startsAt to endsAt of resolved occurrences', () => {
    const stats = alertWeekStats(records, FROM, TO);
    // 90 min, 30 min, 10 min → median 30 min, max 90 min.
    expect(stats.resolved).toBe(3);
    expect(stats.medianResolveMs).toBe(30 * 60_000);
    expect(stats.maxResolveMs).toBe(90 * 60_000);
  });

  it('ranks top alerts by occurrences, then name', () => {
    expect(alertWeekStats(records, FROM, TO).top).toEqual([
      { name: 'HighMemory', severity: 'warning', count: 2, medianResolveMs: 60 * 60_000 },
      { name: 'TargetDown', severity: 'warning', count: 2, medianResolveMs: 10 * 60_000 },
      { name: 'ThanosCompactHalted', severity: 'critical', count: 1 },
    ]);
  });
});

describe('composeWeeklySummary', () => {
  const base = {
    environment: 'prod',
    from: FROM,
    to: TO,
    records: [
      record('resolved', '2026-11-17T11:30:00Z', [
        alert('HighMemory', 'warning', 'f1', '2026-11-17T09:58:00Z', '2026-11-17T11:28:00Z'),
      ]),
      record('firing', '2026-11-20T03:00:00Z', [
        alert('ThanosCompactHalted', 'critical', 'f2', '2026-11-20T02:59:00Z'),
      ]),
    ],
    malformedRecords: 2,
    audit: {
      generatedAt: '2026-11-23T05:10:00Z',
      findings: [
        { code: 'LIFECYCLE_DRIFT', severity: 'warning', message: 'rule differs' },
        { code: 'GLACIER_BLOCK', severity: 'critical', message: 'block\nin GLACIER' },
      ],
    },
    capacityHeadline: 'Capacity: all fine; 200,000 series/replica (40% of 500,000).',
    reportUrl: 'https://eu-west-1.console.aws.amazon.com/s3/object/b?prefix=capacity%2F2026-11-23%2Freport.html',
  };

  it('has a short ASCII subject with the counts', () => {
    const { subject } = composeWeeklySummary(base);
    expect(subject).toBe('[greenlang-prod] Weekly summary 2026-11-16 to 2026-11-23: 2 alerts, 1 critical');
    expect(subject.length).toBeLessThanOrEqual(100);
  });

  it('writes every section into the body, critical findings first, one line each', () => {
    const { body } = composeWeeklySummary(base);
    expect(body).toContain('  2 alerts fired (2 notifications).');
    expect(body).toContain('  By severity: critical 1, warning 1');
    expect(body).toContain(
      '  Time to resolve: median 1h 30m, longest 1h 30m (1 resolved, 1 still open or unresolved in the week)',
    );
    expect(body).toContain('    1. HighMemory (warning) x1, median resolve 1h 30m');
    expect(body).toContain('  Note: 2 alert-history records were malformed and skipped.');
    expect(body).toMatch(
      /Latest audit \(2026-11-23T05:10:00Z\): 2 findings\.\n {2}- \[critical\] GLACIER_BLOCK: block in GLACIER\n {2}- \[warning\] LIFECYCLE_DRIFT/,
    );
    expect(body).toContain(`CAPACITY\n  ${base.capacityHeadline}\n  Full report: ${base.reportUrl}`);
  });

  it('lists at most maxFindings audit findings and says how many more', () => {
    const findings = Array.from({ length: 15 }, (_, i) => ({ code: `C${i}`, severity: 'info', message: 'm' }));
    const { body } = composeWeeklySummary({ ...base, audit: { findings }, maxFindings: 10 });
    expect(body.match(/^ {2}- \[info\]/gm)).toHaveLength(10);
    expect(body).toContain('... and 5 more');
  });

  it('counts every finding from the report totals, not only the ones it lists, and names skipped checks', () => {
    // The audit lists at most 200 per code; counts.bySeverity has them all.
    const listed = Array.from({ length: 200 }, (_, i) => ({
      code: 'UNCOMPACTED',
      severity: 'warning',
      message: `b${i}`,
    }));
    const report = {
      generatedAt: '2026-11-23T05:10:00Z',
      findings: listed,
      counts: { bySeverity: { critical: 0, warning: 950, info: 0 } },
      skippedChecks: [{ check: 'lifecycle', reason: 'AccessDenied: s3:GetLifecycleConfiguration' }],
    };
    const parsed = parseAuditReport(report);
    if (!parsed.ok) throw new Error(parsed.problem);
    const { body } = composeWeeklySummary({ ...base, audit: parsed.value, maxFindings: 10 });
    expect(body).toContain('Latest audit (2026-11-23T05:10:00Z): 950 findings (950 warning).');
    expect(body).toContain('  ... and 940 more (200 listed in audit/latest.json, the rest counted there).');
    expect(body).toContain('  Not checked: lifecycle (AccessDenied: s3:GetLifecycleConfiguration)');
  });

  it('names an audit older than two days as stale', () => {
    const { body } = composeWeeklySummary({
      ...base,
      audit: { ...base.audit, generatedAt: '2026-11-19T05:10:00Z' } as typeof base.audit,
    });
    expect(body).toMatch(/Latest audit \(2026-11-19T05:10:00Z\): 2 findings\. STALE: the audit has not run for /);
    expect(composeWeeklySummary(base).body).not.toContain('STALE');
  });

  it('says when the audit report is missing', () => {
    const { body } = composeWeeklySummary({ ...base, audit: { missing: 'audit/latest.json does not exist yet' } });
    expect(body).toContain('No audit report: audit/latest.json does not exist yet');
  });

  it('a quiet week says so', () => {
    const { subject, body } = composeWeeklySummary({ ...base, records: [], malformedRecords: 0 });
    expect(subject).toBe('[greenlang-prod] Weekly summary 2026-11-16 to 2026-11-23: 0 alerts');
    expect(body).toContain('0 alerts fired (0 notifications).');
    expect(body).not.toContain('Time to resolve');
  });
});

describe('SNS limits', () => {
  it('subject: printable ASCII, no newlines, at most 100 characters', () => {
    const s = snsSubject(`Wöchentlich — ${'x'.repeat(200)}\nnext`);
    expect(s).toMatch(/^[\x20-\x7e]+$/);
    expect(s.length).toBe(100);
    expect(s.endsWith('...')).toBe(true);
    expect(snsSubject('Größe – ok')).toBe('Groe - ok');
  });

  it('body: at most 256 KB, cut on a character boundary with a note', () => {
    const text = 'é'.repeat(200_000); // 400,000 bytes
    const cut = fitBytes(text);
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(cut).toMatch(/é\n\n\[truncated: the summary exceeded the 256 KB email limit\]\n$/);
    expect(fitBytes('short')).toBe('short');
  });

  it('a huge week still fits', () => {
    const records = Array.from({ length: 5000 }, (_, i) =>
      record('firing', '2026-11-18T00:00:00Z', [
        alert(`Alert${i}`.padEnd(80, 'x'), 'warning', `f${i}`, '2026-11-18T00:00:00Z'),
      ]),
    );
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      code: `C${i}`,
      severity: 'info',
      message: 'm'.repeat(500),
    }));
    const { body } = composeWeeklySummary({
      environment: 'prod',
      from: FROM,
      to: TO,
      records,
      malformedRecords: 0,
      audit: { findings },
      capacityHeadline: 'h',
      reportUrl: 'u',
      maxFindings: 5000,
    });
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  });
});

describe('formatDuration', () => {
  it.each([
    [30_000, '30s'],
    [90 * 60_000, '1h 30m'],
    [3 * 86_400_000 + 60_000, '3d 1m'],
    [60 * 60_000, '1h'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
