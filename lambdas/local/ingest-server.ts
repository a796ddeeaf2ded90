import { bearerToken, sameToken } from '../adapters/bearer-token';
import { FileGroupStore, type StoreSync, updateEntry } from '../adapters/group-store';
import type { CredentialSource } from '../domain/basic-credentials';
import { abandonWriters, invalidateReplica, needsRepair } from '../domain/group-sync';
import { DEFAULT_PUSH_LIMITS, type PushLimits } from '../domain/push-limits';
import { composePushIngest, type PushParts, pushgatewayReplicas, syncTiming } from '../handlers/push-ingest/compose';
import type { Logger } from '../handlers/push-ingest/handler';
import { isAnswer, pushRequest } from '../handlers/push-ingest/request';
import { composePushRepair } from '../handlers/push-repair/compose';
import type { RepairReport } from '../handlers/push-repair/repair';
import { type Http1Answer, Http1Server } from './http1-server';
import { browserRequestRefusal } from './loopback-guard';

export interface IngestServerOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly pushgateways: readonly string[];
  /** Required as `Authorization: Bearer <token>` when set. */
  readonly token?: string;
  /** The basic-auth credentials the replicas admit (their `--web.config.file`). @default none sent */
  readonly pushgatewayCredentials?: CredentialSource;
  /** The repair store (the groups' records), kept across restarts. */
  readonly storeFile: string;
  /** When the store's writes reach the disk (group-store.ts, StoreSync). @default 'none' */
  readonly storeSync?: StoreSync;
  /** @default 1000 */
  readonly repairIntervalMs?: number;
  /** Overrides of {@link DEFAULT_PUSH_LIMITS}. */
  readonly limits?: Partial<PushLimits>;
  /** How long the ingestion waits for a replica. @default 5000 */
  readonly replicaTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface IngestServer {
  readonly url: string;
  readonly port: number;
  readonly store: FileGroupStore;
  /** Runs a repair pass now (or joins the one running). */
  repairNow(): Promise<RepairReport | undefined>;
  close(): Promise<void>;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * The push ingestion on 127.0.0.1, built by the Lambdas' composition roots (`composePushIngest`,
 * `composePushRepair`) with local parts: HTTP requests become push requests as API Gateway events do
 * (`pushRequest`), replicas are named `pushgateway-<i>` in the order given, the store is a local file, and a repair
 * pass runs every `repairIntervalMs`, beside the pushes.
 */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const logger = options.logger ?? silent;
  const limits: PushLimits = { ...DEFAULT_PUSH_LIMITS, ...options.limits };
  const replicaTimeoutMs = options.replicaTimeoutMs ?? 5000;
  const timing = syncTiming(replicaTimeoutMs);
  const replicas = pushgatewayReplicas(options.pushgateways, {
    timeoutMs: replicaTimeoutMs,
    credentials: options.pushgatewayCredentials,
  });
  const names = replicas.map((r) => r.name);
  const store = new FileGroupStore(options.storeFile, (entry) => needsRepair(entry, names), {
    sync: options.storeSync,
  });
  // Writers of a previous run died with it; what they sent may still land until the lease runs out. After a reboot
  // the store may have lost its last changes (not fsynced) while the replicas got them: nothing on them is proven.
  const started = Date.now();
  for (const entry of await store.all()) {
    await updateEntry(store, entry.record.id, (current) => {
      if (!current) return undefined;
      let next = abandonWriters(current, started, timing);
      if (store.rebooted) for (const name of names) next = invalidateReplica(next, name);
      return { entry: next, result: undefined };
    });
  }
  const parts: PushParts = { replicas, store, timing, logger };
  const handle = await composePushIngest(parts, limits);
  const repair = composePushRepair(parts);

  let repairing: Promise<RepairReport | undefined> | undefined;
  const repairNow = () => {
    repairing ??= repair()
      .then(async (report) => {
        if (report.synced > 0 || report.restarted.length > 0) logger.info('repair', { ...report });
        await store.compact();
        return report;
      })
      .catch((error) => {
        logger.error('repair failed', { error: String(error) });
        return undefined;
      })
      .finally(() => {
        repairing = undefined;
      });
    return repairing;
  };
  const timer = setInterval(() => void repairNow(), options.repairIntervalMs ?? 1000);
  timer.unref();

  const inFlight = new Set<Promise<unknown>>();
  const plain = { 'content-type': 'text/plain; charset=utf-8' };
  const server = new Http1Server(
    (req): Http1Answer | Promise<Http1Answer> => {
      const fromBrowser = browserRequestRefusal(req.headers);
      if (fromBrowser) return { status: 403, headers: plain, body: fromBrowser };
      if (req.method === 'GET' && (req.target === '/-/ready' || req.target === '/-/healthy')) {
        return { status: 200, headers: plain, body: 'OK\n' };
      }
      const given = bearerToken(req.headers.authorization);
      // Constant-time: digests of equal length through timingSafeEqual (bearer-token.ts).
      if (options.token !== undefined && (given === undefined || !sameToken(given, options.token))) {
        return { status: 401, headers: { ...plain, 'www-authenticate': 'Bearer' }, body: 'unauthorized\n' };
      }
      const query = req.target.indexOf('?');
      const request = pushRequest({
        method: req.method,
        rawPath: query < 0 ? req.target : req.target.slice(0, query),
        headers: req.headers,
        body: req.body,
      });
      if (isAnswer(request)) return request;
      const handling = handle(request);
      inFlight.add(handling);
      void handling.finally(() => inFlight.delete(handling)).catch(() => {});
      return handling;
    },
    {
      maxBodyBytes: limits.maxBodyBytes,
      onError: (error) => logger.error('push failed', { error: String(error) }),
    },
  );
  const port = await server.listen(options.port ?? 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    repairNow,
    async close() {
      clearInterval(timer);
      await server.close();
      await Promise.all([...inFlight]);
      await repairing;
      await store.close();
    },
  };
}
