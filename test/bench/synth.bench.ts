import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENT_NAMES } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/paths';
import { type Benchmark, fmt, median } from './harness';

const RUNS = 3;

/** Wall time of one synth the way the CDK CLI runs the app (a Node process with the context in the environment). */
function synthMs(entry: string, context: Record<string, unknown>): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-synth-bench-'));
    const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: object };
    const started = performance.now();
    execFileSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    samples.push(performance.now() - started);
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return median(samples);
}

export const benchmark: Benchmark = {
  name: 'synth',
  async run() {
    const baseline = synthMs(path.join(PROJECT_ROOT, 'test/bench/fixtures/empty-app.ts'), {});
    const rows = ENVIRONMENT_NAMES.map((env) => {
      const ms = synthMs(path.join(PROJECT_ROOT, 'bin/app.ts'), { env });
      return [`cdk synth -c env=${env}`, fmt.ms(ms), fmt.ms(baseline), fmt.ratio(ms / baseline)];
    });
    return {
      title: `Synth time (median of ${RUNS}, bundling and cdk-nag included)`,
      columns: ['case', 'greenlang app', 'peer: empty CDK app', 'ratio'],
      rows,
      notes: ['The peer loads aws-cdk-lib and synthesizes a one-resource stack: the floor any CDK app pays.'],
    };
  },
};
