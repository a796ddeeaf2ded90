#!/usr/bin/env node
/**
 * `npm start [-- --env dev|staging|prod] [--keep-data] [--verbose] [--work-dir DIR]`: the whole loop on this
 * machine, on loopback: real Prometheus (the project's rules), Alertmanager (the project's routes), two Pushgateways
 * (Debian packages), the push ingestion in front of them, the alert fan-out, stand-ins for Slack, PagerDuty, SNS and
 * S3 (its Thanos bucket seeded with blocks). Prints the URLs, writes them to `.local/endpoints.json` and the AWS
 * settings of the stand-ins to `.local/aws.env`, records every notification in `.local/notifications.jsonl`.
 *
 * Stdout: the URL table and each notification; stderr: progress and errors. Every start is clean (the previous
 * run's data is removed) unless `--keep-data`. One instance per working folder. SIGINT, SIGTERM, SIGHUP, or npm
 * going away stop everything it started.
 */
import './check-node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../lib/config';
import {
  acquireInstanceLock,
  InstanceRunningError,
  killRemainingChildren,
  resetWorkDir,
  watchParent,
} from '../lib/devstack/lifecycle';
import { LOCAL_STACK_BINARIES, type LocalStack, startLocalStack } from '../lib/devstack/local-stack';
import { requireBinaries } from '../lib/devstack/processes';
import { displayPath, PROJECT_ROOT } from '../lib/paths';

const USAGE = 'npm start [-- --env dev|staging|prod] [--keep-data] [--verbose] [--work-dir DIR (default .local)]';
const HELP = `Usage: ${USAGE}

  --env        whose rules and routes to run (default dev)
  --keep-data  keep the previous run's data (Prometheus history, Alertmanager silences, pushed groups, S3 stand-in);
               by default every start is clean, so nothing from the last run fires again
  --verbose    copy every component's log lines to stderr
  --work-dir   where configs, data, endpoints.json, aws.env and notifications.jsonl go`;

/** Exit codes: 2 bad flags, 1 anything else that stops the start. */
function fail(message: string, code: 1 | 2 = 1): never {
  process.stderr.write(`start: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(code);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        env: { type: 'string', default: 'dev' },
        'keep-data': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        'work-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.local') },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message}. Usage: ${USAGE}`, 2);
  }
}

function printEndpoints(stack: LocalStack, workDir: string): void {
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
  process.stdout.write(
    `env ${endpoints.env}\n${rows.map(([name, url]) => `  ${name.padEnd(18)} ${url}`).join('\n')}\n\n` +
      `Endpoints: ${displayPath(path.join(workDir, 'endpoints.json'))}. AWS settings of the stand-ins: ` +
      `${displayPath(endpoints.awsEnv)}. Notifications: ${displayPath(endpoints.notifications)}.\n` +
      `The Pushgateways admit one basic-auth user, as in the cluster: ${displayPath(endpoints.pushgatewayAuth)}.\n` +
      `Try: printf 'nightly_export_rows 1200\\n' | curl --data-binary @- ${endpoints.ingest}/metrics/job/nightly_export\n` +
      `     source ${displayPath(endpoints.awsEnv)}\n` +
      `     npm run -s local -- audit --bucket ${endpoints.s3.thanosBucket} --report-bucket ${endpoints.s3.reportsBucket}\n` +
      `     npm run -s local -- summary --query-url ${endpoints.prometheus} --topic-arn ${endpoints.topics.summary} --reports s3://${endpoints.s3.reportsBucket}\n` +
      'Ctrl-C stops everything.\n',
  );
}

async function main(): Promise<void> {
  const values = parseFlags();
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const env = values.env ?? 'dev';
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
    fail(`--env must be one of ${ENVIRONMENT_NAMES.join(', ')}, got ${JSON.stringify(env)}. Usage: ${USAGE}`, 2);
  }
  const workDir = path.resolve(values['work-dir'] ?? '.local');
  try {
    requireBinaries(LOCAL_STACK_BINARIES);
  } catch (error) {
    fail((error as Error).message);
  }

  let lock: ReturnType<typeof acquireInstanceLock>;
  try {
    lock = acquireInstanceLock(workDir);
  } catch (error) {
    if (error instanceof InstanceRunningError) fail(error.message);
    throw error;
  }

  let stack: LocalStack | undefined;
  let startupSignal: NodeJS.Signals | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number, why: string) => {
    stopping ??= (async () => {
      process.stderr.write(`\nStopping (${why})...\n`);
      try {
        await stack?.stop();
      } finally {
        const left = killRemainingChildren().filter((p) => p.command !== 'esbuild');
        if (left.length > 0) {
          process.stderr.write(`start: killed leftover ${left.map((p) => `${p.command} (${p.pid})`).join(', ')}\n`);
        }
        // The URLs are dead now: a stale endpoints.json would send the next command to ports nobody serves.
        fs.rmSync(path.join(workDir, 'endpoints.json'), { force: true });
        lock.release();
        process.exit(code);
      }
    })();
    return stopping;
  };
  // Registered before anything starts: a signal during start-up stops what has started so far.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stack) void shutdown(0, signal);
      else startupSignal ??= signal;
    });
  }
  watchParent(() => void shutdown(0, 'npm went away'));
  // A reader that goes away (`npm start | head`) must not crash the loop and orphan what it started; nor may any
  // other unexpected error: it stops everything, in one line.
  process.stdout.on('error', () => undefined);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`start: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
    void shutdown(1, 'unexpected error');
  });

  resetWorkDir(workDir, { keepData: values['keep-data'] });
  process.stderr.write(
    `Starting the local loop (${values['keep-data'] ? 'keeping the previous data' : 'clean state; --keep-data keeps history'})...\n`,
  );
  try {
    stack = await startLocalStack({
      workDir,
      env: env as EnvironmentName,
      onLog: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      onNotification: (line) => process.stdout.write(`notification  ${line}\n`),
    });
  } catch (error) {
    // startLocalStack stopped what it had started. A component's own output can be long: it goes to a file.
    const text = error instanceof Error ? error.message : String(error);
    const [first = '', ...more] = text.split('\n');
    let where = '';
    if (more.length > 0) {
      const logFile = path.join(workDir, 'start-error.log');
      fs.writeFileSync(logFile, `${text}\n`);
      where = ` (details: ${displayPath(logFile)})`;
    }
    killRemainingChildren();
    lock.release();
    fail(`${first}${where}`);
  }
  if (startupSignal) {
    await shutdown(0, startupSignal);
    return;
  }
  printEndpoints(stack, workDir);

  // A component that dies takes the loop down with its last words, rather than leaving half a stack running.
  for (const component of stack.components) {
    void component.exited.then((code) => {
      if (stopping) return;
      // A terminal signals the whole process group (Ctrl-C, closing it): a component may die of it before this
      // script's own handler runs. That is a stop, not a crash.
      const signal = component.child.signalCode;
      if (signal === 'SIGHUP' || signal === 'SIGINT' || signal === 'SIGTERM') {
        void shutdown(0, `${signal} to ${component.name}`);
        return;
      }
      process.stderr.write(`${component.name} exited (${code}):\n${component.output().slice(-2000)}\n`);
      void shutdown(1, `${component.name} exited`);
    });
  }
}

main().catch((error: Error) => fail(error.message));
