/**
 * The Pushgateway's wording of a refused push, so a client sees the same text through the ingestion. Its
 * consistency errors come from client_golang's registry (prometheus/registry.go checkMetricConsistency, v1.14.0):
 * `collected metric "x" { <the dto.Metric in protobuf text> } is not a GAUGE`, the metric written by golang/protobuf
 * 1.3's compact text marshaller (the Debian build's): `label:<name:"job" value:"b" > counter:<value:1 > `.
 * We write the metric's labels (grouping labels and `instance` applied, sorted, as the Pushgateway checks them) but
 * not its value, which validation does not keep.
 */

const encoder = new TextEncoder();

/** golang/protobuf 1.3 text.go writeString: C escapes, every byte outside printable ASCII as 3-digit octal. */
export function protoTextString(value: string | Uint8Array): string {
  let out = '"';
  for (const byte of typeof value === 'string' ? encoder.encode(value) : value) {
    if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** `collected metric "x" { label:<name:"a" value:"1" > }`, the labels in the order given. */
export function collectedMetric(name: string, labels: readonly (readonly [string, string | Uint8Array])[]): string {
  let text = '';
  for (const [labelName, value] of labels) {
    text += `label:<name:${protoTextString(labelName)} value:${protoTextString(value)} > `;
  }
  return `collected metric ${JSON.stringify(name)} { ${text}}`;
}

/** The label pairs of a series id (`labelSetId`), sorted by name as ids are. */
export function seriesIdLabels(id: string): [string, string][] {
  return id
    .split('\u0001')
    .filter(Boolean)
    .map((pair) => {
      const [name = '', value = ''] = pair.split('\u0000');
      return [name, value];
    });
}

/** Go's `%#v` of a string that is not UTF-8 (strconv.Quote): bytes from 0x80 up as `\xNN`, C escapes, ASCII as is. */
export function goQuoteBytes(value: Uint8Array): string {
  let out = '"';
  for (const byte of value) {
    if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}
