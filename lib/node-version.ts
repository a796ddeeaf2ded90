/**
 * The Node.js version this project needs (package.json `engines.node`, `.node-version`): every entry point imports
 * this module first, so an older Node stops with one line saying what to install instead of a stack trace from
 * deep inside Powertools or middy (which need Node >= 22).
 */

/** The oldest Node.js the project runs on: package.json `engines.node` says `>=22.12.0`. */
export const MINIMUM_NODE = [22, 12, 0] as const;

/** True when `version` (e.g. `22.23.3`, `v20.19.0`) is at least {@link MINIMUM_NODE}. */
export function isSupportedNode(version: string): boolean {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < MINIMUM_NODE.length; i++) {
    const have = parts[i] ?? 0;
    const need = MINIMUM_NODE[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/** The one-line message for an unsupported Node, or undefined when `version` is fine. */
export function unsupportedNodeMessage(version: string, program: string): string | undefined {
  if (isSupportedNode(version)) return undefined;
  return (
    `${program}: Node.js ${MINIMUM_NODE.join('.')} or later is required, this is ${version.replace(/^v/, '')}. ` +
    'Install Node 22 (the version in .node-version, e.g. `nvm install`) and run it again.'
  );
}

/** Exits with status 1 and the one-line message when the running Node is too old. */
export function requireSupportedNode(program: string): void {
  const message = unsupportedNodeMessage(process.versions.node, program);
  if (message === undefined) return;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
