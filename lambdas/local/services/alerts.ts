import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { type AlertHistoryStore, fileAlertHistoryStore, s3AlertHistoryStore } from '../../adapters/alert-history';
import { type DeadLetterStore, fileDeadLetterStore, memoryDeadLetterStore } from '../../adapters/dead-letters';
import { memoryDeliveryGuard } from '../../adapters/delivery-guard';
import { PAGERDUTY_EVENTS_URL } from '../../adapters/notifiers/pagerduty';
import type { RetryPolicy } from '../../adapters/notifiers/retry';
import type { DeadLetter } from '../../domain/alerts/dead-letter';
import { IN_PROCESS_IDEMPOTENCY_TTL_SECONDS } from '../../domain/alerts/idempotency';
import type { DeliveryTarget } from '../../domain/alerts/routing';
import { composeDeliverNotification, type DeliveryTargets, targetsOn } from '../../handlers/alert-delivery/compose';
import type { DeliverNotification, DeliveryDeps } from '../../handlers/alert-delivery/handler';
import { composeAlertWebhookWith } from '../../handlers/alert-webhook/compose';
import { awsClientConfig } from '../aws';
import { browserRequestRefusal } from '../loopback-guard';
import { type LocalService, parseFlags, UsageError } from '../service';
import { localToken, TOKEN_FLAGS, tokenUsage } from '../token';

/** The environment variable the bearer token can come from (kept out of `ps`, unlike --token). */
export const ALERTS_TOKEN_ENV = 'ALERT_WEBHOOK_TOKEN';

export interface AlertFanoutServerOptions {
  /** @default a free port */
  readonly port?: number;
  /** Bearer token required on POST /alerts. @default none */
  readonly token?: string;
  readonly slackWebhookUrl?: string;
  readonly pagerDutyEventsUrl?: string;
  /** PagerDuty is on when set. */
  readonly pagerDutyRoutingKey?: string;
  /** Critical email through SNS is on when set (endpoint from AWS_ENDPOINT_URL_SNS). */
  readonly emailTopicArn?: string;
  /** Write alert history as `<dir>/alert-history/<yyyy>/<mm>/<dd>/<key>.json`. @default not recorded */
  readonly historyDir?: string;
  /** Or write it to this bucket, as in AWS (`AWS_ENDPOINT_URL_S3` for a local S3). */
  readonly historyBucket?: string;
  /** Also write dead letters as `<dir>/dead-letters/<yyyy>/<mm>/<dd>/<key>-<target>.json`. @default memory only */
  readonly deadLetterDir?: string;
  readonly retryPolicy?: RetryPolicy;
  /** Replaces the delivery function (benchmarks with no-op sinks). */
  readonly deliver?: DeliverNotification;
  /** Where the fan-out logs (redacted text only). @default a Powertools Logger (JSON lines) */
  readonly logger?: DeliveryDeps['logger'];
}

export interface AlertFanoutServer {
  readonly url: string;
  readonly port: number;
  /** Targets switched on. */
  readonly targets: readonly DeliveryTarget[];
  /** Notifications a target refused for good, in order (also in `deadLetterDir` when set). */
  readonly deadLetters: readonly DeadLetter[];
  stop(): Promise<void>;
}

/**
 * The fan-out on loopback: POST /alerts runs the webhook handler, and delivery runs in-process through the same
 * delivery function the queue consumer uses (there is no queue locally), so the answer waits for delivery:
 * - delivered, or refused for good by a target and dead-lettered → 202 (the body lists `deadLettered`). A 2xx is
 *   the one answer after which Alertmanager does not send the notification again: a 4xx is not retried at once
 *   (notify/util.go L183-207 @00c66763) but, not being logged as sent, it goes out again at the next
 *   group_interval (notify/notify.go `DedupStage.needsUpdate`: `if entry == nil { return len(firing) > 0 }`);
 * - a retryable failure (5xx, 429, network, deadline) → 503, which Alertmanager retries, as before.
 */
