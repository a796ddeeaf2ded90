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
    const { from, to } = summaryWeek(new Date('2027-01-04T07:00:00Z'), 'Europe/Berlin');
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

  it('a week is seven calendar days in the schedule time zone: 167 h in spring, 169 h in autumn, tiling exactly', () => {
    // Monday 08:00 Europe/Berlin: CET is UTC+1, CEST UTC+2; the clocks change on 2026-03-29 and 2026-10-25.
    const mondays = ['2026-03-23T07:00:00Z', '2026-03-30T06:00:00Z', '2026-10-19T06:00:00Z', '2026-10-26T07:00:00Z'];
    const spring = summaryWeek(new Date(mondays[1] as string), 'Europe/Berlin');
    expect(spring.from.toISOString()).toBe('2026-03-23T07:00:00.000Z');
    expect((spring.to.getTime() - spring.from.getTime()) / 3_600_000).toBe(167);
    const autumn = summaryWeek(new Date(mondays[3] as string), 'Europe/Berlin');
    expect(autumn.from.toISOString()).toBe('2026-10-19T06:00:00.000Z');
    expect((autumn.to.getTime() - autumn.from.getTime()) / 3_600_000).toBe(169);
    // Other zones: UTC is 7 x 24 h; New York changes on other days; Lord Howe by half an hour.
    expect(summaryWeek(new Date('2026-03-30T06:00:00Z'), 'UTC').from.toISOString()).toBe('2026-03-23T06:00:00.000Z');
    expect(summaryWeek(new Date('2026-03-09T12:00:00Z'), 'America/New_York').from.toISOString()).toBe(
      '2026-03-02T13:00:00.000Z',
    );
    expect(summaryWeek(new Date('2026-04-06T00:00:00Z'), 'Australia/Lord_Howe').from.toISOString()).toBe(
      '2026-03-29T23:30:00.000Z',
    );
  });

  it('consecutive weekly runs cover every instant of a year once, in any zone', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC']) {
      // The Scheduler's own times: Monday 08:00 local, found by walking the year's hours.
      const runs: number[] = [];
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      });
      for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 1_800_000) {
        const parts = local.format(new Date(t));
        if (parts === 'Mon 08:00') runs.push(t);
      }
      expect(runs.length).toBeGreaterThanOrEqual(52);
      for (let i = 1; i < runs.length; i++) {
        expect([zone, summaryWeek(new Date(runs[i] as number), zone).from.getTime()]).toEqual([zone, runs[i - 1]]);
      }
    }
  });
});
