import * as fs from 'node:fs';
import type { LocalOutput } from './service';

/**
 * Keeps stdout for results only. Libraries that log to stdout (Powertools Logger does, as Lambda expects) are
 * sent to stderr; results are written straight to file descriptor 1.
 */
export function routeLogsToStderr(): LocalOutput {
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = stderrWrite as typeof process.stdout.write;
  return {
    result(value: unknown) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      fs.writeSync(1, text.endsWith('\n') ? text : `${text}\n`);
    },
    info(message: string) {
      stderrWrite(`${message}\n`);
    },
  };
}