export async function startAlertFanoutServer(options: AlertFanoutServerOptions): Promise<AlertFanoutServer> {
  const logger = options.logger ?? new Logger({ serviceName: 'alert-fanout-local' });
  const { slackWebhookUrl, pagerDutyRoutingKey } = options;
  // The delivery function's graph (alert-delivery/compose.ts), with secrets from the options instead of Secrets
  // Manager, an in-memory guard, and history and dead letters on disk (or the local S3).
  const targets: DeliveryTargets = {
    slackWebhookUrl: slackWebhookUrl ? async () => slackWebhookUrl : undefined,
    pagerDutyRoutingKey: pagerDutyRoutingKey ? async () => pagerDutyRoutingKey : undefined,
    pagerDutyEventsUrl: options.pagerDutyEventsUrl ?? PAGERDUTY_EVENTS_URL,
    emailTopicArn: options.emailTopicArn,
  };
  const history: AlertHistoryStore = options.historyBucket
    ? s3AlertHistoryStore(
        new S3Client(awsClientConfig('S3', { endpointFlag: 'AWS_ENDPOINT_URL_S3' })),
        options.historyBucket,
      )
    : options.historyDir
      ? fileAlertHistoryStore(options.historyDir)
      : { put: async () => undefined };
  const remembered = memoryDeadLetterStore();
  const onDisk = options.deadLetterDir ? fileDeadLetterStore(options.deadLetterDir) : undefined;
  const deadLetters: DeadLetterStore = {
    async put(letter) {
      await onDisk?.put(letter);
      await remembered.put(letter);
    },
  };
  const deliver =
    options.deliver ??
    composeDeliverNotification(targets, {
      retryPolicy: options.retryPolicy,
      deadLetters,
      guard: memoryDeliveryGuard(IN_PROCESS_IDEMPOTENCY_TTL_SECONDS),
      history,
      logger,
    });
  const token = options.token;
  // The webhook's graph (alert-webhook/compose.ts), with the token from the options and delivery in-process.
  const webhook = composeAlertWebhookWith({
    token: token ? async () => token : undefined,
    accept: async (notification) => {
      const result = await deliver(notification);
      return {
        key: result.key,
        delivered: result.delivered,
        duplicates: result.duplicates,
        deadLettered: result.deadLettered,
      };
    },
    logger,
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      const fromBrowser = browserRequestRefusal(req.headers as Record<string, string | undefined>);
      if (fromBrowser) return send(403, JSON.stringify({ error: fromBrowser.trim() }));
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/alerts') return send(404, JSON.stringify({ error: `no route ${path}: POST /alerts` }));
      if (req.method !== 'POST') return send(405, JSON.stringify({ error: 'use POST /alerts' }), { allow: 'POST' });
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      );
      webhook({ headers, body: Buffer.concat(chunks).toString('utf8'), isBase64Encoded: false }).then(
        (r) => send(r.statusCode ?? 200, r.body ?? '', (r.headers ?? {}) as Record<string, string>),
        (error: unknown) => {
          // Permanent refusals were dead-lettered and answered 202; what is thrown may succeed later: 503, which
          // Alertmanager retries. Messages of DeliveryError are redacted.
          const message = error instanceof Error ? error.message : String(error);
          logger.error('alert delivery failed, Alertmanager will retry', { message });
          send(503, JSON.stringify({ error: message }));
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    port,
    targets: targetsOn(targets),
    deadLetters: remembered.letters,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const service: LocalService = {
  name: 'alerts',
  summary: 'alert fan-out: POST /alerts (Alertmanager webhook) → Slack, PagerDuty, SNS email',
  usage: [
    '--port P [--token-file F | --token T] [--history-dir DIR | --history-bucket NAME] [--dead-letter-dir DIR]',
    '',
    '  --port P           listen on 127.0.0.1:P (required)',
    ...tokenUsage(ALERTS_TOKEN_ENV),
    '  --history-dir DIR  write alert history as JSON under DIR (same layout as the reports bucket)',
    '  --history-bucket NAME  write it to this reports bucket (AWS_ENDPOINT_URL_S3 for a local S3)',
    '  --dead-letter-dir DIR  write notifications a target refused for good under DIR/dead-letters/',
    '',
    'Environment: SLACK_WEBHOOK_URL (Slack on when set), PAGERDUTY_ROUTING_KEY (PagerDuty on when set),',
    `PAGERDUTY_EVENTS_URL (default ${PAGERDUTY_EVENTS_URL}), ALERT_EMAIL_TOPIC_ARN + AWS_ENDPOINT_URL_SNS (email).`,
  ].join('\n'),
  async run(argv, output, signal) {
    const values = parseFlags(argv, {
      port: { type: 'string' },
      ...TOKEN_FLAGS,
      'history-dir': { type: 'string' },
      'dead-letter-dir': { type: 'string' },
      'history-bucket': { type: 'string' },
    });
    if (values['history-dir'] !== undefined && values['history-bucket'] !== undefined) {
      throw new UsageError('--history-dir and --history-bucket exclude each other: pick where alert history goes');
    }
    if (values.port === undefined) throw new UsageError('--port is required');
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) {
      throw new UsageError(`--port must be a port number 1..65535, got "${values.port}"`);
    }
    const env = process.env;
    const server = await startAlertFanoutServer({
      port,
      token: localToken(values, ALERTS_TOKEN_ENV, env),
      slackWebhookUrl: env.SLACK_WEBHOOK_URL || undefined,
      pagerDutyEventsUrl: env.PAGERDUTY_EVENTS_URL || undefined,
      pagerDutyRoutingKey: env.PAGERDUTY_ROUTING_KEY || undefined,
      emailTopicArn: env.ALERT_EMAIL_TOPIC_ARN || undefined,
      historyDir: values['history-dir'],
      deadLetterDir: values['dead-letter-dir'],
      historyBucket: values['history-bucket'],
    });
    output.info(`alerts: POST ${server.url} → ${server.targets.join(', ') || 'no targets (set SLACK_WEBHOOK_URL...)'}`);
    output.result({ url: server.url, targets: server.targets });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.stop();
  },
};
