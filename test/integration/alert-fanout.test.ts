/**
 * Real Alertmanagers (Debian package) with the seed's routes send real notifications to the local fan-out, which
 * delivers to the Slack and PagerDuty stand-ins. Two independent Alertmanagers with the same config play the HA
 * pair: both send every notification, and each must arrive once. Tests wait until both Alertmanagers say every
 * notification they started was answered (their own metrics), never for a fixed time.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AlertFanoutServer, startAlertFanoutServer } from '../../lambdas/local/services/alerts';
import { type RunningComponent, startAlertmanager } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import {
  type RecordedRequest,
  type SaasStandIn,
  startPagerDutyStandIn,
  startSlackStandIn,
} from '../../lib/devstack/saas-standins';
import {
  assertWebhookSettled,
  type WebhookNotificationStats,
  webhookNotificationStats,
} from '../support/alertmanager-metrics';
import { captureLogger } from '../support/alerts';
import { eventually } from '../support/eventually';

jest.setTimeout(60_000);

const TOKEN = 'integration-token-0123456789';
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

/** The seed's route (group_by, severity routes), with test-sized timers; every receiver is a webhook to the fan-out. */
function alertmanagerConfig(fanoutUrl: string): string {
  const receiver = (name: string) => `  - name: ${name}
    webhook_configs:
      - url: ${fanoutUrl}
        send_resolved: true
        http_config:
          authorization:
            credentials: ${TOKEN}
`;
  return `route:
  receiver: slack-default
  group_by: ['alertname', 'cluster', 'service']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: pagerduty-critical
    - matchers: ['severity="warning"']
      receiver: slack-warnings
receivers:
${receiver('pagerduty-critical')}${receiver('slack-warnings')}${receiver('slack-default')}`;
}

interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

async function postAlerts(am: RunningComponent, alerts: PostedAlert[]): Promise<void> {
  const r = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (r.status !== 200) throw new Error(`Alertmanager refused alerts: ${r.status} ${await r.text()}`);
}

