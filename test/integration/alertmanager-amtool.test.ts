import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { alertmanagerConfig } from '../../lib/alerting/alertmanager-config';
import { loadEnvironmentConfig } from '../../lib/config';
import { type RunningComponent, startAlertmanager } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../../lib/naming';
import { renderPlan } from '../../lib/render/plan';
import { toYaml, writeRenderedFiles } from '../../lib/render/write';
import { assertWebhookSettled, webhookNotificationStats } from '../support/alertmanager-metrics';
import { eventually } from '../support/eventually';

/**
 * The rendered Alertmanager configuration against the real amtool (check-config, routes test) and a real
 * Alertmanager (inhibition, delivery to the fan-out webhook with the bearer token from the secret file).
 */

const { amtool } = requireBinaries(['amtool', 'alertmanager']);
const ENVS = ['dev', 'staging', 'prod'] as const;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-alertmanager-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function renderedConfig(env: string): string {
  const outDir = path.join(tmp, env);
  if (!fs.existsSync(outDir)) writeRenderedFiles(renderPlan(loadEnvironmentConfig(env)), outDir);
  return path.join(outDir, 'alertmanager', 'alertmanager.yaml');
}

function routeOf(configFile: string, labels: Record<string, string>): string {
  const args = [
    'config',
    'routes',
    'test',
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ];
  const result = spawnSync(amtool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`amtool ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

const base = { alertname: 'ThanosSidecarNoUpload', cluster: 'greenlang-x', service: 'thanos' };

describe.each(ENVS)('alertmanager.yaml of %s', (env) => {
  it('passes amtool check-config', () => {
    const result = spawnSync(amtool, ['check-config', renderedConfig(env)], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
    expect(result.stdout).toContain('1 inhibit rules');
  });

  it('routes critical, warning and info to the receivers of the environment', () => {
    const file = renderedConfig(env);
    const critical = env === 'prod' ? 'pagerduty-critical' : 'slack-critical';
    expect({
      critical: routeOf(file, { ...base, severity: 'critical' }),
      warning: routeOf(file, { ...base, severity: 'warning' }),
      info: routeOf(file, { ...base, severity: 'info' }),
      unlabelled: routeOf(file, base),
    }).toEqual({ critical, warning: 'slack-warnings', info: 'slack-default', unlabelled: 'slack-default' });
  });
});

describe('a real Alertmanager with the prod configuration', () => {
  const token = 'test-token-0123456789';
  const received: {
    authorization: string | undefined;
    body: { receiver: string; alerts: { labels: Record<string, string> }[] };
  }[] = [];
  let server: http.Server;
  let alertmanager: RunningComponent | undefined;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ authorization: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const tokenFile = path.join(tmp, 'token');
    fs.writeFileSync(tokenFile, `${token}\n`);
    const config = alertmanagerConfig(loadEnvironmentConfig('prod'), {
      alertWebhookUrl: `http://127.0.0.1:${port}/alerts`,
    }) as { route: Record<string, unknown> };
    // Only for the test: the token file lives in a temp folder, and groups flush after 1s instead of 30s.
    const text = toYaml([{ ...config, route: { ...config.route, group_wait: '1s' } }]).replaceAll(
      ALERT_WEBHOOK_TOKEN_FILE,
      tokenFile,
    );
    const configFile = path.join(tmp, 'alertmanager-test.yaml');
    fs.writeFileSync(configFile, text);
    alertmanager = await startAlertmanager({ configFile });
  }, 60_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('inhibits the warning that matches a critical, delivers the rest with the bearer token', async () => {
    const url = alertmanager?.url ?? '';
    const alerts = [
      { labels: { ...base, severity: 'critical' } },
      { labels: { ...base, severity: 'warning' } },
      { labels: { ...base, service: 'prometheus', alertname: 'PrometheusConfigReloadFailed', severity: 'warning' } },
    ];
    const before = await webhookNotificationStats(url);
    const post = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(post.status).toBe(200);

    const listed = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const state = (severity: string, service: string) =>
      listed.find((a) => a.labels.severity === severity && a.labels.service === service)?.status;
    expect(state('critical', 'thanos')).toEqual(expect.objectContaining({ state: 'active', inhibitedBy: [] }));
    expect(state('warning', 'thanos')?.state).toBe('suppressed');
    expect(state('warning', 'thanos')?.inhibitedBy).toHaveLength(1);
    expect(state('warning', 'prometheus')).toEqual(expect.objectContaining({ state: 'active', inhibitedBy: [] }));

    // Delivery: group_wait 1s for every group, so the inhibited warning's group flushes with the others. Wait until
    // both deliveries arrived and Alertmanager has answered every notification it started: exactly two started
    // means the inhibited warning's flush sent nothing.
    await eventually(() => expect(received.length).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000, intervalMs: 100 });
    const settled = await eventually(() => assertWebhookSettled(url, before, 2), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(settled.started - before.started).toBe(2);
    const deliveries = received.map((r) => ({
      authorization: r.authorization,
      receiver: r.body.receiver,
      alerts: r.body.alerts.map((a) => `${a.labels.alertname}/${a.labels.severity}`),
    }));
    expect(deliveries.sort((a, b) => a.receiver.localeCompare(b.receiver))).toEqual([
      { authorization: `Bearer ${token}`, receiver: 'pagerduty-critical', alerts: ['ThanosSidecarNoUpload/critical'] },
      {
        authorization: `Bearer ${token}`,
        receiver: 'slack-warnings',
        alerts: ['PrometheusConfigReloadFailed/warning'],
      },
    ]);
  }, 60_000);
});
