/**
 * `npm run local -- alerts` as a user runs it: a separate process configured by environment variables, with the
 * Slack and PagerDuty stand-ins and a small SNS endpoint (AWS_ENDPOINT_URL_SNS) as sinks, --history-dir,
 * --dead-letter-dir, and the bearer token from a file (not on the command line, where `ps` shows it).
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
import { eventually } from '../support/eventually';

jest.setTimeout(60_000);

describe('npm run local -- alerts', () => {
  let slack: SaasStandIn;
  let pagerduty: SaasStandIn;
  let sns: SnsStandIn;
  let child: ChildProcess;
  let historyDir: string;
  let work: string;
  let url: string;
  const token = 'local-token-from-a-file-0123456789';
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    slack = await startSlackStandIn();
    pagerduty = await startPagerDutyStandIn();
    sns = await startSnsStandIn();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-alert-local-'));
    historyDir = path.join(work, 'history');
    const tokenFile = path.join(work, 'token');
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
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
        '--token-file',
        tokenFile,
        '--history-dir',
        historyDir,
        '--dead-letter-dir',
        path.join(work, 'dead'),
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
    await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`local alerts exited:\n${stderr}`);
        if (!stdout.includes('"url"')) throw new Error(`local alerts not started yet:\n${stderr}`);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
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
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints its URL and targets as the one JSON result on stdout', () => {
    expect(JSON.parse(stdout.trim())).toEqual({ url, targets: ['slack', 'pagerduty', 'email'] });
  });

  it('delivers a critical notification to Slack, PagerDuty and SNS email, and writes the history file', async () => {
    const n = notification(2, { receiver: 'pagerduty-critical' });
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
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

  it('refuses a request a web page sends (Origin), even with the token, and delivers nothing', async () => {
    const before = slack.requests.length;
    const body = JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'from-a-page' }));
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
      body,
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toMatch(/^refused: a request from a web page/);
    expect(slack.requests.length).toBe(before);
  });

  it('answers 401 without the token and 503 while Slack keeps failing (so Alertmanager retries)', async () => {
    const body = JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'other' }));
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    slack.failNext(...Array.from({ length: 6 }, () => ({ status: 500 })));
    const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: string }).error).toContain(
      'slack message 1/1: gave up after 6 attempts: HTTP 500',
    );
    expect(stderr).not.toContain(slack.url);
  });

  it('dead-letters a permanent Slack 400 (one call, answer redacted, 202 so Alertmanager does not resend)', async () => {
    const secretPath = new URL(slack.url).pathname;
    const before = slack.requests.length;
    slack.failNext({ status: 400, body: `invalid_token: ${'y'.repeat(195)}${secretPath}` });
    const n = notification(1, { receiver: 'slack-warnings', groupKey: 'revoked' });
    const r = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(n),
    });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { deadLettered: { target: string; answer: string }[]; delivered: string[] };
    expect(body.delivered).toEqual([]);
    expect(body.deadLettered.map((d) => d.target)).toEqual(['slack']);
    expect(slack.requests.length - before).toBe(1);
    const dead = path.join(work, 'dead', 'dead-letters');
    const files = fs
      .readdirSync(dead, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('-slack.json'));
    expect(files).toHaveLength(1);
    const letter = fs.readFileSync(path.join(dead, files[0] ?? ''), 'utf8');
    expect(JSON.parse(letter)).toMatchObject({ target: 'slack', attempts: 1, notification: { groupKey: 'revoked' } });
    expect(JSON.parse(letter).answer).toMatch(/^HTTP 400 invalid_token: y+/);
    for (const part of secretPath.split('/').slice(2)) {
      expect(letter).not.toContain(part);
      expect(stderr).not.toContain(part);
      expect(JSON.stringify(body)).not.toContain(part);
    }
  });

  it('takes the token from the file: no process of the service has it on its command line (what ps shows)', () => {
    // Every process of the service's group (npm, tsx, node), from /proc: field 5 of /proc/<pid>/stat is the group.
    const group = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[2] === String(child.pid);
        } catch {
          return false;
        }
      })
      .map((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '));
    expect(group.some((cmd) => cmd.includes('--token-file'))).toBe(true);
    for (const cmd of group) expect(cmd).not.toContain(token);
  });
});
