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

/**
 * The bundle of round one, for comparison: one file (no code splitting), otherwise the flags of
 * `bundleFunction` in lib/layer/bundling.ts.
 */
export async function bundleOneFile(
  entry: string,
  outfile: string,
  external: readonly string[],
  alias: Readonly<Record<string, string>> = {},
): Promise<void> {
  await build({
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
    alias: { ...alias },
    logLevel: 'silent',
  });
}

/**
 * Size of a zip of every file under `dir` (what Lambda stores): each file deflated, plus the zip format's
 * local header (30 bytes), central directory entry (46 bytes) and the name twice (APPNOTE.TXT 4.3.7, 4.3.12).
 */
export function zipSize(dir: string): number {
  let total = 22; // end of central directory record
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    total += Math.min(zlib.deflateRawSync(fs.readFileSync(file)).length, fs.statSync(file).size) + 76 + 2 * name.length;
  }
  return total;
}

/** Bytes of `file` and every chunk it imports statically (what a cold start reads and evaluates). */
export function loadedAtInitBytes(file: string, seen = new Set<string>()): number {
  if (seen.has(file)) return 0;
  seen.add(file);
  const code = fs.readFileSync(file, 'utf8');
  let total = Buffer.byteLength(code);
  // esbuild's minified static imports of chunks: `import{...}from"./chunk-X.mjs"` or `import"./chunk-X.mjs"`.
  for (const match of code.matchAll(/import(?:\{[^}]*\}from|\s*\*\s*as\s*\w+\s*from)?\s*"(\.\/[^"]+)"/g)) {
    total += loadedAtInitBytes(path.join(path.dirname(file), match[1] ?? ''), seen);
  }
  return total;
}

export function gzipSize(file: string): number {
  return zlib.gzipSync(fs.readFileSync(file)).length;
}

/**
 * Time to import an ES module in a fresh Node process (what a cold start pays for the code), one sample. A list
 * imports the files one after the other (an entry, then the chunks its first invocation imports).
 */
export function moduleLoadSampleMs(file: string | readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const files = (typeof file === 'string' ? [file] : file).map((f) => JSON.stringify(path.resolve(f)));
  const script = `const t = performance.now(); for (const f of [${files.join(',')}]) await import(f); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env }));
}

/** The chunks an entry imports with `import()` (its lazily built composition root, Secrets Manager, ...). */
export function dynamicChunks(entry: string): string[] {
  const code = fs.readFileSync(entry, 'utf8');
  return [...code.matchAll(/import\("(\.\/[^"]+)"\)/g)].map((m) => path.join(path.dirname(entry), m[1] ?? ''));
}

/**
 * Load times of several modules, `runs` samples each. The runs are interleaved (a, b, c, a, b, c, ...) so a burst
 * of load from other processes on the machine hits every module alike instead of one.
 */
export function moduleLoadSamples(
  files: readonly (string | readonly string[])[],
  runs = 11,
  env: NodeJS.ProcessEnv = process.env,
): number[][] {
  const samples = files.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    files.forEach((file, k) => {
      samples[k]?.push(moduleLoadSampleMs(file, env));
    });
  }
  return samples;
}

/** Median load time of each module (`moduleLoadSamples`). */
export function moduleLoadMs(
  files: readonly (string | readonly string[])[],
  runs = 11,
  env: NodeJS.ProcessEnv = process.env,
): number[] {
  return moduleLoadSamples(files, runs, env).map(median);
}
