#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark in `test/bench/*.bench.ts` and prints each as a table, our figures side
 * by side with a peer measured in the same run. `npm run bench -- NAME...` runs only the named ones.
 */
import './check-node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Benchmark, formatTable } from '../test/bench/harness';

async function main(filter: string[]): Promise<void> {
  const dir = path.join(__dirname, '..', 'test', 'bench');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  for (const file of files) {
    const { benchmark } = require(path.join(dir, file)) as { benchmark: Benchmark };
    if (filter.length > 0 && !filter.includes(benchmark.name)) continue;
    const started = Date.now();
    const table = await benchmark.run();
    console.log(`${formatTable(table)}\n  (${benchmark.name}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`bench: ${error.stack ?? error.message}`);
  process.exit(1);
});
