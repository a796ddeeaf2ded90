import type { AlertmanagerAlert, AlertNotification } from '../../lambdas/domain/alerts/model';

/** A firing alert as Alertmanager sends it; `overrides` change any field. */
export function alert(i: number, overrides: Partial<AlertmanagerAlert> = {}): AlertmanagerAlert {
  return {
    status: 'firing',
    labels: { alertname: 'HighCPU', severity: 'critical', cluster: 'greenlang-prod', instance: `node-${i}` },
    annotations: { summary: `CPU above 90% on node-${i}`, runbook_url: 'https://runbooks.example.com/high-cpu' },
    startsAt: '2026-11-24T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=cpu',
    fingerprint: `fp${i.toString(16).padStart(14, '0')}`,
    ...overrides,
  };
}

/** A notification of `count` alerts for `receiver` (default pagerduty-critical). */
export function notification(
  count: number,
  overrides: Partial<AlertNotification> = {},
  alertOverrides: (i: number) => Partial<AlertmanagerAlert> = () => ({}),
): AlertNotification {
  return {
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="HighCPU", cluster="greenlang-prod"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'pagerduty-critical',
    groupLabels: { alertname: 'HighCPU', cluster: 'greenlang-prod' },
    commonLabels: { alertname: 'HighCPU', severity: 'critical', cluster: 'greenlang-prod' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: Array.from({ length: count }, (_, i) => alert(i, alertOverrides(i))),
    ...overrides,
  };
}

/** A notification whose alerts are huge: long descriptions and many labels. */
export function oversizedNotification(count: number): AlertNotification {
  return notification(count, {}, (i) => ({
    annotations: {
      summary: `Summary ${i} ${'s'.repeat(2000)}`,
      description: `Description <!channel> & ${'d'.repeat(6000)}`,
    },
    labels: {
      alertname: 'HighCPU',
      severity: 'critical',
      instance: `node-${i}`,
      ...Object.fromEntries(Array.from({ length: 30 }, (_, j) => [`label_${j}`, `value-${j}-${'v'.repeat(50)}`])),
    },
  }));
}

/** A fake clock: sleeps return at once and advance `now`; every wait is recorded. */
export function fakeClock(start = Date.parse('2026-11-24T02:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A logger that keeps every line (message + extra, serialized) to check what would reach CloudWatch. */
export function captureLogger() {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      lines.push(`${level} ${message} ${JSON.stringify(extra)}`);
    };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}
