import { refuse } from './answers';
import type { PushRequest, PushResponse } from './handler';

/** A request as an HTTP front end received it: API Gateway's event in Lambda, the local server (lambdas/local/http1-server.ts) locally. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path as received, still percent-encoded, without the query. */
  readonly rawPath: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

/**
 * The {@link PushRequest} both front ends hand the handler: the path percent-decoded, as the Pushgateway's router
 * sees it, and header names lower-cased. A path that is not valid percent-encoding is answered 400 here.
 */
export function pushRequest(received: ReceivedRequest): PushRequest | PushResponse {
  const { rawPath } = received;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return refuse(400, `invalid percent-encoding in path "${rawPath}"`);
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(received.headers)) headers[name.toLowerCase()] = value;
  return { method: received.method, path, rawPath, headers, body: received.body };
}

/** Whether {@link pushRequest} answered already. */
export function isAnswer(value: PushRequest | PushResponse): value is PushResponse {
  return 'status' in value;
}
