/**
 * Go's `mime.ParseMediaType` (Go 1.19, src/mime/mediatype.go, the toolchain Debian builds prometheus-pushgateway
 * 1.5.1 with), as far as the Pushgateway's choice of push format needs it: the media type and parameter names
 * lower-cased, values as tokens or quoted strings, and an error wherever Go returns one (the Pushgateway then
 * falls back to the text format). RFC 2231 continuations (`name*0=...`) are not stitched together: Go keeps them
 * out of the plain parameters too, and no client sends them.
 */

export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** mime/grammar.go isTSpecial. */
const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(c: number): boolean {
  // mime/grammar.go isTokenChar: US-ASCII, no space, no CTLs, no tspecials.
  return c > 0x20 && c < 0x7f && !TSPECIALS.includes(String.fromCharCode(c));
}

/** unicode.IsSpace for the code points a header can carry. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
}

function skipSpace(v: string, at: number): number {
  while (at < v.length && isSpace(v.charCodeAt(at))) at++;
  return at;
}

function tokenEnd(v: string, at: number): number {
  while (at < v.length && isTokenChar(v.charCodeAt(at))) at++;
  return at;
}

/** consumeValue: a token or a quoted string (unescaping `\` before a tspecial only); undefined on failure. */
function consumeValue(v: string, at: number): { value: string; next: number } | undefined {
  if (at >= v.length) return undefined;
  if (v[at] !== '"') {
    const end = tokenEnd(v, at);
    return end === at ? undefined : { value: v.slice(at, end), next: end };
  }
  let value = '';
  for (let i = at + 1; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '"') return { value, next: i + 1 };
    if (c === '\\' && i + 1 < v.length && TSPECIALS.includes(v[i + 1] as string)) {
      value += v[i + 1];
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') return undefined;
    value += c;
  }
  return undefined;
}

/** The media type and parameters of a Content-Type header, or undefined where Go's parser returns an error. */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  const v = header ?? '';
  const semicolon = v.indexOf(';');
  const base = semicolon < 0 ? v : v.slice(0, semicolon);
  const type = base.toLowerCase().trim();
  // checkMediaTypeDisposition: token, optionally "/" token, nothing else.
  const typeEnd = tokenEnd(type, 0);
  if (typeEnd === 0) return undefined;
  if (typeEnd < type.length) {
    if (type[typeEnd] !== '/') return undefined;
    const subEnd = tokenEnd(type, typeEnd + 1);
    if (subEnd === typeEnd + 1 || subEnd !== type.length) return undefined;
  }
  const params = new Map<string, string>();
  let at = base.length;
  while (at < v.length) {
    at = skipSpace(v, at);
    if (at >= v.length) break;
    const param = consumeParam(v, at);
    if (param === undefined) {
      if (v.slice(at).trim() === ';') break; // trailing semicolons are not an error
      return undefined;
    }
    if (!param.key.includes('*')) {
      if (params.has(param.key)) return undefined; // "mime: duplicate parameter name"
      params.set(param.key, param.value);
    }
    at = param.next;
  }
  return { type, params };
}

/** consumeMediaParam: `; key = value`, the key lower-cased. */
function consumeParam(v: string, start: number): { key: string; value: string; next: number } | undefined {
  let at = skipSpace(v, start);
  if (v[at] !== ';') return undefined;
  at = skipSpace(v, at + 1);
  const keyEnd = tokenEnd(v, at);
  if (keyEnd === at) return undefined;
  const key = v.slice(at, keyEnd).toLowerCase();
  at = skipSpace(v, keyEnd);
  if (v[at] !== '=') return undefined;
  at = skipSpace(v, at + 1);
  const value = consumeValue(v, at);
  if (value === undefined) return undefined;
  return { key, value: value.value, next: value.next };
}

/**
 * Whether the Pushgateway reads a push as delimited protobuf: handler/push.go takes
 * `application/vnd.google.protobuf` with `proto=io.prometheus.client.MetricFamily` and `encoding=delimited`
 * (parameter values compared exactly), and reads every other Content-Type, a missing or malformed one included, as
 * text format 0.0.4.
 */
export function isDelimitedProtobuf(contentType: string | undefined): boolean {
  if (contentType === undefined || !/protobuf/i.test(contentType)) return false; // the common case, without parsing
  const media = parseMediaType(contentType);
  return (
    media !== undefined &&
    media.type === 'application/vnd.google.protobuf' &&
    media.params.get('encoding') === 'delimited' &&
    media.params.get('proto') === 'io.prometheus.client.MetricFamily'
  );
}