function sectionsOf(r: RecordedRequest): string[] {
  const blocks = (r.json as { blocks: { type: string; text?: { text: string } }[] }).blocks;
  return blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
}
function headerOf(r: RecordedRequest): string {
  return (r.json as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text ?? '';
}
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

describe('alert fan-out with real Alertmanagers', () => {
  let slack: SaasStandIn;
  let pagerduty: SaasStandIn;
  let fanout: AlertFanoutServer;
  const logger = captureLogger();
  const alertmanagers: RunningComponent[] = [];
  let work: string;
  /** Each Alertmanager's webhook counters now, to compare against later. */
  const baselines = () => Promise.all(alertmanagers.map((am) => webhookNotificationStats(am.url)));
  /** Waits until each Alertmanager has started `atLeast` more notifications and has none in flight. */
  const settled = (base: WebhookNotificationStats[], atLeast: number, only = alertmanagers) =>
    eventually(
      () =>
        Promise.all(
          only.map((am) =>
            assertWebhookSettled(am.url, base[alertmanagers.indexOf(am)] as WebhookNotificationStats, atLeast),
          ),
        ),
      WAIT,
    );
  const startsAt = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    requireBinaries(['alertmanager']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-alert-fanout-'));
    slack = await startSlackStandIn();
    pagerduty = await startPagerDutyStandIn();
    fanout = await startAlertFanoutServer({
      token: TOKEN,
      slackWebhookUrl: slack.url,
      pagerDutyEventsUrl: pagerduty.url,
      pagerDutyRoutingKey: ROUTING_KEY,
      historyDir: path.join(work, 'history'),
      retryPolicy: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 500, deadlineMs: 10_000 },
      logger,
    });
    const configFile = path.join(work, 'alertmanager.yml');
    fs.writeFileSync(configFile, alertmanagerConfig(fanout.url));
    for (let i = 0; i < 2; i++) alertmanagers.push(await startAlertmanager({ configFile }));
  });

  afterAll(async () => {
    for (const am of alertmanagers) await am.stop();
    await fanout?.stop();
    await slack?.stop();
    await pagerduty?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const critical: PostedAlert = {
    labels: { alertname: 'ThanosCompactHalted', severity: 'critical', cluster: 'greenlang-dev', service: 'thanos' },
    annotations: {
      summary: 'Compactor halted <!channel>',
      runbook_url: 'https://runbooks.example.com/thanos-compact-halted',
    },
    startsAt,
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=thanos_compact_halted',
  };

  it('pages PagerDuty and posts to Slack once for a critical alert sent by both replicas, then resolves both', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const base = await baselines();
    for (const am of alertmanagers) await postAlerts(am, [{ ...critical, endsAt }]);

    // Both replicas' notifications answered: any duplicate would have reached the stand-ins by now.
    await settled(base, 1);
    const triggers = pagerduty
      .accepted()
      .map((r) => r.json as { event_action: string; dedup_key: string; routing_key: string });
    expect(triggers.map((t) => t.event_action)).toEqual(['trigger']);
    expect(triggers[0]?.routing_key).toBe(ROUTING_KEY);
    const slackCritical = slack.accepted().filter((r) => headerOf(r).includes('ThanosCompactHalted'));
    expect(slackCritical).toHaveLength(1);
    const text = sectionsOf(slackCritical[0] as RecordedRequest).join('\n');
    expect(text).toContain('Compactor halted &lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(headerOf(slackCritical[0] as RecordedRequest)).toBe(
      '🔥 [FIRING:1] ThanosCompactHalted greenlang-dev thanos',
    );

    // Resolve: endsAt in the past.
    const resolvedAt = new Date().toISOString();
    for (const am of alertmanagers) await postAlerts(am, [{ ...critical, endsAt: resolvedAt }]);
    await settled(base, 2);
    const events = pagerduty.accepted().map((r) => r.json as { event_action: string; dedup_key: string });
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events[1]?.dedup_key).toBe(events[0]?.dedup_key);
    expect(
      slack.accepted().filter((r) => headerOf(r) === '✅ [RESOLVED] ThanosCompactHalted greenlang-dev thanos'),
    ).toHaveLength(1);

    // Both notifications are in the alert history, in the bucket's layout.
    const historyDir = path.join(work, 'history', 'alert-history');
    const files = fs
      .readdirSync(historyDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'));
    const records = files.map((f) => JSON.parse(fs.readFileSync(path.join(historyDir, f), 'utf8')));
    const compactor = records.filter((r) => r.alerts[0].name === 'ThanosCompactHalted');
    expect(compactor.map((r) => r.status).sort()).toEqual(['firing', 'resolved']);
    expect(compactor.every((r) => r.receiver === 'pagerduty-critical')).toBe(true);
    expect(compactor.find((r) => r.status === 'firing').deliveredTo.sort()).toEqual(['pagerduty', 'slack']);
  });

  it('delivers a 150-alert warning group to Slack only, every alert once, in as few messages as the limits allow', async () => {
    const before = slack.requests.length;
    const pagesBefore = pagerduty.requests.length;
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const base = await baselines();
    const alerts: PostedAlert[] = Array.from({ length: 150 }, (_, i) => ({
      labels: { alertname: 'PushgatewayStale', severity: 'warning', cluster: 'greenlang-dev', job: `batch-${i}` },
      annotations: { summary: `Job batch-${i} has not pushed for 2h`, description: 'd'.repeat(600) },
      startsAt,
      endsAt,
    }));
    for (const am of alertmanagers) await postAlerts(am, alerts);
    // Alertmanager may flush a partly filled group first (alerts reach its dispatcher one by one); those are
    // different notifications and go out too. The complete one holds all 150 alerts, sent by both replicas.
    const contextOf = (r: RecordedRequest) => JSON.stringify((r.json as { blocks: unknown[] }).blocks[1]);
    const complete = (rs: readonly RecordedRequest[]) =>
      rs.slice(before).filter((r) => headerOf(r).includes('PushgatewayStale') && contextOf(r).includes(' of 150'));
    await slack.waitFor((rs) => complete(rs).some((r) => contextOf(r).includes('message 3 of 3')));
    await settled(base, 1);
    const messages = complete(slack.requests);
    // ~700 chars per alert: 4 alerts per 3000-char section, under 40,000 chars per message → 3 messages, once.
    expect(messages.length).toBe(3);
    const allSections = messages.flatMap(sectionsOf).join('\n');
    for (let i = 0; i < 150; i++) expect(allSections.match(new RegExp(`job=batch-${i}\\b`, 'g'))).toHaveLength(1);
    const contexts = messages.map(contextOf);
    expect(contexts[0]).toMatch(/alerts 1–\d+ of 150 · message 1 of 3/);
    expect(contexts[1]).toMatch(/alerts \d+–\d+ of 150 · message 2 of 3/);
    expect(contexts[2]).toMatch(/alerts \d+–150 of 150 · message 3 of 3/);
    expect(slack.requests.slice(before).every((r) => r.status === 200)).toBe(true);
    expect(pagerduty.requests.length).toBe(pagesBefore);
  });

  it('retries through a Slack 429 (Retry-After) and a 503 without losing or duplicating the message', async () => {
    const before = slack.accepted().length;
    const base = await baselines();
    slack.failNext({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }, { status: 503 });
    const info: PostedAlert = {
      labels: { alertname: 'InfoOnly', severity: 'info', cluster: 'greenlang-dev' },
      startsAt,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await postAlerts(alertmanagers[0] as RunningComponent, [info]);
    await settled(base, 1, [alertmanagers[0] as RunningComponent]);
    const infos = slack.requests.filter((r) => headerOf(r).includes('InfoOnly'));
    expect(infos.map((r) => r.status)).toEqual([429, 503, 200]);
    const gap = (infos[1]?.at ?? 0) - (infos[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(slack.accepted().length).toBe(before + 1);
  });

  it('dead-letters a permanent Slack 400 after exactly ONE Slack call; both replicas get 2xx and do not resend', async () => {
    const base = await baselines();
    const slackPath = new URL(slack.url).pathname;
    const token = slackPath.split('/').at(-1) as string;
    // A vendor answer that echoes the credential (the webhook path) past the 200-character cut.
    slack.failNext({ status: 400, body: `invalid_token ${'x'.repeat(180)} for ${slackPath}; token ${token}` });
    const revoked: PostedAlert = {
      labels: { alertname: 'SlackRevoked', severity: 'warning', cluster: 'greenlang-dev', service: 'slack' },
      startsAt,
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    for (const am of alertmanagers) await postAlerts(am, [revoked]);
    const after = await settled(base, 1);

    const calls = slack.requests.filter((r) => headerOf(r).includes('SlackRevoked'));
    expect(calls.map((r) => r.status)).toEqual([400]);
    expect(fanout.deadLetters).toHaveLength(1);
    const letter = fanout.deadLetters[0];
    expect(letter).toMatchObject({ target: 'slack', receiver: 'slack-warnings', attempts: 1, status: 'firing' });
    expect(letter?.answer).toMatch(/^HTTP 400 invalid_token x+/);
    expect(letter?.notification.alerts.map((a) => a.labels.alertname)).toEqual(['SlackRevoked']);
    const text = [JSON.stringify(letter), ...logger.lines].join('\n');
    expect(logger.lines.join('\n')).toContain('dead-lettered, not retried');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(0, 8));
    // Alertmanager saw success (2xx): nothing failed, so it logs the notification as sent and does not resend it.
    expect(after.map((stats) => stats.failed)).toEqual(base.map((stats) => stats.failed));
  });

  it('refuses a webhook call without the bearer token (401) and a malformed one (400)', async () => {
    const unauthenticated = await fetch(fanout.url, { method: 'POST', body: '{}' });
    expect(unauthenticated.status).toBe(401);
    const malformed = await fetch(fanout.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ version: '4', alerts: [] }),
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toContain('alerts: must hold at least one alert');
  });
});
