/**
 * The local servers (`npm start`, `npm run local`) listen on 127.0.0.1, but a web page open in the developer's
 * browser can still reach them: a `text/plain` POST needs no CORS preflight, and a DNS-rebinding name can point at
 * 127.0.0.1. Push clients (the Prometheus client libraries, curl) and Alertmanager never send `Origin` and name a
 * loopback host; a browser always sends `Origin` with a cross-origin POST, PUT or DELETE, and the page's own host
 * name in `Host`. So either refuses the request before anything is read or delivered.
 */

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Why a request that looks like a browser's is refused (403), or undefined to serve it. */
export function browserRequestRefusal(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  if (headers.origin !== undefined) {
    return `refused: a request from a web page (Origin ${JSON.stringify(headers.origin)}) to a local server\n`;
  }
  const host = headers.host;
  if (host !== undefined && !LOOPBACK_HOST.test(host.trim())) {
    return `refused: Host ${JSON.stringify(host)} is not a loopback address (this server answers 127.0.0.1 only)\n`;
  }
  return undefined;
}
