#!/usr/bin/env node
/**
 * `npm run -s local -- <service> [flags]`: runs one Lambda on this machine, same handler code as in AWS.
 * `npm run -s local -- --help` lists the services. Stdout carries only results; logs go to stderr (`-s` keeps npm's
 * own `> greenlang-observability local` banner off stdout). Errors are one line on stderr: exit 2 for bad flags,
 * 1 for anything else.
 */
import './check-node';
import { routeLogsToStderr } from '../lambdas/local/output';
import { localServices } from '../lambdas/local/registry';
import { oneLineError, UsageError } from '../lambdas/local/service';

async function main(argv: string[]): Promise<number> {
  const output = routeLogsToStderr();
  const services = localServices();
  const [name, ...rest] = argv;
  const list = services.map((s) => `  ${s.name.padEnd(12)} ${s.summary}`).join('\n') || '  (none)';
  const usage = `Usage: npm run -s local -- <service> [flags]   (npm run -s local -- <service> --help for its flags)\n\nServices:\n${list}`;
  const names = services.map((s) => s.name).join(', ');

  if (name === undefined) {
    output.info(`local: name a service (${names}); npm run -s local -- --help describes them`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    output.result(usage);
    return 0;
  }
  const service = services.find((s) => s.name === name);
  if (!service) {
    output.info(`local: unknown service "${name}": use one of ${names} (npm run -s local -- --help describes them)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    output.result(`Usage: npm run -s local -- ${service.name} ${service.usage}`);
    return 0;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  try {
    await service.run(rest, output, controller.signal);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.info(
        `local ${service.name}: ${oneLineError(error)} (npm run -s local -- ${service.name} --help lists the flags)`,
      );
      return 2;
    }
    output.info(`local ${service.name}: ${oneLineError(error)}`);
    if (process.env.GREENLANG_STACK_TRACES === '1') output.info((error as Error).stack ?? '');
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
