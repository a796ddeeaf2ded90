import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for the SaaS the alert fan-out talks to: a Slack incoming webhook and PagerDuty's Events API
 * v2. They answer like the vendors (status codes, bodies, Retry-After), check the vendors' documented limits,
 * record every request, and fail on demand. Used by the tests and as local sinks by `npm start`.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** The status the stand-in answered. */
  readonly status: number;
  readonly at: number;
}

/** An answer to force instead of the normal one, e.g. `{ status: 429, headers: { 'retry-after': '1' } }`. */
export interface ForcedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SaasStandIn {
  /** The URL to configure in the client (Slack: the webhook URL; PagerDuty: the enqueue URL). */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests the stand-in accepted (2xx). */
  accepted(): RecordedRequest[];
  /** The next requests get these answers, one each, before normal service resumes. */
  failNext(...answers: ForcedAnswer[]): void;
  /** Resolves once `predicate(requests)` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: (requests: readonly RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets recorded requests and pending failures. */
  reset(): void;
  stop(): Promise<void>;
}

type Judge = (req: { path: string; body: string; json: unknown }) => {
  status: number;
  body: string;
  contentType: string;
};

async function startStandIn(name: string, urlPath: string, judge: Judge, port = 0): Promise<SaasStandIn> {
  const requests: RecordedRequest[] = [];
  const forced: ForcedAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      const force = forced.shift();
      const answer =
        force !== undefined
          ? { status: force.status, body: force.body ?? '', contentType: 'text/plain', headers: force.headers ?? {} }
          : req.method !== 'POST' || path !== urlPath
            ? { status: 404, body: 'no_service', contentType: 'text/plain', headers: {} }
            : { ...judge({ path, body, json }), headers: {} };
      requests.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        json,
        status: answer.status,
        at: Date.now(),
      });
      res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}${urlPath}`,
    port: actualPort,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    failNext: (...answers) => {
      forced.push(...answers);
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) {
          throw new Error(`${name} stand-in: condition not met within ${timeoutMs} ms (${requests.length} requests)`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    reset() {
      requests.length = 0;
      forced.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack's documented Block Kit limits, checked the way Slack refuses a message (400 `invalid_blocks`). */
function slackProblems(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return ['invalid_payload'];
  const message = json as { text?: unknown; blocks?: unknown };
  if (message.text === undefined && message.blocks === undefined) return ['no_text'];
  if (message.blocks === undefined) return [];
  if (!Array.isArray(message.blocks) || message.blocks.length > 50) return ['invalid_blocks'];
  for (const block of message.blocks as { type?: string; text?: { text?: string }; elements?: unknown }[]) {
    if (block.type === 'header' && (block.text?.text ?? '').length > 150) return ['invalid_blocks'];
    if (block.type === 'section' && (block.text?.text ?? '').length > 3000) return ['invalid_blocks'];
  }
  return [];
}

/**
 * A Slack incoming webhook: POST a message to `url` → 200 `ok`; not JSON → 400 `invalid_payload`; over the Block
 * Kit limits → 400 `invalid_blocks`. Force 429s (`failNext({status: 429, headers: {'retry-after': '1'}})`) or 5xx.
 */
export function startSlackStandIn(options: { port?: number } = {}): Promise<SaasStandIn> {
  return startStandIn(
    'slack',
    '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    ({ json }) => {
      const problems = slackProblems(json);
      return problems.length > 0
        ? { status: 400, body: problems[0] ?? 'invalid_payload', contentType: 'text/plain' }
        : { status: 200, body: 'ok', contentType: 'text/plain' };
    },
    options.port,
  );
}

const PD_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'];

function pagerDutyProblems(body: string, json: unknown): string[] {
  if (Buffer.byteLength(body) > 512 * 1024) return ['Event object is larger than 512 KB'];
  if (typeof json !== 'object' || json === null) return ['Event object is invalid'];
  const e = json as {
    routing_key?: unknown;
    event_action?: unknown;
    dedup_key?: unknown;
    payload?: { summary?: unknown; source?: unknown; severity?: unknown };
  };
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32)
    errors.push("'routing_key' must be 32 characters");
  if (typeof e.event_action !== 'string' || !PD_ACTIONS.includes(e.event_action))
    errors.push("'event_action' is invalid");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) {
    errors.push("'dedup_key' must be at most 255 characters");
  }
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (typeof p?.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024) {
      errors.push("'payload.summary' is missing or longer than 1024");
    }
    if (typeof p?.source !== 'string' || p.source.length === 0) errors.push("'payload.source' is missing");
    if (typeof p?.severity !== 'string' || !PD_SEVERITIES.includes(p.severity))
      errors.push("'payload.severity' is invalid");
  } else if (typeof e.dedup_key !== 'string') {
    errors.push("'dedup_key' is required for acknowledge and resolve");
  }
  return errors;
}

/**
 * PagerDuty Events API v2 (`url` = `.../v2/enqueue`): valid event → 202 `{status: 'success', message, dedup_key}`;
 * invalid → 400 `{status: 'invalid event', message, errors}`. Force 429s or 5xx with `failNext`.
 */
export function startPagerDutyStandIn(options: { port?: number } = {}): Promise<SaasStandIn> {
  let generated = 0;
  return startStandIn(
    'pagerduty',
    '/v2/enqueue',
    ({ body, json }) => {
      const errors = pagerDutyProblems(body, json);
      if (errors.length > 0) {
        return {
          status: 400,
          body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }),
          contentType: 'application/json',
        };
      }
      const dedup = (json as { dedup_key?: string }).dedup_key ?? `generated-${++generated}`;
      return {
        status: 202,
        body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedup }),
        contentType: 'application/json',
      };
    },
    options.port,
  );
}
