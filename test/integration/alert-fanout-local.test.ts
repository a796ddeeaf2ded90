/**
 * `npm run local -- alerts` as a user runs it: a separate process configured by environment variables, with the
 * Slack and PagerDuty stand-ins and a small SNS endpoint (AWS_ENDPOINT_URL_SNS) as sinks, and --history-dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../lib/devstack/processes';
import { type SaasStandIn, startPagerDutyStandIn, startSlackStandIn } from '../../lib/devstack/saas-standins';
import { type SnsStandIn, startSnsStandIn } from '../../lib/devstack/sns-standin';
import { PROJECT_ROOT } from '../../lib/paths';
import { notification } from '../support/alerts';

jest.setTimeout(60_000);

describe('npm run local -- alerts', () => {
  let slack: SaasStandIn;
  let pagerduty: SaasStandIn;
  let sns: SnsStandIn;
  let child: ChildProcess;
  let historyDir: string;
  let url: string;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    slack = await startSlackStandIn();
    pagerduty = await startPagerDutyStandIn();
    sns = await startSnsStandIn();
    historyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-alert-history-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}/alerts`;
    child = spawn(
      'npm',
      [
        'run',
        '--silent',
        'local',
        '--',
        'alerts',
        '--port',
        String(port),
        '--token',
        'local-token',
        '--history-dir',
        historyDir,
      ],
      {
        cwd: PROJECT_ROOT,
        detached: true,
        env: {
          ...process.env,
          SLACK_WEBHOOK_URL: slack.url,
          PAGERDUTY_EVENTS_URL: pagerduty.url,
          PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF',
          ALERT_EMAIL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:greenlang-dev-critical-alerts',
          AWS_ENDPOINT_URL_SNS: sns.url,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      },
    );
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('"url"')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`local alerts did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    await slack?.stop();
    await pagerduty?.stop();
    await sns?.stop();
    if (historyDir) fs.rmSync(historyDir, { recursive: true, force: true });
  });

  it('prints its URL and targets as the one JSON result on stdout', () => {
    expect(JSON.parse(stdout.trim())).toEqual({ url, targets: ['slack', 'pagerduty', 'email'] });
  });

  it('delivers a critical notification to Slack, PagerDuty and SNS email, and writes the history file', async () => {
    const n = notification(2, { receiver: 'pagerduty-critical' });
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer local-token' },
      body: JSON.stringify(n),
    });
    expect(r.status).toBe(202);
    expect(((await r.json()) as { delivered: string[] }).delivered.sort()).toEqual(['email', 'pagerduty', 'slack']);
    expect(slack.accepted()).toHaveLength(1);
    expect(pagerduty.accepted().map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger']);
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]?.subject).toBe('[ALERT] [FIRING:2] HighCPU greenlang-prod');
    expect(sns.published[0]?.topicArn).toBe('arn:aws:sns:eu-west-1:111111111111:greenlang-dev-critical-alerts');
    const files = fs.readdirSync(path.join(historyDir, 'alert-history'), { recursive: true }).map(String);
    const json = files.filter((f) => f.endsWith('.json'));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatch(/^\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{64}\.json$/);
    const record = JSON.parse(fs.readFileSync(path.join(historyDir, 'alert-history', json[0] ?? ''), 'utf8'));
    expect(record).toMatchObject({
      receiver: 'pagerduty-critical',
      status: 'firing',
      deliveredTo: ['pagerduty', 'slack', 'email'],
    });
  });

  it('answers 401 without the token and 503 while Slack keeps failing (so Alertmanager retries)', async () => {
    const body = JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'other' }));
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    slack.failNext(...Array.from({ length: 6 }, () => ({ status: 500 })));
    const r = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer local-token' }, body });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: string }).error).toContain(
      'slack message 1/1: gave up after 6 attempts: HTTP 500',
    );
    expect(stderr).not.toContain(slack.url);
  });
});
