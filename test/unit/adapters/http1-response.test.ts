import fc from 'fast-check';
import { Http1ProtocolError, type Http1Response, Http1ResponseReader } from '../../../lambdas/adapters/http1-response';

/**
 * The response reader on byte sequences written here from RFC 9112 (message framing, sections 6-7), each fed whole
 * and split at every point. What real servers write is read in test/integration/http1-pool.test.ts.
 */

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds `wire` split at the given offsets; the response, and whether the end of the connection was needed. */
function read(wire: Buffer, cuts: readonly number[] = [], method = 'GET', thenEnd = false): Http1Response | undefined {
  const reader = new Http1ResponseReader(method);
  let from = 0;
  let response: Http1Response | undefined;
  for (const cut of [...cuts].sort((a, b) => a - b).concat(wire.length)) {
    response ??= reader.feed(wire.subarray(from, cut));
    from = cut;
  }
  if (thenEnd) response ??= reader.end();
  return response;
}

/** The same response for every single cut of the wire. */
function everySplit(wire: Buffer, method = 'GET', thenEnd = false): Http1Response[] {
  return Array.from({ length: wire.length + 1 }, (_, cut) => read(wire, [cut], method, thenEnd)).filter(
    (r): r is Http1Response => r !== undefined,
  );
}

const CHUNKED = bytes(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n',
);

describe('Http1ResponseReader', () => {
  it('reads a Content-Length body, whatever the split', () => {
    const wire = bytes(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello',
    );
    const responses = everySplit(wire);
    expect(responses).toHaveLength(wire.length + 1);
    for (const r of responses) {
      expect(r).toEqual({
        status: 400,
        contentType: 'text/plain; charset=utf-8',
        bytes: bytes('hello'),
        keepAlive: true,
      });
    }
  });

  it('reads a chunked body with extensions and trailers (RFC 9112 7.1), whatever the split', () => {
    const responses = everySplit(CHUNKED);
    expect(responses).toHaveLength(CHUNKED.length + 1);
    for (const r of responses) {
      expect(r.bytes.toString('latin1')).toBe('Wikipedia in\r\n\r\nchunks.');
      expect(r.keepAlive).toBe(true);
    }
  });

  it('is not complete before the last byte of a chunked body', () => {
    expect(read(CHUNKED.subarray(0, CHUNKED.length - 1))).toBeUndefined();
  });

  it('skips interim 1xx responses', () => {
    const wire = bytes(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    for (const r of everySplit(wire)) expect([r.status, r.bytes.toString()]).toEqual([200, 'ok']);
  });

  it('reads a body framed by the end of the connection, and does not keep that connection', () => {
    const wire = bytes('HTTP/1.1 200 OK\r\n\r\nall of it');
    expect(read(wire)).toBeUndefined();
    for (const r of everySplit(wire, 'GET', true)) {
      expect(r.bytes.toString()).toBe('all of it');
      expect(r.keepAlive).toBe(false);
    }
  });

  it('has no body for HEAD, 204 and 304 whatever the header fields say', () => {
    expect(read(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'), [], 'HEAD')?.bytes.length).toBe(0);
    expect(read(bytes('HTTP/1.1 204 No Content\r\n\r\n'))?.status).toBe(204);
    expect(read(bytes('HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'))?.status).toBe(304);
  });

  it('does not keep a connection the server closes, an HTTP/1.0 one, or one whose framing is doubtful', () => {
    const keep = (head: string) => read(bytes(`${head}\r\n\r\nok`))?.keepAlive;
    expect(keep('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2')).toBe(false);
    expect(keep('HTTP/1.0 200 OK\r\nContent-Length: 2')).toBe(false);
    expect(keep('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2')).toBe(true);
    // RFC 9112 6.1: both present, the chunked coding wins and the connection is closed after.
    const both = read(
      bytes('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'),
    );
    expect([both?.bytes.toString(), both?.keepAlive]).toEqual(['ok', false]);
    // Bytes after the response: the server's framing and ours disagree.
    expect(read(bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'))?.keepAlive).toBe(false);
  });

  it.each([
    ['a status line of another protocol', 'SSH-2.0-OpenSSH_9.2\r\n\r\n', /not an HTTP\/1.x status line/],
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /bad Content-Length "2"/,
    ],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length "-1"/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /bad header line "broken"/],
    [
      'a chunk size that is not hex',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      /bad chunk size "zz"/,
    ],
    [
      'a chunk without its CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX',
      /chunk not followed by CRLF/,
    ],
    [
      'an unknown final transfer coding',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
      /unsupported Transfer-Encoding gzip/,
    ],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /protocol switch/],
  ])('refuses %s', (_, wire, message) => {
    expect(() => read(bytes(wire))).toThrow(Http1ProtocolError);
    expect(() => read(bytes(wire))).toThrow(message);
  });

  it('refuses a head that never ends instead of buffering it without bound', () => {
    const reader = new Http1ResponseReader('GET');
    reader.feed(bytes('HTTP/1.1 200 OK\r\n'));
    expect(() => reader.feed(Buffer.alloc(70_000, 'a'))).toThrow('response head too large');
  });

  it('tells a connection closed before any answer from one closed in the middle of it', () => {
    const silent = new Http1ResponseReader('PUT');
    expect(silent.started).toBe(false);
    expect(() => silent.end()).toThrow('connection closed before any answer');
    const cut = new Http1ResponseReader('PUT');
    cut.feed(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(cut.started).toBe(true);
    expect(() => cut.end()).toThrow('connection closed in the middle of the answer');
  });

  it('recovers any body framed by Content-Length or chunks, split anywhere (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (body, chunkSizes, chunked, cuts) => {
          let wire: Buffer;
          if (chunked) {
            const parts: Buffer[] = [bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
            let at = 0;
            for (const size of chunkSizes.length > 0 ? chunkSizes : [body.length || 1]) {
              if (at >= body.length) break;
              const piece = body.subarray(at, at + size);
              parts.push(bytes(`${piece.length.toString(16)}\r\n`), Buffer.from(piece), bytes('\r\n'));
              at += piece.length;
            }
            if (at < body.length) {
              parts.push(
                bytes(`${(body.length - at).toString(16)}\r\n`),
                Buffer.from(body.subarray(at)),
                bytes('\r\n'),
              );
            }
            parts.push(bytes('0\r\n\r\n'));
            wire = Buffer.concat(parts);
          } else {
            wire = Buffer.concat([
              bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
              Buffer.from(body),
            ]);
          }
          const response = read(
            wire,
            cuts.map((c) => c % (wire.length + 1)),
          );
          expect(response?.bytes.equals(Buffer.from(body))).toBe(true);
          expect(response?.keepAlive).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
