/**
 * How every function is bundled. The CDK construct (NodejsFunction) and the benchmark (esbuild directly) both
 * read these, so the bundle measured is the bundle deployed.
 */

/** esbuild target of the Lambda runtime (nodejs22.x). */
export const FUNCTION_TARGET = 'node22';

/**
 * ES module output: middy is ESM-only, and Lambda's Node 22 disables require() of ES modules. Bundled CommonJS
 * dependencies still call require() for Node built-ins, which this banner provides.
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Prefer packages' ES module builds: better tree shaking. */
export const MAIN_FIELDS = ['module', 'main'];
