import fc from 'fast-check';
import { Http1ProtocolError } from '../../../lambdas/adapters/http1-framing';
import { type Http1IncomingRequest, Http1RequestReader } from '../../../lambdas/local/http1-request';

/**
 * The request reader on byte sequences written here from RFC 9112 (request line, fields, framing), each fed whole and
 * split at every point, several on one connection. What real clients write is read in
 * test/integration/http1-server.test.ts.
 */

const bytes = (text: string) => Buffer.from(text, 'latin1');
const LIMITS = { maxHeadBytes: 1024, maxBodyBytes: 4096 };

/** Every request `wire` holds, fed in pieces cut at `cuts`. */
function readAll(wire: Buffer, cuts: readonly number[] = [], limits = LIMITS): Http1IncomingRequest[] {
  const reader = new Http1RequestReader(limits);
  const requests: Http1IncomingRequest[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b).concat(wire.length)) {
    let request = reader.feed(wire.subarray(from, cut));
    while (request) {
      requests.push(request);
      request = reader.feed();
    }
    from = cut;
  }
  return requests;
}

/** The same requests for every single cut of the wire. */
function everySplit(wire: Buffer): Http1IncomingRequest[][] {
  return Array.from({ length: wire.length + 1 }, (_, cut) => readAll(wire, [cut]));
}

