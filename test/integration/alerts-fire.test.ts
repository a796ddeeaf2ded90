import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalStack, startLocalStack } from '../../lib/devstack/local-stack';
import type { Restartable } from '../../lib/devstack/local-targets';
import { labelsTemplatesMiss } from '../support/alert-templates';
import { eventually } from '../support/eventually';

/**
 * End to end on the local loop (`npm start`'s stack): the loop scrapes what the cluster scrapes, with the cluster's
 * job names; stopping one component at a time makes its alert fire (in Prometheus, and delivered to Alertmanager),
 * and starting it again resolves it.
 *
 * The rules are the rendered ones, expressions unchanged; the only difference is the loop's `for:` cap
 * (`capForDurations`, `maxFor` 10s by default) so an alert fires in seconds instead of minutes.
 */
let workDir: string;
let stack: LocalStack;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-alerts-fire-'));
  stack = await startLocalStack({ workDir, env: 'dev' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
}, 60_000);

interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

async function prometheusAlerts(): Promise<PrometheusAlert[]> {
  const body = (await (await fetch(`${stack.endpoints.prometheus}/api/v1/alerts`)).json()) as {
    data: { alerts: PrometheusAlert[] };
  };
  return body.data.alerts;
}

const matching = (alert: PrometheusAlert, name: string, labels: Record<string, string>) =>
  alert.labels.alertname === name && Object.entries(labels).every(([k, v]) => alert.labels[k] === v);

async function firing(name: string, labels: Record<string, string>): Promise<void> {
  await eventually(
    async () => {
      const alerts = await prometheusAlerts();
      const alert = alerts.find((a) => matching(a, name, labels));
      if (alert?.state !== 'firing') {
        const same = alerts.filter((a) => a.labels.alertname === name).map((a) => JSON.stringify(a.labels));
        throw new Error(
          `${name} ${JSON.stringify(labels)} is ${alert?.state ?? 'inactive'} (${same.join(' ') || 'none'})`,
        );
      }
      // And Prometheus delivered it to the Alertmanager cluster.
      const received = (await (
        await fetch(`${stack.endpoints.alertmanager}/api/v2/alerts?filter=alertname%3D%22${name}%22`)
      ).json()) as { labels: Record<string, string> }[];
      if (!received.some((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v))) {
        throw new Error(`${name} is not in Alertmanager yet`);
      }
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  // Its summary and description name only labels it has.
  expect(await labelsTemplatesMiss(stack.endpoints.prometheus, name)).toEqual([]);
}

async function resolved(name: string, labels: Record<string, string>): Promise<void> {
  await eventually(
    async () => {
      const alert = (await prometheusAlerts()).find((a) => matching(a, name, labels));
      if (alert) throw new Error(`${name} ${JSON.stringify(labels)} is still ${alert.state}`);
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

async function allUp(): Promise<void> {
  await eventually(
    async () => {
      const query = encodeURIComponent('up{job=~"alertmanager|pushgateway|postgres-exporter|redis-exporter"}');
      const body = (await (await fetch(`${stack.endpoints.prometheus}/api/v1/query?query=${query}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      const down = body.data.result.filter((r) => r.value[1] !== '1').map((r) => r.metric.pod);
      // 2 Alertmanagers, 2 Pushgateways, 2 exporters.
      if (body.data.result.length !== 6 || down.length > 0) {
        throw new Error(`targets: ${body.data.result.length}, down: ${down.join(', ')}`);
      }
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

describe('stopping a component fires its alert; starting it again resolves it', () => {
  beforeEach(allUp, 90_000);

  const cases: [string, () => Restartable, string, Record<string, string>][] = [
    [
      'an Alertmanager replica',
      () => stack.targets.alertmanagers[0] as Restartable,
      'AlertmanagerDown',
      { job: 'alertmanager', pod: 'alertmanager-greenlang-1', namespace: 'monitoring' },
    ],
    [
      'a Pushgateway',
      () => stack.pushgateways[1] as Restartable,
      'PushgatewayDown',
      { job: 'pushgateway', pod: 'pushgateway-1' },
    ],
    [
      'the PostgreSQL exporter',
      () => stack.targets.postgresExporter,
      'PostgresExporterDown',
      { job: 'postgres-exporter', pod: 'postgres-exporter-0', namespace: 'monitoring' },
    ],
    [
      'PostgreSQL itself (the exporter reports pg_up 0)',
      () => stack.targets.postgres,
      'PostgresDown',
      { job: 'postgres-exporter' },
    ],
  ];

  it.each(cases)(
    '%s',
    async (_what, component, alert, labels) => {
      await component().stop();
      await firing(alert, labels);
      await component().start();
      await resolved(alert, labels);
    },
    240_000,
  );
});
