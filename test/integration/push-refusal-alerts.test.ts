import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalStack, startLocalStack } from '../../lib/devstack/local-stack';
import { labelsTemplatesMiss } from '../support/alert-templates';
import { eventually } from '../support/eventually';

/**
 * The local loop (`npm start`: real Prometheus with the project's rules, Alertmanager, two Pushgateways behind the
 * ingestion): a batch job whose pushes the ingestion refuses fires the project's two alerts on failed pushes,
 * which read only what the Pushgateways record — as they would if the job pushed to a Pushgateway directly.
 */

interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly status: { readonly state: string };
}

async function firing(stack: LocalStack, alertname: string): Promise<AlertmanagerAlert[]> {
  const response = await fetch(`${stack.endpoints.alertmanager}/api/v2/alerts?active=true`);
  const alerts = (await response.json()) as AlertmanagerAlert[];
  return alerts.filter((a) => a.labels.alertname === alertname);
}

async function push(stack: LocalStack, job: string, body: string): Promise<number> {
  const response = await fetch(`${stack.endpoints.ingest}/metrics/job/${job}`, { method: 'PUT', body });
  await response.text();
  return response.status;
}

jest.setTimeout(240_000);

describe('alerts on refused pushes through the ingestion, on the local loop', () => {
  let workDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-refusal-alerts-'));
    stack = await startLocalStack({ workDir, maxFor: '10s' });
  });

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('fires PushgatewayLastPushFailed for the job and PushgatewayPushErrors for both replicas', async () => {
    // One good push, then the job's pushes are refused: its counter is a gauge in another job's group.
    expect(await push(stack, 'healthy-batch', '# TYPE batch_rows gauge\nbatch_rows 7\n')).toBe(200);
    expect(await push(stack, 'refused-batch', '# TYPE batch_runs_total counter\nbatch_runs_total 1\n')).toBe(200);

    const lastPushFailed = await eventually(
      async () => {
        // Keeps failing, as a job retrying would (the 400 rate must rise between scrapes).
        expect(await push(stack, 'refused-batch', '# TYPE batch_rows counter\nbatch_rows 1\n')).toBe(400);
        const alerts = (await firing(stack, 'PushgatewayLastPushFailed')).filter(
          (a) => a.labels.job === 'refused-batch',
        );
        expect({ alert: 'PushgatewayLastPushFailed for refused-batch', replicas: alerts.length }).toEqual({
          alert: 'PushgatewayLastPushFailed for refused-batch',
          replicas: 2,
        });
        return alerts;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    // Pushed series name their replica in pushgateway_replica (the monitor's relabelings, as in the cluster); the
    // replica's pod name is not theirs.
    expect(lastPushFailed.map((a) => a.labels.pushgateway_replica).sort()).toEqual(['pushgateway-0', 'pushgateway-1']);
    for (const alert of lastPushFailed) expect(alert.labels.pod).toBeUndefined();
    expect(await labelsTemplatesMiss(stack.endpoints.prometheus, 'PushgatewayLastPushFailed')).toEqual([]);

    const pushErrors = await eventually(
      async () => {
        expect(await push(stack, 'refused-batch', '# TYPE batch_rows counter\nbatch_rows 1\n')).toBe(400);
        const alerts = await firing(stack, 'PushgatewayPushErrors');
        expect({ alert: 'PushgatewayPushErrors', replicas: alerts.length }).toEqual({
          alert: 'PushgatewayPushErrors',
          replicas: 2,
        });
        return alerts;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(pushErrors.map((a) => a.labels.pod).sort()).toEqual(['pushgateway-0', 'pushgateway-1']);
    expect(await labelsTemplatesMiss(stack.endpoints.prometheus, 'PushgatewayPushErrors')).toEqual([]);

    // The job whose pushes all succeeded raises nothing.
    expect((await firing(stack, 'PushgatewayLastPushFailed')).filter((a) => a.labels.job === 'healthy-batch')).toEqual(
      [],
    );
  });
});
