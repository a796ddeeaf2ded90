import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { buildEnvironment } from '../../../lib/app';
import { loadEnvironmentConfig } from '../../../lib/config';
import { PROJECT_ROOT } from '../../../lib/paths';
import { cdkJsonContext } from '../../support/cdk';

/**
 * The stack arguments of every `cdk deploy` / `cdk destroy` in docs/deploy.md and README.md, given to the real CDK
 * CLI (`cdk ls --app <assembly>`) against the prod assembly: each names stacks the CLI finds, and a wildcard finds
 * every stack of the environment. `cdk ls` (like `cdk deploy` without `--exclusively`) adds the named stacks'
 * dependencies; nothing else may come with them.
 */

const ACCOUNT = '123456789012';
const texts = ['docs/deploy.md', 'README.md'].map((file) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));

/** Stack arguments of a `cdk deploy|destroy` command line: the words that are not options or option values. */
function stackArguments(command: string): string[] {
  const words = command
    .replaceAll('$(date +%Y%m%d)', '20261130')
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const verb = words.findIndex((word) => word === 'deploy' || word === 'destroy');
  const stacks: string[] = [];
  for (let i = verb + 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word.startsWith('#')) break;
    if (word === '-c' || word === '--context') i++;
    else if (!word.startsWith('-')) stacks.push(word.replace(/^'(.*)'$/, '$1'));
  }
  return stacks.map((stack) => stack.replaceAll('<env>', 'prod'));
}

const commands = texts.flatMap((text) =>
  [...text.replace(/\\\n\s*/g, ' ').matchAll(/npx cdk (?:deploy|destroy) [^\n`]*/g)].map((m) => m[0]),
);

describe('docs/deploy.md and README.md: the CDK CLI selects the stacks each deploy and destroy names', () => {
  const assembly = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-deploy-doc-cdk-'));
  afterAll(() => fs.rmSync(assembly, { recursive: true, force: true }));
  const app = new App({ outdir: assembly, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildEnvironment(app, loadEnvironmentConfig('prod', { context: { account: ACCOUNT } }));
  app.synth();
  const all = Object.values(stacks)
    .map((stack) => stack.stackName)
    .sort();

  /** The named stacks and, transitively, the stacks they depend on. */
  const withDependencies = (names: readonly string[]): Set<string> => {
    const found = new Set<string>();
    const visit = (stack: Stack) => {
      if (found.has(stack.stackName)) return;
      found.add(stack.stackName);
      for (const dependency of stack.dependencies) visit(dependency);
    };
    for (const stack of Object.values(stacks)) if (names.includes(stack.stackName)) visit(stack);
    return found;
  };

  it('finds the commands (a parser that finds none is broken)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(commands.some((command) => stackArguments(command).includes('greenlang-prod-*'))).toBe(true);
  });

  it.each(commands.map((command) => [command]))('%s', (command) => {
    const selected = stackArguments(command);
    expect(selected.length).toBeGreaterThan(0);
    const result = spawnSync(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
      ['ls', '--app', assembly, ...selected],
      {
        cwd: assembly,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      },
    );
    expect(result.error).toBeUndefined();
    expect(`${result.status} ${result.stderr}`).toMatch(/^0 /);
    const listed = result.stdout
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .sort();
    if (selected.some((stack) => stack.includes('*'))) {
      expect(listed).toEqual(all);
      return;
    }
    for (const stack of selected) expect(listed).toContain(stack);
    expect(listed.filter((stack) => !withDependencies(selected).has(stack))).toEqual([]);
  });
});
