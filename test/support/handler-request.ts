import type { PushRequest } from '../../lambdas/handlers/push-ingest/handler';

/** A request as the push handler gets it (path already percent-decoded, raw path the same). */
export function handlerRequest(
  method: string,
  path: string,
  body: string | Buffer = '',
  headers: Record<string, string> = {},
): PushRequest {
  return { method, path, rawPath: path, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}
