import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';
import { ESM_REQUIRE_SHIM, FUNCTION_TARGET, MAIN_FIELDS } from '../../lib/layer/bundling';

/** One benchmark: `npm run bench` runs every `test/bench/*.bench.ts` exporting `benchmark`. */
export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchTable>;
}

/** A table printed as is: the first column names the case, the others are figures side by side. */
export interface BenchTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export const fmt = {
  ms: (v: number) => `${v.toFixed(1)} ms`,
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  ratio: (v: number) => `${v.toFixed(2)}x`,
};

export function formatTable(table: BenchTable): string {
  const cells = [table.columns, ...table.rows.map((r) => r.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const line = (row: readonly (string | number)[]) => row.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ');
  return [
    `## ${table.title}`,
    line(table.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
    ...(table.notes ?? []).map((n) => `  ${n}`),
  ].join('\n');
}

/** Bundles a function entry the way the CDK construct does (ESM, node22, minified, source maps). */
export async function bundleFunction(
  entry: string,
  outfile: string,
  external: readonly string[],
  /** Module replacements (esbuild `alias`), e.g. to measure a function without one of its packages. */
  alias: Record<string, string> = {},
): Promise<void> {
  await build({
    alias,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_TARGET,
    mainFields: MAIN_FIELDS,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_SHIM },
    external: [...external],
    logLevel: 'silent',
  });
}

export function gzipSize(file: string): number {
  return zlib.gzipSync(fs.readFileSync(file)).length;
}

/**
 * Time to import an ES module in a fresh Node process (what a cold start pays for the code), median of `runs`.
 */
export function moduleLoadMs(file: string, runs = 11, env: NodeJS.ProcessEnv = process.env): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(path.resolve(file))}); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    samples.push(Number(out));
  }
  return median(samples);
}