/** The refusal `wire` gets: its status and message. */
function refusal(wire: string, limits = LIMITS): { status: number; message: string } {
  try {
    readAll(bytes(wire), [], limits);
  } catch (error) {
    if (error instanceof Http1ProtocolError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

const PUT = 'PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\na 1\n';
const CHUNKED =
  'POST /metrics/job/b?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nExpires: never\r\n\r\n';

describe('Http1RequestReader', () => {
  it('reads pipelined requests framed by Content-Length, by chunks and by neither, whatever the split', () => {
    const wire = bytes(`${PUT}${CHUNKED}GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n`);
    for (const requests of everySplit(wire)) {
      expect(requests.map((r) => [r.method, r.target, r.body.toString('latin1'), r.keepAlive])).toEqual([
        ['PUT', '/metrics/job/a', 'a 1\n', true],
        ['POST', '/metrics/job/b?x=1', 'Wikipedia', true],
        ['GET', '/-/ready', '', true],
      ]);
      expect(requests[0]?.headers).toEqual({ host: 'x', 'content-type': 'text/plain', 'content-length': '4' });
    }
  });

  it('is not complete before the last byte of its body', () => {
    expect(readAll(bytes(PUT.slice(0, -1)))).toEqual([]);
    expect(readAll(bytes(CHUNKED.slice(0, -1)))).toEqual([]);
  });

  it('ignores empty lines before a request line (RFC 9112 2.2)', () => {
    expect(readAll(bytes(`\r\n\r\n${PUT}`)).map((r) => r.target)).toEqual(['/metrics/job/a']);
  });

  it('keeps HTTP/1.1 connections unless told to close, and HTTP/1.0 ones only when asked', () => {
    const keep = (head: string) => readAll(bytes(`${head}\r\n\r\n`))[0]?.keepAlive;
    expect(keep('GET / HTTP/1.1\r\nHost: x\r\nConnection: close')).toBe(false);
    expect(keep('GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close')).toBe(false);
    expect(keep('GET / HTTP/1.0')).toBe(false);
    expect(keep('GET / HTTP/1.0\r\nConnection: keep-alive')).toBe(true);
    expect(readAll(bytes('GET / HTTP/1.0\r\n\r\n'))[0]?.http10).toBe(true);
  });

  it('joins a repeated field, keeps the first of a repeated singleton, and refuses a second Host', () => {
    const [request] = readAll(
      bytes(
        'GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b\r\nContent-Encoding: gzip\r\nContent-Encoding: br\r\n\r\n',
      ),
    );
    expect(request?.headers.accept).toBe('a, b');
    expect(request?.headers['content-encoding']).toBe('gzip');
    expect(refusal('GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n')).toEqual({
      status: 400,
      message: 'more than one host header field',
    });
  });

  it('refuses what a server must not guess at, with the status to answer', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /both/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400, /Content-Length/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400, /Content-Length/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, /not implemented/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400, /not chunked/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n', 400, /chunk size/],
      ['GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, /bad header line/],
      ['GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n  folded\r\n\r\n', 400, /bad header line/],
      ['GET / HTTP/1.1\r\n\r\n', 400, /missing Host/],
      ['GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n', 400, /must be a path/],
      ['GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400, /bad request line/],
      ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505, /HTTP\/2\.0/],
      ['PUT / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n', 417, /expectation/],
    ];
    for (const [wire, status, message] of cases) {
      const refused = refusal(wire);
      expect([wire, refused.status]).toEqual([wire, status]);
      expect(refused.message).toMatch(message);
    }
  });

  it('refuses a head over the limit (431) whether or not it ever ends', () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(2000)}`;
    expect(refusal(big).status).toBe(431);
    expect(refusal(`${big}\r\n\r\n`).status).toBe(431);
  });

  it('refuses a body over the limit (413): by its Content-Length before any of it, or as its chunks arrive', () => {
    const reader = new Http1RequestReader(LIMITS);
    expect(() => reader.feed(bytes('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 4097\r\n\r\n'))).toThrow(
      expect.objectContaining({ status: 413, message: 'body exceeds the limit of 4096 bytes' }),
    );
    const chunks = `PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'800\r\n'}${'a'.repeat(0x800)}\r\n${'801\r\n'}`;
    expect(refusal(chunks).status).toBe(413);
  });

  it('asks for 100 Continue once, before the body of a request that expects it', () => {
    const reader = new Http1RequestReader(LIMITS);
    expect(reader.feed(bytes('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n'))).toBe(
      undefined,
    );
    expect([reader.takeContinue(), reader.takeContinue()]).toEqual([true, false]);
    expect(reader.feed(bytes('ok'))?.body.toString()).toBe('ok');
    reader.feed(bytes('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n'));
    expect(reader.takeContinue()).toBe(false);
  });

  it('recovers any sequence of requests, framed by length or by chunks, split anywhere (property)', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
    const request = fc.record({
      method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'),
      path: fc.stringMatching(/^\/[A-Za-z0-9/%._~@=-]{0,40}$/),
      fields: fc.array(fc.tuple(token, fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/)), {
        maxLength: 4,
      }),
      body: fc.uint8Array({ maxLength: 300 }),
      chunks: fc.option(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 })),
    });
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rs, cuts) => {
          const fields = (r: (typeof rs)[number]) =>
            r.fields.filter(
              ([name]) =>
                !/^(host|content-length|transfer-encoding|connection|expect|content-type|content-encoding|authorization)$/i.test(
                  name,
                ),
            );
          const wire = Buffer.concat(
            rs.map((r) => {
              let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: h\r\n`;
              for (const [name, value] of fields(r)) head += `${name}: ${value}\r\n`;
              if (!r.chunks)
                return Buffer.concat([bytes(`${head}Content-Length: ${r.body.length}\r\n\r\n`), Buffer.from(r.body)]);
              const parts: Buffer[] = [bytes(`${head}Transfer-Encoding: chunked\r\n\r\n`)];
              let at = 0;
              for (let i = 0; at < r.body.length; i++) {
                const size = Math.min(r.chunks[i % r.chunks.length] ?? 1, r.body.length - at);
                parts.push(
                  bytes(`${size.toString(16)}\r\n`),
                  Buffer.from(r.body.subarray(at, at + size)),
                  bytes('\r\n'),
                );
                at += size;
              }
              parts.push(bytes('0\r\n\r\n'));
              return Buffer.concat(parts);
            }),
          );
          const read = readAll(
            wire,
            cuts.map((c) => c % (wire.length + 1)),
          );
          expect(read.map((r) => [r.method, r.target, Buffer.from(r.body).toString('hex')])).toEqual(
            rs.map((r) => [r.method, r.path, Buffer.from(r.body).toString('hex')]),
          );
          read.forEach((r, i) => {
            for (const [name, value] of fields(rs[i] as (typeof rs)[number])) {
              expect(r.headers[name.toLowerCase()]).toContain(value);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
