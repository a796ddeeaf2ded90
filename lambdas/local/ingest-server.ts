import * as http from 'node:http';
import { bearerToken, sameToken } from '../adapters/bearer-token';
import { pushgatewayReplica } from '../adapters/pushgateway';
import { FileRepairJournal } from '../adapters/repair-journal';
import { type Logger, makeHandler, makeRepair, type PushRequest } from '../handlers/push-ingest/handler';

export interface IngestServerOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly pushgateways: readonly string[];
  /** Required as `Authorization: Bearer <token>` when set. */
  readonly token?: string;
  readonly journalFile: string;
  /** @default 2000 (the issue asks for at most 5 s) */
  readonly repairIntervalMs?: number;
  /** @default 5 MiB */
  readonly maxPayloadBytes?: number;
  /** Age limit of the replicas' state used to validate (see `PushIngestDeps.stateMaxAgeMs`). @default 1000 */
  readonly stateMaxAgeMs?: number;
  readonly logger?: Logger;
}

export interface IngestServer {
  readonly url: string;
  readonly port: number;
  readonly journal: FileRepairJournal;
  /** Runs the repair now (tests). */
  repairNow(): Promise<void>;
  close(): Promise<void>;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * The push ingestion on 127.0.0.1, with the same handler as the Lambda: HTTP requests become {@link PushRequest}s,
 * replicas are named `pushgateway-<i>` in the order given, and the repair runs every `repairIntervalMs`.
 */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const logger = options.logger ?? silent;
  const maxPayloadBytes = options.maxPayloadBytes ?? 5 * 1024 * 1024;
  const replicas = options.pushgateways.map((url, i) => pushgatewayReplica(`pushgateway-${i}`, url));
  const journal = new FileRepairJournal(options.journalFile);
  const handle = makeHandler({
    replicas,
    journal,
    maxPayloadBytes,
    logger,
    stateMaxAgeMs: options.stateMaxAgeMs ?? 1000,
  });
  const repair = makeRepair({ replicas, journal, logger });

  let repairing: Promise<void> | undefined;
  const repairNow = () => {
    repairing ??= repair()
      .then((report) => {
        if (report.replayed > 0 || report.dropped > 0) logger.info('repair', { ...report });
      })
      .catch((error) => logger.error('repair failed', { error: String(error) }))
      .finally(() => {
        repairing = undefined;
      });
    return repairing;
  };
  const timer = setInterval(() => void repairNow(), options.repairIntervalMs ?? 2000);
  timer.unref();

  const server = http.createServer((req, res) => {
    const reply = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.method === 'GET' && (req.url === '/-/ready' || req.url === '/-/healthy')) {
      reply(200, { 'content-type': 'text/plain; charset=utf-8' }, 'OK\n');
      return;
    }
    const given = bearerToken(req.headers.authorization);
    // Constant-time: digests of equal length through timingSafeEqual (bearer-token.ts).
    if (options.token !== undefined && (given === undefined || !sameToken(given, options.token))) {
      reply(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' }, 'unauthorized\n');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxPayloadBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        reply(
          413,
          { 'content-type': 'text/plain; charset=utf-8' },
          `push body exceeds the limit of ${maxPayloadBytes} bytes\n`,
        );
        return;
      }
      const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        reply(400, { 'content-type': 'text/plain; charset=utf-8' }, `invalid percent-encoding in path "${rawPath}"\n`);
        return;
      }
      const request: PushRequest = {
        method: req.method ?? 'GET',
        path,
        rawPath,
        headers: req.headers as Record<string, string | undefined>,
        body: Buffer.concat(chunks),
      };
      handle(request).then(
        (response) => reply(response.status, response.headers, response.body),
        (error) => {
          logger.error('push failed', { error: String(error) });
          reply(500, { 'content-type': 'text/plain; charset=utf-8' }, 'internal error\n');
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    journal,
    repairNow,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await repairing;
    },
  };
}
