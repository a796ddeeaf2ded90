/**
 * How every function is bundled. The CDK construct (ObservabilityFunction) and the benchmark both call
 * `bundleFunction`, so the bundle measured is the bundle deployed.
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from '../paths';

/** esbuild target of the Lambda runtime (nodejs22.x). */
export const FUNCTION_TARGET = 'node22';

/** The file Lambda loads (`index.handler` → `index.mjs`). */
export const FUNCTION_ENTRY_FILE = 'index.mjs';

/**
 * ES module output: middy is ESM-only, and Lambda's Node 22 disables require() of ES modules. Bundled CommonJS
 * dependencies still call require() for Node built-ins, which this banner provides.
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Prefer packages' ES module builds: better tree shaking. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * Bundles a function entry into `outdir/index.mjs`: ESM, node22, code splitting, whitespace and syntax minified
 * but names kept, no source maps. Names kept make a stack trace readable as it is (function names, and lines
 * that still read as code) for +27 KB of zip where source maps cost +170 KB, and without `--enable-source-maps`,
 * which parses every map at load (alert-webhook: 300 KB zip → 160 KB; load 100 → 160 ms with the flag).
 * Code splitting is what keeps cold starts short (`npm run bench -- lambda-bundles`): every dynamic
 * `import()` becomes its own chunk, loaded when first reached. The AWS SDK imports its credential providers (SSO,
 * INI files, STS web identity, ...) dynamically; in one file they are parsed and evaluated at every cold start,
 * in chunks they stay on disk, since Lambda passes credentials in the environment. Handlers use the same
 * mechanism to keep clients used on rare paths out of the load path.
 */
export interface BundleOptions {
  /** Modules replaced by others (the bench measures push-ingest with protobufjs stubbed out). @default none */
  readonly alias?: Readonly<Record<string, string>>;
}

export function bundleFunction(entry: string, outdir: string, options: BundleOptions = {}): void {
  buildSync({
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_TARGET,
    mainFields: MAIN_FIELDS,
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: ESM_REQUIRE_SHIM },
    alias: { ...options.alias },
    logLevel: 'warning',
  });
}

/** The same build as `bundleFunction`, as esbuild CLI arguments run from a copy of the project (CDK's Docker fallback). */
export function esbuildFallbackArgs(entry: string): string {
  const relative = path.relative(PROJECT_ROOT, entry).split(path.sep).join('/');
  return [
    `index=${relative}`,
    '--bundle',
    '--splitting',
    '--outdir=/asset-output',
    '--out-extension:.js=.mjs',
    '--platform=node',
    '--format=esm',
    `--target=${FUNCTION_TARGET}`,
    `--main-fields=${MAIN_FIELDS.join(',')}`,
    '--minify-whitespace',
    '--minify-syntax',
    `--banner:js="${ESM_REQUIRE_SHIM}"`,
  ].join(' ');
}
