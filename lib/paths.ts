import * as path from 'node:path';

/** The repository root (where package.json, node_modules and lambdas/ are). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The entry file of a function: `lambdas/handlers/<name>/index.ts`. */
export function handlerEntry(name: string): string {
  return path.join(PROJECT_ROOT, 'lambdas', 'handlers', name, 'index.ts');
}
