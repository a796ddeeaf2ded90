import * as path from 'node:path';

/** The repository root (where package.json, node_modules and lambdas/ are). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The entry file of a function: `lambdas/handlers/<name>/index.ts`. */
export function handlerEntry(name: string): string {
  return path.join(PROJECT_ROOT, 'lambdas', 'handlers', name, 'index.ts');
}

/**
 * A path as printed to the person at the terminal: relative to the current folder when it lies below it (short,
 * and works from there), else absolute (a `../../tmp/x` only works from this one folder).
 */
export function displayPath(file: string, from = process.cwd()): string {
  const relative = path.relative(from, file);
  const above = relative === '..' || relative.startsWith(`..${path.sep}`);
  return relative && !above && !path.isAbsolute(relative) ? relative : path.resolve(file);
}
