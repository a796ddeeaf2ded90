import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironmentConfig } from '../../lib/config';
import { requireBinaries } from '../../lib/devstack/processes';
import { renderPlan } from '../../lib/render/plan';
import { toYaml, writeRenderedFiles } from '../../lib/render/write';
import { ruleFileSpecs, ruleFiles } from '../../lib/rules';
import { promtoolTestFile, ruleFileDependencies } from '../../lib/rules/promtool-tests';
import type { RuleFileSpec } from '../../lib/rules/types';

/**
 * The rendered rule files against the real promtool: `check rules` on every file, and `test rules` with unit
 * tests generated from each alert's own failure and healthy series (every alert fires with its exact labels and
 * annotations on the first, stays silent on the second).
 */

const { promtool } = requireBinaries(['promtool']);
const ENVS = ['dev', 'staging', 'prod'] as const;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function run(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Runs jobs with at most `limit` at a time (promtool test is CPU-bound). */
async function pool<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await job(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const parallelism = Math.max(2, os.availableParallelism());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-rules-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** Rendered rule sets already tested, by content: the environment that tested each. */
const testedRuleSets = new Map<string, string>();

/** Writes the promtool test files of `specs` next to rule files already in `rulesDir`; returns their paths. */
function writeTests(specs: readonly RuleFileSpec[], rulesDir: string): string[] {
  const written: string[] = [];
  for (const spec of specs) {
    const deps = ruleFileDependencies(spec, specs).map((d) => path.join(rulesDir, `${d.name}.yaml`));
    const testFile = promtoolTestFile(spec, deps);
    if ((testFile.tests as unknown[]).length === 0) continue;
    const target = path.join(rulesDir, 'tests', `${spec.name}.test.yaml`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, toYaml([testFile]));
    written.push(target);
  }
  return written;
}

describe.each(ENVS)('rendered rule files of %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const outDir = path.join(tmp, env);
  const rulesDir = path.join(outDir, 'prometheus', 'rules');
  beforeAll(() => {
    writeRenderedFiles(renderPlan(config), outDir);
  });

  it('pass promtool check rules, each with the number of rules it holds', async () => {
    const files = ruleFiles(config);
    expect(
      fs
        .readdirSync(rulesDir)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(files.map((f) => `${f.name}.yaml`).sort());
    const results = await pool(files, parallelism, (file) =>
      run(['check', 'rules', path.join(rulesDir, `${file.name}.yaml`)]),
    );
    results.forEach((result, i) => {
      const file = files[i];
      const count = file?.groups.reduce((n, g) => n + g.rules.length, 0);
      expect({ file: file?.name, code: result.code, output: result.output }).toEqual({
        file: file?.name,
        code: 0,
        output: expect.stringContaining(`SUCCESS: ${count} rules found`),
      });
    });
  }, 120_000);

  it('pass promtool test rules: every alert fires on its failure series and stays silent on healthy ones', async () => {
    // Environments whose rules are identical are tested once.
    const key = fs
      .readdirSync(rulesDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => fs.readFileSync(path.join(rulesDir, f), 'utf8'))
      .join('\n');
    const testedAs = testedRuleSets.get(key);
    if (testedAs) {
      expect(testedAs).not.toBe(env);
      return;
    }
    testedRuleSets.set(key, env);
    const specs = ruleFileSpecs(config);
    const testFiles = writeTests(specs, rulesDir);
    const alerts = specs.flatMap((s) => s.groups.flatMap((g) => g.rules.filter((r) => 'alert' in r)));
    const tests = testFiles.flatMap((f) => (fs.readFileSync(f, 'utf8').match(/^ {2}- name: /gm) ?? []).length);
    const recordingTests = specs.flatMap((s) => s.groups.flatMap((g) => g.recordingTests ?? []));
    // Two tests per alert (nothing escapes the unit tests), plus the recording-rule tests.
    expect(tests.reduce((a, b) => a + b, 0)).toBe(2 * alerts.length + recordingTests.length);
    const results = await pool(testFiles, parallelism, (file) => run(['test', 'rules', file]));
    results.forEach((result, i) => {
      expect({ file: testFiles[i], code: result.code, output: result.output }).toEqual({
        file: testFiles[i],
        code: 0,
        output: expect.stringContaining('SUCCESS'),
      });
    });
  }, 600_000);
});

describe('the generated promtool tests can fail', () => {
  const config = loadEnvironmentConfig('prod');
  const specs = ruleFileSpecs(config);
  const redis = specs.find((s) => s.name === 'redis');
  if (!redis) throw new Error('no redis rules');
  const dir = path.join(tmp, 'broken');
  const write = (spec: RuleFileSpec) => {
    fs.mkdirSync(dir, { recursive: true });
    const rules = ruleFiles(config).find((f) => f.name === spec.name);
    fs.writeFileSync(path.join(dir, `${spec.name}.yaml`), toYaml([{ groups: rules?.groups }]));
    return writeTests([spec], dir)[0] ?? '';
  };
  const mutateFirstAlert = (change: (test: object) => object): RuleFileSpec => {
    const [group] = redis.groups;
    if (!group) throw new Error('no group');
    const [first, ...rest] = group.rules;
    if (!first || !('alert' in first)) throw new Error('first rule is not an alert');
    return {
      ...redis,
      groups: [{ ...group, rules: [{ ...first, test: change(first.test) as typeof first.test }, ...rest] }],
    };
  };

  it('fails when an alert stays silent on its failure series', async () => {
    const broken = mutateFirstAlert((test) => ({ ...test, firing: [] }));
    const result = await run(['test', 'rules', write(broken)]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('RedisDown fires on its failure series');
  }, 60_000);

  it('fails when an alert fires on the healthy series', async () => {
    const broken = mutateFirstAlert((test) => ({ ...test, healthy: (test as { firing: unknown }).firing }));
    const result = await run(['test', 'rules', write(broken)]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('RedisDown stays silent on healthy series');
  }, 60_000);

  it('fails when the expected labels differ', async () => {
    const broken = mutateFirstAlert((test) => ({ ...test, labels: { job: 'redis-exporter', instance: 'other:6379' } }));
    const result = await run(['test', 'rules', write(broken)]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('other:6379');
  }, 60_000);
});
