import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { STORE_SYNC_MODES, type StoreSync } from '../../adapters/group-store';
import { type CredentialSource, readCredentials } from '../../domain/basic-credentials';
import { startIngestServer } from '../ingest-server';
import { type LocalService, parseFlags, UsageError } from '../service';
import { localToken, TOKEN_FLAGS } from '../token';

/** `npm run local -- ingest --port P --pushgateway URL --pushgateway URL2 [--token T]` */
export const service: LocalService = {
  name: 'ingest',
  summary: 'the push API (Pushgateway-compatible) in front of real Pushgateways, keeping them in step',
  usage:
    '--port P --pushgateway URL [--pushgateway URL2 ...] [--token T] [--store FILE] [--store-sync always|none]\n' +
    '  [--max-payload-bytes N] [--pushgateway-auth-file F]\n' +
    '  --port               listen on 127.0.0.1:P (0 = any free port)\n' +
    '  --pushgateway        a replica URL; repeat for each replica (named pushgateway-0, pushgateway-1, ...)\n' +
    '  --token              require "Authorization: Bearer T" (no auth without it; shows in ps)\n' +
    '  --token-file F       the same, the token read from file F (or set INGEST_TOKEN)\n' +
    "  --store              the repair store: every group's record (default .local/ingest-store-<port>.jsonl)\n" +
    '  --store-sync         none (default): a push is written to the store before the replicas and survives the\n' +
    '                       ingestion being killed; always: also fsynced, so it survives an OS crash (slower)\n' +
    '  --max-payload-bytes  largest push body (default 4194304)\n' +
    '  --pushgateway-auth-file  the basic-auth user the replicas admit (their --web.config.file), as JSON\n' +
    '                       {"username": "...", "password": "..."}; read again when a replica answers 401',
  async run(argv, output, signal) {
    const values = parseFlags(argv, {
      port: { type: 'string' },
      pushgateway: { type: 'string', multiple: true },
      ...TOKEN_FLAGS,
      store: { type: 'string' },
      'store-sync': { type: 'string' },
      'max-payload-bytes': { type: 'string' },
      'pushgateway-auth-file': { type: 'string' },
    });
    if (values.port === undefined) {
      throw new UsageError('--port is required: the port to listen on, e.g. --port 9091 (0 = any free port)');
    }
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port must be a port number 0..65535, got ${JSON.stringify(values.port)}`);
    }
    const pushgateways = values.pushgateway ?? [];
    if (pushgateways.length === 0) throw new UsageError('at least one --pushgateway URL is required');
    for (const url of pushgateways) {
      if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--pushgateway must be an http(s) URL, got "${url}"`);
    }
    const token = localToken(values, 'INGEST_TOKEN');
    const maxPayload = values['max-payload-bytes'];
    if (maxPayload !== undefined && !/^[1-9]\d*$/.test(maxPayload)) {
      throw new UsageError(`--max-payload-bytes must be a positive integer, got "${maxPayload}"`);
    }
    const storeSync = values['store-sync'];
    if (storeSync !== undefined && !STORE_SYNC_MODES.includes(storeSync as StoreSync)) {
      throw new UsageError(`--store-sync must be one of ${STORE_SYNC_MODES.join(', ')}, got "${storeSync}"`);
    }
    const authFile = values['pushgateway-auth-file'];
    const pushgatewayCredentials = authFile === undefined ? undefined : await fileCredentials(authFile);
    const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
      output.info(JSON.stringify({ level, message, ...extra }));
    const server = await startIngestServer({
      port: Number(values.port),
      pushgateways,
      token,
      storeFile: values.store ?? path.join('.local', `ingest-store-${values.port}.jsonl`),
      storeSync: storeSync as StoreSync | undefined,
      pushgatewayCredentials,
      limits: maxPayload === undefined ? undefined : { maxBodyBytes: Number(maxPayload) },
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
    });
    output.result({ url: server.url, pushgateways, auth: token !== undefined, groups: server.store.size() });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
  },
};

/** The replicas' credentials from `file`, read now (a usage error naming the flag if unreadable or invalid). */
async function fileCredentials(file: string): Promise<CredentialSource> {
  const source = `--pushgateway-auth-file ${file}`;
  const read = async () => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`${source}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  try {
    return await readCredentials(read, source);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
