import * as path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { freePort, type ManagedProcess, startProcess } from './processes';

export interface LocalServiceProcess extends ManagedProcess {
  readonly port: number;
  readonly url: string;
}

export interface LocalServiceOptions {
  /** The `npm run local` service name, e.g. `ingest` or `alerts`. */
  readonly service: string;
  /** Flags after `--port P`. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly onOutput?: (chunk: string) => void;
  /** @default a free port */
  readonly port?: number;
}

/**
 * Runs `npm run local -- <service> --port P ...` as a child process (the same entry point a user runs, without
 * npm's own start-up) and waits until it accepts connections.
 */
export async function startLocalService(options: LocalServiceOptions): Promise<LocalServiceProcess> {
  const port = options.port ?? (await freePort());
  const process_ = await startProcess({
    name: options.service,
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'bin', 'local.ts'),
      options.service,
      '--port',
      String(port),
      ...(options.args ?? []),
    ],
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    readyPort: port,
    onOutput: options.onOutput,
  });
  return { ...process_, port, url: `http://127.0.0.1:${port}` };
}
