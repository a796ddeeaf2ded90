#!/usr/bin/env node
/**
 * `npm run local -- <service> [flags]`: runs one Lambda on this machine, same handler code as in AWS.
 * `npm run local -- --help` lists the services. Stdout carries only results; logs go to stderr.
 */
import { routeLogsToStderr } from '../lambdas/local/output';
import { localServices } from '../lambdas/local/registry';
import { UsageError } from '../lambdas/local/service';

async function main(argv: string[]): Promise<number> {
  const output = routeLogsToStderr();
  const services = localServices();
  const [name, ...rest] = argv;
  const list = services.map((s) => `  ${s.name.padEnd(12)} ${s.summary}`).join('\n') || '  (none)';
  const usage = `Usage: npm run local -- <service> [flags]   (npm run local -- <service> --help for its flags)\n\nServices:\n${list}`;

  if (name === undefined) {
    output.info(usage);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    output.result(usage);
    return 0;
  }
  const service = services.find((s) => s.name === name);
  if (!service) {
    output.info(`local: unknown service "${name}"\n\n${usage}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    output.result(`Usage: npm run local -- ${service.name} ${service.usage}`);
    return 0;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await service.run(rest, output, controller.signal);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.info(
        `local ${service.name}: ${error.message}\n\nUsage: npm run local -- ${service.name} ${service.usage}`,
      );
      return 2;
    }
    output.info(`local ${service.name}: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
