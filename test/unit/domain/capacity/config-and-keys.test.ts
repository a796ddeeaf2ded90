import { parseCapacityConfig } from '../../../../lambdas/domain/capacity/capacity-config';
import {
  alertHistoryPrefixes,
  capacityReportKeys,
  summaryKey,
  summaryWeek,
} from '../../../../lambdas/domain/capacity/report-keys';
import { SEED_RETENTION_POLICY } from '../../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../../lambdas/domain/sizing';

describe('parseCapacityConfig', () => {
  const valid = { environment: 'prod', sizing: SEED_SIZING, retention: SEED_RETENTION_POLICY };

  it('round-trips the config the CDK app passes', () => {
    expect(parseCapacityConfig(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    ['{', /^CAPACITY_CONFIG: not JSON: /],
    ['null', /^CAPACITY_CONFIG: expected an object$/],
    [JSON.stringify({ ...valid, environment: '' }), /^CAPACITY_CONFIG.environment: expected a name$/],
    [JSON.stringify({ ...valid, sizing: {} }), /^CAPACITY_CONFIG.sizing: expected the stack sizing/],
    [
      JSON.stringify({ ...valid, retention: { tiers: 'x' } }),
      /^CAPACITY_CONFIG.retention: expected the retention policy/,
    ],
    [
      JSON.stringify({
        ...valid,
        sizing: {
          ...SEED_SIZING,
          components: { ...SEED_SIZING.components, prometheus: { ...SEED_SIZING.components.prometheus, replicas: 1 } },
        },
      }),
      /^CAPACITY_CONFIG: sizing.components.prometheus.replicas: HA needs at least 2 replicas, got 1$/,
    ],
  ])('rejects %s', (text, message) => {
    expect(() => parseCapacityConfig(text)).toThrow(message);
  });
});

describe('report keys', () => {
  it('capacity reports: dated folder and latest, per format', () => {
    const now = new Date('2026-11-23T05:00:00Z');
    expect(capacityReportKeys(now, 'html')).toEqual({
      dated: 'capacity/2026-11-23/report.html',
      latest: 'capacity/latest.html',
    });
    expect(capacityReportKeys(now, 'markdown')).toEqual({
      dated: 'capacity/2026-11-23/report.md',
      latest: 'capacity/latest.md',
    });
    expect(capacityReportKeys(now, 'json')).toEqual({
      dated: 'capacity/2026-11-23/report.json',
      latest: 'capacity/latest.json',
    });
  });

  it('the week before now, and every day partition it touches (across a month and year end)', () => {
    const { from, to } = summaryWeek(new Date('2027-01-04T07:00:00Z'));
    expect(from.toISOString()).toBe('2026-12-28T07:00:00.000Z');
    expect(alertHistoryPrefixes(from, to)).toEqual([
      'alert-history/2026/12/28/',
      'alert-history/2026/12/29/',
      'alert-history/2026/12/30/',
      'alert-history/2026/12/31/',
      'alert-history/2027/01/01/',
      'alert-history/2027/01/02/',
      'alert-history/2027/01/03/',
      'alert-history/2027/01/04/',
    ]);
    expect(summaryKey(to)).toBe('summary/2027/01/04/summary.json');
  });
});
