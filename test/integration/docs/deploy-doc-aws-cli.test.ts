import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBinaries } from '../../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../../lib/paths';

/**
 * Every `aws …` command of docs/deploy.md, run through the real AWS CLI v2 with no credentials and no network: the
 * CLI parses the command line (unknown options, missing required ones, shorthand and JSON parameter structure,
 * `fileb://` files) BEFORE it looks for credentials, so a command written correctly stops at "Unable to locate
 * credentials" and a wrong one at its parse error (e.g. `delete-secret --name`: `--secret-id` is required).
 * The CLI does not check enum values client-side; those are checked against the templates elsewhere.
 */

const { aws } = requireBinaries(['aws']);
const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');

/** Values for the doc's placeholders and shell variables (any other `<placeholder>` fails the test). */
const ACCOUNT = '123456789012';
const CA_ARN = `arn:aws:acm-pca:eu-west-1:${ACCOUNT}:certificate-authority/00000000-0000-4000-8000-000000000001`;
const PLACEHOLDERS: Record<string, string> = {
  '<env>': 'dev',
  '<account>': ACCOUNT,
  '<region>': 'eu-west-1',
  '<arn>': CA_ARN,
  '<bucket>': `gl-thanos-metrics-dev-${ACCOUNT}-eu-west-1`,
  '<TopicArn>': `arn:aws:sns:eu-west-1:${ACCOUNT}:greenlang-dev-ops-alarms`,
  '<address>': 'platform-team@greenlang.example',
  '<part>': 'platform',
  '<name>': 'alert-webhook-token',
};
const SHELL_VARIABLES: Record<string, string> = {
  ENV: 'dev',
  ACCOUNT,
  CA: CA_ARN,
  CERT: `${CA_ARN}/certificate/0123456789abcdef0123456789abcdef`,
  ROLE: `arn:aws:iam::${ACCOUNT}:role/GreenLangPlatformAdmin`,
  INSTANCE: 'i-0123456789abcdef0',
  ENDPOINT: 'https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
  GRAFANA_HOST: 'grafana.monitoring.greenlang-dev.internal',
  CLIENT_ID: 'nightly-export',
  CLIENT_SECRET: 'secret',
};

/** From `aws` to the end of its simple command: an unquoted `|`, `;`, `&&`, ` #` or the `)` closing a `$(`. */
function commandAt(text: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && depth-- === 0) return text.slice(start, i);
    else if (c === '|' || c === ';' || c === '\n' || text.startsWith('&&', i) || text.startsWith(' #', i)) {
      return text.slice(start, i);
    }
  }
  return text.slice(start);
}

/** Every `aws <service> <operation> …` of the doc: fenced `sh` blocks (continuations joined) and inline spans. */
function awsCommands(): string[] {
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/\\\n\s*/g, ' '));
  const spans = [...doc.matchAll(/`(aws [^`\n]+)`/g)].map((m) => m[1] ?? '');
  return [...blocks, ...spans].flatMap((text) =>
    [...text.matchAll(/(?:^|[\s($])aws [a-z0-9-]+ [a-z0-9-]+/g)].map((m) =>
      commandAt(text, (m.index ?? 0) + m[0].indexOf('aws ')).trim(),
    ),
  );
}

function substitute(command: string): string {
  let result = command.replaceAll('…', 'x');
  for (const [placeholder, value] of Object.entries(PLACEHOLDERS)) result = result.replaceAll(placeholder, value);
  const unknown = /<[A-Za-z][\w.-]*>/.exec(result);
  if (unknown) throw new Error(`docs/deploy.md: no test value for the placeholder ${unknown[0]} in: ${command}`);
  return result;
}

describe('docs/deploy.md: every aws command parses with the real AWS CLI v2', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-deploy-doc-aws-'));
  // What the CA commands read with fileb:// (the CLI loads the file while parsing).
  fs.writeFileSync(path.join(work, 'ca.csr'), '-----BEGIN CERTIFICATE REQUEST-----\n');
  fs.writeFileSync(path.join(work, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const commands = awsCommands();

  it('finds the commands (a parser that finds none is broken)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(25);
    for (const operation of [
      'aws secretsmanager create-secret',
      'aws secretsmanager delete-secret',
      'aws acm-pca create-certificate-authority',
      'aws ssm start-session',
      'aws eks update-kubeconfig',
      'aws cloudformation describe-stacks',
      'aws sns list-subscriptions',
    ]) {
      expect(commands.some((command) => command.startsWith(operation))).toBe(true);
    }
  });

  it.each(awsCommands().map((command) => [command]))('%s', (command) => {
    const script = `aws() { "$AWS_BIN" "$@"; }\n${substitute(command)}\n`;
    const result = spawnSync('bash', ['-c', script], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        AWS_BIN: aws,
        // No credentials anywhere, no instance metadata, no config: the CLI stops before any request.
        AWS_CONFIG_FILE: path.join(work, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_REGION: 'eu-west-1',
        AWS_PAGER: '',
        ...SHELL_VARIABLES,
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.stderr).not.toMatch(
      /usage:|Unknown options|Parameter validation failed|Error parsing parameter|Invalid choice/,
    );
    expect(result.stderr).toContain('Unable to locate credentials');
  });
});
