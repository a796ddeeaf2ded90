import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { alertmanagerConfig, ROUTE_GROUP_BY } from '../../lib/alerting/alertmanager-config';
import { loadEnvironmentConfig } from '../../lib/config';
import { type RunningComponent, startAlertmanager } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../../lib/naming';
import { renderPlan } from '../../lib/render/plan';
import { toYaml, writeRenderedFiles } from '../../lib/render/write';
import { INHIBITION_CLUSTER_LABEL, INHIBITIONS } from '../../lib/rules/inhibitions';
import { assertWebhookSettled, webhookNotificationStats } from '../support/alertmanager-metrics';
import { alertsAsSent } from '../support/alerts-as-sent';
import { eventually } from '../support/eventually';

/**
 * The rendered Alertmanager configuration against the real amtool (check-config, routes test) and a real
 * Alertmanager (every declared inhibition with the labels the rules' alerts carry, delivery to the fan-out webhook
 * with the bearer token from the secret file).
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
    expect(result.stdout).toContain(`${INHIBITIONS.length} inhibit rules`);
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

type Labels = Record<string, string>;

interface Delivery {
  authorization: string | undefined;
  body: { receiver: string; alerts: { labels: Labels }[] };
}

/** A local HTTP server standing in for the alert fan-out: records every webhook it receives. */
async function startSink(): Promise<{ server: http.Server; port: number; received: Delivery[] }> {
  const received: Delivery[] = [];
  const server = http.createServer((req, res) => {
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
  return { server, port: (server.address() as AddressInfo).port, received };
}

/** Alertmanager with the prod configuration posting to `sinkPort`, the token file in a temp folder, group_wait 1s. */
async function startProdAlertmanager(name: string, sinkPort: number, token: string): Promise<RunningComponent> {
  const tokenFile = path.join(tmp, `${name}-token`);
  fs.writeFileSync(tokenFile, `${token}\n`);
  const config = alertmanagerConfig(loadEnvironmentConfig('prod'), {
    alertWebhookUrl: `http://127.0.0.1:${sinkPort}/alerts`,
  }) as { route: Record<string, unknown> };
  // Only for the test: the token file lives in a temp folder, and groups flush after 1s instead of 30s.
  const text = toYaml([{ ...config, route: { ...config.route, group_wait: '1s' } }]).replaceAll(
    ALERT_WEBHOOK_TOKEN_FILE,
    tokenFile,
  );
  const configFile = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(configFile, text);
  return startAlertmanager({ configFile });
}

interface ListedAlert {
  fingerprint: string;
  labels: Labels;
  status: { state: string; inhibitedBy: string[] };
}

async function postAlerts(url: string, alerts: readonly Labels[]): Promise<void> {
  const post = await fetch(`${url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((labels) => ({ labels }))),
  });
  if (post.status !== 200) throw new Error(`POST /api/v2/alerts answered ${post.status}: ${await post.text()}`);
}

async function listAlerts(url: string): Promise<ListedAlert[]> {
  return (await (await fetch(`${url}/api/v2/alerts`)).json()) as ListedAlert[];
}

/** A label set as one comparable string. */
const keyOf = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');

const prod = alertsAsSent(loadEnvironmentConfig('prod'));
function sentLabels(alert: string): Labels {
  const sent = prod.get(alert);
  if (!sent) throw new Error(`no alert ${alert} in the prod rules`);
  return { ...sent.labels };
}

describe('a real Alertmanager with the prod configuration', () => {
  const token = 'test-token-0123456789';
  let sink: Awaited<ReturnType<typeof startSink>>;
  let alertmanager: RunningComponent | undefined;

  beforeAll(async () => {
    sink = await startSink();
    alertmanager = await startProdAlertmanager('alertmanager-delivery', sink.port, token);
  }, 60_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await new Promise((resolve) => sink.server.close(resolve));
  });

  it('inhibits the warning of the volume that pages, delivers the rest with the bearer token', async () => {
    const url = alertmanager?.url ?? '';
    const full = sentLabels('KubePersistentVolumeFull');
    const fillingUp = sentLabels('KubePersistentVolumeFillingUp');
    const reloadFailed = sentLabels('PrometheusConfigReloadFailed');
    const before = await webhookNotificationStats(url);
    await postAlerts(url, [full, fillingUp, reloadFailed]);

    const stateOf = async (labels: Labels) =>
      (await listAlerts(url)).find((a) => keyOf(a.labels) === keyOf(labels))?.status;
    await eventually(
      async () => {
        expect(await stateOf(full)).toEqual(expect.objectContaining({ state: 'active', inhibitedBy: [] }));
        expect((await stateOf(fillingUp))?.state).toBe('suppressed');
        expect((await stateOf(fillingUp))?.inhibitedBy).toHaveLength(1);
        expect(await stateOf(reloadFailed)).toEqual(expect.objectContaining({ state: 'active', inhibitedBy: [] }));
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    // Delivery: group_wait 1s for every group, so the inhibited warning's group flushes with the others. Wait until
    // both deliveries arrived and Alertmanager has answered every notification it started: exactly two started
    // means the inhibited warning's flush sent nothing.
    await eventually(() => expect(sink.received.length).toBeGreaterThanOrEqual(2), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const settled = await eventually(() => assertWebhookSettled(url, before, 2), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(settled.started - before.started).toBe(2);
    const deliveries = sink.received.map((r) => ({
      authorization: r.authorization,
      receiver: r.body.receiver,
      alerts: r.body.alerts.map((a) => `${a.labels.alertname}/${a.labels.severity}`),
    }));
    expect(deliveries.sort((a, b) => a.receiver.localeCompare(b.receiver))).toEqual([
      {
        authorization: `Bearer ${token}`,
        receiver: 'pagerduty-critical',
        alerts: ['KubePersistentVolumeFull/critical'],
      },
      {
        authorization: `Bearer ${token}`,
        receiver: 'slack-warnings',
        alerts: ['PrometheusConfigReloadFailed/warning'],
      },
    ]);
  }, 60_000);
});

describe('every declared inhibition on a real Alertmanager (prod configuration)', () => {
  let sink: Awaited<ReturnType<typeof startSink>>;
  let alertmanager: RunningComponent | undefined;

  beforeAll(async () => {
    sink = await startSink();
    alertmanager = await startProdAlertmanager('alertmanager-inhibitions', sink.port, 'test-token-inhibitions');
  }, 60_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await new Promise((resolve) => sink.server.close(resolve));
  });

  /**
   * One case per pair, each in a cluster of its own (`<cluster>-<i>`) so that pairs sharing a target do not inhibit
   * each other's: the source, the target of the same object (inhibited by exactly that source) and, per `equal`
   * label, the target of an object differing only in that label (not inhibited). Every other label is the one
   * the rules' alerts carry.
   */
  const cases = INHIBITIONS.map((inhibition, i) => {
    const cluster = `${sentLabels(inhibition.source)[INHIBITION_CLUSTER_LABEL]}-${i}`;
    const source: Labels = { ...sentLabels(inhibition.source), [INHIBITION_CLUSTER_LABEL]: cluster };
    const target: Labels = { ...sentLabels(inhibition.target), [INHIBITION_CLUSTER_LABEL]: cluster };
    const otherObjects = [INHIBITION_CLUSTER_LABEL, ...inhibition.equal].map((label) => ({
      label,
      labels: { ...target, [label]: `${target[label]}-other` },
    }));
    return { name: `${inhibition.source} → ${inhibition.target}`, source, target, otherObjects };
  });

  it('inhibits each target only while its source fires for the same object, and never delivers it', async () => {
    const url = alertmanager?.url ?? '';
    const before = await webhookNotificationStats(url);
    await postAlerts(
      url,
      cases.flatMap((c) => [c.source, c.target, ...c.otherObjects.map((o) => o.labels)]),
    );

    const expected = cases.map((c) => ({
      name: c.name,
      source: 'active',
      target: 'inhibited by the source',
      otherObjects: c.otherObjects.map((o) => `${o.label} differs: active`),
    }));
    await eventually(
      async () => {
        const listed = new Map((await listAlerts(url)).map((a) => [keyOf(a.labels), a]));
        const statusOf = (labels: Labels, source?: ListedAlert) => {
          const alert = listed.get(keyOf(labels));
          if (!alert) return 'missing';
          const { state, inhibitedBy } = alert.status;
          if (state === 'active' && inhibitedBy.length === 0) return 'active';
          if (state === 'suppressed' && source && inhibitedBy.join() === source.fingerprint)
            return 'inhibited by the source';
          return `${state}, inhibited by ${JSON.stringify(inhibitedBy)}`;
        };
        const actual = cases.map((c) => {
          const source = listed.get(keyOf(c.source));
          return {
            name: c.name,
            source: statusOf(c.source),
            target: statusOf(c.target, source),
            otherObjects: c.otherObjects.map((o) => `${o.label} differs: ${statusOf(o.labels, source)}`),
          };
        });
        expect(actual).toEqual(expected);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );

    // Delivery: every group (alertname, cluster, service) that holds an alert not inhibited is notified once; the
    // inhibited targets share their group with the other objects' targets and must not be in its notification.
    const delivered = cases.flatMap((c) => [c.source, ...c.otherObjects.map((o) => o.labels)]);
    const groups = new Set(delivered.map((labels) => ROUTE_GROUP_BY.map((l) => labels[l]).join('/')));
    await eventually(() => assertWebhookSettled(url, before, groups.size), { timeoutMs: 30_000, intervalMs: 200 });
    const received = new Set(sink.received.flatMap((r) => r.body.alerts.map((a) => keyOf(a.labels))));
    expect({
      notDelivered: delivered.filter((labels) => !received.has(keyOf(labels))).map(keyOf),
      inhibitedButDelivered: cases.filter((c) => received.has(keyOf(c.target))).map((c) => c.name),
    }).toEqual({ notDelivered: [], inhibitedButDelivered: [] });
    expect((await webhookNotificationStats(url)).started - before.started).toBe(groups.size);
  }, 90_000);
});
