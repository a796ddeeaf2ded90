/**
 * Each function's `index.ts` loads with exactly the environment its construct sets (read from the synthesized ops
 * stack), and refuses to load, naming the variable, when one it reads is missing. The constructs and the handlers
 * share one contract per function (lambdas/contracts/<fn>.ts); this checks the wiring end to end.
 */
import * as path from 'node:path';
import { alertDeliveryEnv } from '../../lambdas/contracts/alert-delivery';
import { alertWebhookEnv } from '../../lambdas/contracts/alert-webhook';
import { alertWebhookAuthorizerEnv } from '../../lambdas/contracts/alert-webhook-authorizer';
import { bucketAuditEnv } from '../../lambdas/contracts/bucket-audit';
import { capacityReportEnv } from '../../lambdas/contracts/capacity-report';
import type { EnvContract, EnvVariable } from '../../lambdas/contracts/env';
import { pushIngestEnv } from '../../lambdas/contracts/push-ingest';
import { pushRepairEnv } from '../../lambdas/contracts/push-repair';
import { weeklySummaryEnv } from '../../lambdas/contracts/weekly-summary';
import { PROJECT_ROOT } from '../../lib/paths';
import { synthesizeEnvironment } from '../support/cdk';

type Variables = Record<string, unknown>;

const CONTRACTS: Record<string, EnvContract<Readonly<Record<string, EnvVariable<unknown>>>>> = {
  'alert-webhook': alertWebhookEnv,
  'alert-webhook-authorizer': alertWebhookAuthorizerEnv,
  'alert-delivery': alertDeliveryEnv,
  'bucket-audit': bucketAuditEnv,
  'capacity-report': capacityReportEnv,
  'weekly-summary': weeklySummaryEnv,
  'push-ingest': pushIngestEnv,
  'push-repair': pushRepairEnv,
};

/** What a deploy-time token stands for: a PEM for the CA variables (their contracts check the shape), else text. */
const placeholder = (name: string): string =>
  name.endsWith('_PEM')
    ? '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n'
    : `placeholder-${name.toLowerCase()}`;

/** The function's variables as the template sets them; tokens (Ref, GetAtt, Join) become placeholder text. */
function constructEnvironment(service: string): Record<string, string> {
  const { stacks, template } = synthesizeEnvironment('dev');
  const fns = template(stacks.ops).findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: service } } },
  });
  const [fn] = Object.values(fns) as { Properties: { Environment: { Variables: Variables } } }[];
  if (!fn) throw new Error(`no function with POWERTOOLS_SERVICE_NAME ${service} in the dev ops stack`);
  return Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : placeholder(name),
    ]),
  );
}

async function loadIndex(service: string, env: Record<string, string>): Promise<unknown> {
  const saved = process.env;
  // Only what Lambda itself sets, plus the construct's variables.
  process.env = { PATH: saved.PATH, AWS_REGION: 'eu-west-1', ...env };
  try {
    let loaded: unknown;
    await jest.isolateModulesAsync(async () => {
      loaded = await import(path.join(PROJECT_ROOT, 'lambdas/handlers', service, 'index.ts'));
    });
    return loaded;
  } finally {
    process.env = saved;
  }
}

describe.each(Object.keys(CONTRACTS))('%s index.ts', (service) => {
  const env = constructEnvironment(service);
  const contract = CONTRACTS[service];

  it('is set by its construct: every variable of its contract that is required', () => {
    const required = Object.values(contract?.variables ?? {}).filter((v) => !v.optional);
    expect(required.length).toBeGreaterThan(0);
    for (const variable of required) expect(Object.keys(env)).toContain(variable.name);
  });

  it('loads with the environment its construct sets and exports a handler', async () => {
    const module = (await loadIndex(service, env)) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
  });

  it('refuses to load without a variable it requires, naming it', async () => {
    const required = Object.values(contract?.variables ?? {}).find((v) => !v.optional)?.name ?? '';
    const { [required]: _removed, ...rest } = env;
    await expect(loadIndex(service, rest)).rejects.toThrow(`environment variable ${required} is not set`);
  });
});
