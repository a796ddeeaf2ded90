#!/usr/bin/env node
/**
 * `npm start [-- --env dev|staging|prod] [--verbose]`: the whole loop on this machine, on loopback: real
 * Prometheus (the project's rules), Alertmanager (the project's routes), two Pushgateways (Debian packages), the
 * push ingestion in front of them, the alert fan-out, and stand-ins for Slack, PagerDuty and email. Prints the
 * URLs, writes them to `.local/endpoints.json`, records every notification in `.local/notifications.jsonl`.
 * Ctrl-C stops everything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config';
import { startLocalStack } from '../lib/devstack/local-stack';
import { PROJECT_ROOT } from '../lib/paths';

const USAGE = 'Usage: npm start [-- --env dev|staging|prod] [--verbose] [--work-dir DIR (default .local)]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'dev' },
      verbose: { type: 'boolean', default: false },
      'work-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.local') },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const workDir = path.resolve(values['work-dir'] ?? '.local');
  fs.mkdirSync(workDir, { recursive: true });
  console.log('Starting the local loop (Prometheus, Alertmanager, 2 Pushgateways, ingestion, alert fan-out, sinks)...');
  const stack = await startLocalStack({
    workDir,
    env: values.env as 'dev',
    onLog: values.verbose ? (line) => console.error(line) : undefined,
    onNotification: (line) => console.log(`notification  ${line}`),
  });

  const { endpoints } = stack;
  const rows: [string, string][] = [
    ['prometheus', endpoints.prometheus],
    ['alertmanager', endpoints.alertmanager],
    ['ingest', `${endpoints.ingest}  (Pushgateway API: PUT/POST/DELETE /metrics/job/<job>...)`],
    ['alerts', `${endpoints.alerts}/alerts  (Alertmanager's webhook)`],
    ...endpoints.pushgateways.map((url, i): [string, string] => [`pushgateway-${i}`, url]),
    ['slack (sink)', endpoints.sinks.slack],
    ['pagerduty (sink)', endpoints.sinks.pagerduty],
    ['sns/email (sink)', endpoints.sinks.sns],
    ['s3 (stand-in)', `${endpoints.s3.url}  (buckets ${endpoints.s3.thanosBucket}, ${endpoints.s3.reportsBucket})`],
  ];
  console.log(`\nenv ${endpoints.env}\n${rows.map(([name, url]) => `  ${name.padEnd(18)} ${url}`).join('\n')}`);
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  console.log(
    `\nEndpoints: ${relative(path.join(workDir, 'endpoints.json'))}. Notifications: ${relative(endpoints.notifications)}.\n` +
      `Try: printf 'greenlang_thanos_compactor_halted 1\\ngreenlang_thanos_compactor_last_run_end_timestamp_seconds %s\\n' "$(date +%s)" \\\n` +
      `       | curl --data-binary @- ${endpoints.ingest}/metrics/job/thanos-compactor\n` +
      `     npm run local -- capacity --query-url ${endpoints.prometheus} --format markdown\n` +
      `     npm run local -- audit --bucket ${endpoints.s3.thanosBucket} --report-bucket ${endpoints.s3.reportsBucket} --s3-endpoint ${endpoints.s3.url}\n` +
      'Ctrl-C stops everything.\n',
  );

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // A component that dies takes the loop down with its last words, rather than leaving half a stack running.
  for (const component of stack.components) {
    void component.exited.then((code) => {
      if (stopping) return;
      console.error(`${component.name} exited (${code}):\n${component.output().slice(-2000)}`);
      void shutdown(1);
    });
  }
}

main().catch((error: Error) => {
  console.error(`start: ${error instanceof ConfigError ? error.message : (error.stack ?? error.message)}`);
  console.error(USAGE);
  process.exit(1);
});
