import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/paths';

/** Temp folders of this file (a synthesized assembly is ~70 MB), removed after each test. */
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The environment of a machine with no AWS credentials or profile at all. */
function credentialFreeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-nocreds-'));
  made.push(home);
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function cdkSynth(args: string[]) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-cdk-out-'));
  made.push(out);
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out, ...args], {
    cwd: PROJECT_ROOT,
    env: credentialFreeEnv(),
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { ...result, out };
}

describe('npx cdk synth without credentials', () => {
  it.each([[[]], [['-c', 'env=staging']], [['-c', 'env=prod']]])('succeeds with %j and writes every stack', (args) => {
    const env = args[1]?.replace('env=', '') ?? 'dev';
    const result = cdkSynth(args);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const templates = fs
      .readdirSync(result.out)
      .filter((f) => f.endsWith('.template.json') && !f.endsWith('.nested.template.json'))
      .sort();
    expect(templates).toEqual(
      ['network', 'ops', 'platform', 'storage'].map((part) => `greenlang-${env}-${part}.template.json`),
    );
    // No context lookups were needed (they would show up as missing context in the manifest).
    const manifest = JSON.parse(fs.readFileSync(path.join(result.out, 'manifest.json'), 'utf8')) as {
      missing?: unknown[];
    };
    expect(manifest.missing ?? []).toEqual([]);
  });

  it('deploys to the account given with -c account (access entries name roles in it)', () => {
    const result = cdkSynth(['-c', 'env=dev', '-c', 'account=444455556666']);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const platform = JSON.parse(
      fs.readFileSync(path.join(result.out, 'greenlang-dev-platform.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: { PrincipalArn?: string } }> };
    const principals = Object.values(platform.Resources)
      .filter((r) => r.Type === 'AWS::EKS::AccessEntry')
      .map((r) => r.Properties.PrincipalArn)
      .sort();
    expect(principals).toEqual([
      'arn:aws:iam::444455556666:role/GreenLangPlatformAdmin',
      'arn:aws:iam::444455556666:role/GreenLangReadOnly',
    ]);
    fs.rmSync(result.out, { recursive: true, force: true });
  });

  it('stops with one clear message for an unknown environment', () => {
    const result = cdkSynth(['-c', 'env=qa']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'greenlang-observability (-c env=qa): Unknown environment "qa": must be one of dev, staging, prod.',
    );
  });
});
