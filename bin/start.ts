#!/usr/bin/env node
/**
 * `npm start`: the whole loop on this machine, with real Prometheus, Alertmanager and Pushgateways (Debian
 * packages) on loopback. Prints the URLs, writes them to `.local/endpoints.json`; Ctrl-C stops everything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLocalStack } from '../lib/devstack/local-stack';
import { PROJECT_ROOT } from '../lib/paths';

async function main(): Promise<void> {
  const workDir = path.join(PROJECT_ROOT, '.local');
  fs.mkdirSync(workDir, { recursive: true });
  const verbose = process.argv.includes('--verbose');
  const stack = await startLocalStack({ workDir, onLog: verbose ? (line) => console.error(line) : undefined });

  const rows: [string, string][] = [
    ['prometheus', stack.endpoints.prometheus],
    ['alertmanager', stack.endpoints.alertmanager],
    ...stack.endpoints.pushgateways.map((url, i): [string, string] => [`pushgateway-${i}`, url]),
  ];
  console.log(rows.map(([name, url]) => `  ${name.padEnd(16)} ${url}`).join('\n'));
  console.log(
    `\nEndpoints written to ${path.relative(process.cwd(), path.join(workDir, 'endpoints.json'))}. Ctrl-C stops everything.`,
  );

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // A component that dies takes the loop down with a message, rather than leaving half a stack running.
  for (const component of stack.components) {
    component.exited.then((code) => {
      if (stopping) return;
      console.error(`${component.name} exited (${code}):\n${component.output().slice(-2000)}`);
      void shutdown();
    });
  }
}

main().catch((error: Error) => {
  console.error(`start: ${error.message}`);
  process.exit(1);
});
