/**
 * How many samples a push body holds at least, read before it is parsed. The limits on a push (push-limits.ts) are
 * checked on the parsed families, but parsing builds an object per sample: a 33 KB gzip body that inflates to
 * 16 MiB of `a{b=""} 1` lines is 1.7 million samples, ~600 MB of heap and 1.3 s before the 413 (measured with
 * the bundled decoder). These counts are lower bounds, so a body they refuse is one the limit would refuse too.
 * Pure.
 */

const NEWLINE = 10;
const HASH = 35;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/**
 * Sample lines of a text-format body (neither blank nor `#` comments): each such line is one sample to the parser
 * (a histogram's bucket, sum and count lines each count, as `sampleCount` does), or a parse error. A line scan,
 * no strings: 16 MiB of short lines take milliseconds.
 */
export function textSampleLines(body: Uint8Array): number {
  let count = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end < 0) end = body.length;
    let i = start;
    while (i < end && (body[i] === SPACE || body[i] === TAB || body[i] === CR)) i++;
    if (i < end && body[i] !== HASH) count++;
    start = end + 1;
  }
  return count;
}

/** A cursor over protobuf wire format; `undefined` from a read means the bytes end or are malformed. */
class Wire {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  varint(): number | undefined {
    let value = 0;
    for (let shift = 0; shift < 64 && this.at < this.end; shift += 7) {
      const byte = this.bytes[this.at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  }

  /** Reads a field's tag, then calls `message(field, start, end)` for a length-delimited one and skips the others. */
  fields(message: (field: number, start: number, end: number) => boolean): void {
    while (this.at < this.end) {
      const tag = this.varint();
      if (tag === undefined) return;
      const field = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (wireType === 0) {
        if (this.varint() === undefined) return;
      } else if (wireType === 1) this.at += 8;
      else if (wireType === 5) this.at += 4;
      else if (wireType === 2) {
        const length = this.varint();
        if (length === undefined || this.at + length > this.end) return;
        const start = this.at;
        this.at += length;
        if (!message(field, start, this.at)) return;
      } else return;
    }
  }
}

/**
 * Samples of a delimited-protobuf body (client_golang's push format, metrics.proto): each `Metric` of a
 * `MetricFamily` (field 4) is one sample at least, and a histogram's buckets (Metric field 7, Histogram field 3) and
 * a summary's quantiles (Metric field 4, Summary field 3) one more each, as the converted family counts them. A family
 * sent twice counts once, its last message (the decoder keeps the last of a name, as the Pushgateway does). What the
 * decoder would refuse (a bad prefix, a short message) ends the count: it is refused there. The walk reads the whole
 * body (16 MiB: tens of milliseconds) and builds nothing but the family names.
 */
export function protobufSamplesAtLeast(body: Uint8Array): number {
  const byFamily = new Map<string, number>();
  const names = new TextDecoder();
  let at = 0;
  while (at < body.length) {
    const prefix = new Wire(body, at, Math.min(body.length, at + 10));
    const length = prefix.varint();
    if (length === undefined || prefix.at + length > body.length) break;
    let name = '';
    let count = 0;
    const countField3 = (field: number) => {
      if (field === 3) count++;
      return true;
    };
    new Wire(body, prefix.at, prefix.at + length).fields((field, start, end) => {
      if (field === 1) name = names.decode(body.subarray(start, end));
      if (field !== 4) return true;
      count++;
      new Wire(body, start, end).fields((metricField, innerStart, innerEnd) => {
        // Histogram buckets and summary quantiles are both field 3 of their message.
        if (metricField === 7 || metricField === 4) new Wire(body, innerStart, innerEnd).fields(countField3);
        return true;
      });
      return true;
    });
    byFamily.set(name, count);
    at = prefix.at + length;
  }
  let total = 0;
  for (const count of byFamily.values()) total += count;
  return total;
}
