/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), accepting exactly what the
 * Pushgateway's parser (prometheus/common expfmt TextParser) accepts, so the ingestion can reject a push before any
 * replica sees it. Single pass over char codes; it never throws: every problem comes back as a {@link ParseError}
 * with a 1-based line and column.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'gauge_histogram';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, ... for histograms and summaries). */
  readonly name: string;
  /** Label pairs in the order written. */
  readonly labels: readonly (readonly [string, string])[];
  /** The value as written (Go float syntax; `NaN`, `+Inf`...). */
  readonly value: string;
  /** The timestamp as written, if any (the Pushgateway rejects pushes that carry one). */
  readonly timestamp?: string;
  readonly line: number;
}

export interface MetricFamily {
  readonly name: string;
  help?: string;
  type: MetricType;
  /** Whether a TYPE line declared the type (otherwise `untyped`). */
  typeDeclared: boolean;
  readonly samples: Sample[];
}

export interface ParseError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type ParseResult =
  | { readonly ok: true; readonly families: MetricFamily[] }
  | { readonly ok: false; readonly error: ParseError };

/** `line 3, column 7: expected float as value, got "x"` */
export function formatParseError(error: ParseError): string {
  return `line ${error.line}, column ${error.column}: ${error.message}`;
}

const NL = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const LBRACE = 123;
const RBRACE = 125;
const EQ = 61;
const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;

const TYPES: Record<string, MetricType> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  HISTOGRAM: 'histogram',
  SUMMARY: 'summary',
  UNTYPED: 'untyped',
  GAUGE_HISTOGRAM: 'gauge_histogram',
};

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isMetricNameStart(c: number): boolean {
  return isNameStart(c) || c === 58;
}
function isMetricNameChar(c: number): boolean {
  return isNameChar(c) || c === 58;
}
function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)$/;
const NAN = /^[nN][aA][nN]$/;
const INTEGER = /^[+-]?\d+$/;

/** Go's `strconv.ParseFloat` as expfmt uses it: decimal, Inf/Infinity/NaN (any case), no hex, no `_`, in range. */
export function isGoFloat(text: string): boolean {
  if (NAN.test(text)) return true;
  if (!FLOAT.test(text)) return false;
  const lower = text.toLowerCase();
  if (lower.includes('inf')) return true;
  return Number.isFinite(Number(text));
}

/** Go's `strconv.ParseInt(s, 10, 64)`. */
export function isGoInt64(text: string): boolean {
  if (!INTEGER.test(text)) return false;
  const n = BigInt(text);
  return n >= -9223372036854775808n && n <= 9223372036854775807n;
}

class Failure {
  constructor(readonly error: ParseError) {}
}

/** Parses a whole exposition body; stops at the first error, as the Pushgateway does. */
export function parseExposition(text: string): ParseResult {
  try {
    return new Parser(text).run();
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    // Defensive: the parser is written not to throw; if it ever did, the push is refused, never accepted.
    return { ok: false, error: { line: 1, column: 1, message: `internal parser error: ${String(error)}` } };
  }
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly families = new Map<string, MetricFamily>();
  private readonly order: MetricFamily[] = [];

  constructor(private readonly s: string) {}

  private fail(message: string, at = this.i): never {
    throw new Failure({ line: this.line, column: at - this.lineStart + 1, message });
  }

  private code(): number {
    if (this.i >= this.s.length) this.fail('unexpected end of input stream');
    return this.s.charCodeAt(this.i);
  }

  private skipBlanks(): void {
    while (this.i < this.s.length && isBlank(this.s.charCodeAt(this.i))) this.i++;
  }

  private newLine(): void {
    this.i++;
    this.line++;
    this.lineStart = this.i;
  }

  run(): ParseResult {
    const s = this.s;
    while (this.i < s.length) {
      this.skipBlanks();
      if (this.i >= s.length) this.fail('unexpected end of input stream');
      const c = s.charCodeAt(this.i);
      if (c === NL) this.newLine();
      else if (c === HASH) this.comment();
      else this.sample();
    }
    return { ok: true, families: this.order };
  }

  private family(name: string): MetricFamily {
    let family = this.families.get(name);
    if (!family) {
      family = { name, type: 'untyped', typeDeclared: false, samples: [] };
      this.families.set(name, family);
      this.order.push(family);
    }
    return family;
  }

  private readToken(): string {
    const start = this.i;
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === SPACE || c === TAB || c === NL) break;
      this.i++;
    }
    return s.slice(start, this.i);
  }

  private readMetricName(): string {
    const start = this.i;
    const s = this.s;
    if (this.i < s.length && isMetricNameStart(s.charCodeAt(this.i))) {
      this.i++;
      while (this.i < s.length && isMetricNameChar(s.charCodeAt(this.i))) this.i++;
    }
    return s.slice(start, this.i);
  }

  private comment(): void {
    this.i++; // '#'
    this.skipBlanks();
    const keyword = this.readToken();
    if (keyword !== 'HELP' && keyword !== 'TYPE') {
      this.skipLine();
      return;
    }
    this.skipBlanks();
    const nameAt = this.i;
    const name = this.readMetricName();
    if (name === '') this.fail('invalid metric name in comment', nameAt);
    const after = this.code();
    if (after === NL) {
      this.newLine();
      return;
    }
    if (!isBlank(after)) this.fail('invalid metric name in comment', nameAt);
    this.skipBlanks();
    const family = this.family(name);
    if (keyword === 'HELP') {
      if (family.help !== undefined) this.fail(`second HELP line for metric name "${name}"`, nameAt);
      family.help = this.readEscaped(false);
    } else {
      if (family.typeDeclared || family.samples.length > 0) {
        this.fail(`second TYPE line for metric name "${name}", or TYPE reported after samples`, nameAt);
      }
      const typeAt = this.i;
      const start = this.i;
      while (this.i < this.s.length && this.s.charCodeAt(this.i) !== NL) this.i++;
      const word = this.s.slice(start, this.i);
      const type = TYPES[word.toUpperCase()];
      if (type === undefined) this.fail(`unknown metric type ${JSON.stringify(word)}`, typeAt);
      family.type = type;
      family.typeDeclared = true;
    }
    if (this.i >= this.s.length) this.fail('unexpected end of input stream');
    this.newLine();
  }

  private skipLine(): void {
    const next = this.s.indexOf('\n', this.i);
    if (next < 0) {
      this.i = this.s.length;
      this.fail('unexpected end of input stream');
    }
    this.i = next;
    this.newLine();
  }

  /**
   * Reads up to the end of the line (HELP text, `inLabel` false) or the closing quote (label value, `inLabel`
   * true) and unescapes: `\\` and `\n` everywhere, `\"` in label values only.
   */
  private readEscaped(inLabel: boolean): string {
    const s = this.s;
    const start = this.i;
    // Fast path: no escapes.
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === BACKSLASH) break;
      if (c === NL) {
        if (inLabel) this.fail(`label value "${s.slice(start, this.i)}" contains unescaped new-line`);
        return s.slice(start, this.i);
      }
      if (inLabel && c === QUOTE) return s.slice(start, this.i);
      this.i++;
    }
    if (this.i >= s.length) this.fail('unexpected end of input stream');
    let out = s.slice(start, this.i);
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === BACKSLASH) {
        this.i++;
        if (this.i >= s.length) this.fail('unexpected end of input stream');
        const e = s.charCodeAt(this.i);
        if (e === BACKSLASH) out += '\\';
        else if (e === 110) out += '\n';
        else if (inLabel && e === QUOTE) out += '"';
        else this.fail(`invalid escape sequence '\\${s[this.i]}'`, this.i - 1);
        this.i++;
        continue;
      }
      if (c === NL) {
        if (inLabel) this.fail(`label value "${out}" contains unescaped new-line`);
        return out;
      }
      if (inLabel && c === QUOTE) return out;
      out += s[this.i];
      this.i++;
    }
    return this.fail('unexpected end of input stream');
  }

  private sample(): void {
    const s = this.s;
    const line = this.line;
    const nameAt = this.i;
    const name = this.readMetricName();
    if (name === '') this.fail('invalid metric name');
    this.skipBlanks();
    let labels: [string, string][] = [];
    if (this.code() === LBRACE) {
      this.i++;
      labels = this.readLabels(name);
    }
    this.skipBlanks();
    const valueAt = this.i;
    const value = this.readToken();
    if (this.i >= s.length) this.fail('unexpected end of input stream');
    if (value === '') this.fail(`expected float as value, got ""`, valueAt);
    if (!isGoFloat(value)) this.fail(`expected float as value, got ${JSON.stringify(value)}`, valueAt);
    let timestamp: string | undefined;
    if (s.charCodeAt(this.i) !== NL) {
      this.skipBlanks();
      const tsAt = this.i;
      timestamp = this.readToken();
      if (this.i >= s.length) this.fail('unexpected end of input stream');
      if (!isGoInt64(timestamp)) this.fail(`expected integer as timestamp, got ${JSON.stringify(timestamp)}`, tsAt);
      if (s.charCodeAt(this.i) !== NL) {
        const spuriousAt = this.i;
        const end = s.indexOf('\n', this.i);
        const rest = s.slice(this.i, end < 0 ? s.length : end);
        this.fail(`spurious string after timestamp: ${JSON.stringify(rest)}`, spuriousAt);
      }
    }
    const family = this.familyOfSample(name);
    if (family.type === 'histogram' && name === `${family.name}_bucket`) this.checkFloatLabel(labels, 'le', nameAt);
    if (family.type === 'summary' && name === family.name) this.checkFloatLabel(labels, 'quantile', nameAt);
    family.samples.push(
      timestamp === undefined ? { name, labels, value, line } : { name, labels, value, timestamp, line },
    );
    this.newLine();
  }

  private checkFloatLabel(labels: readonly (readonly [string, string])[], label: string, at: number): void {
    const pair = labels.find(([n]) => n === label);
    if (pair && !isGoFloat(pair[1]))
      this.fail(`expected float as value for '${label}' label, got ${JSON.stringify(pair[1])}`, at);
  }

  /** expfmt's rule: `x_sum`/`x_count` belong to summary or histogram `x`, `x_bucket` to histogram `x`. */
  private familyOfSample(name: string): MetricFamily {
    const exact = this.families.get(name);
    for (const suffix of ['_sum', '_count', '_bucket']) {
      if (name.length > suffix.length && name.endsWith(suffix)) {
        const base = this.families.get(name.slice(0, -suffix.length));
        if (base && (base.type === 'histogram' || (suffix !== '_bucket' && base.type === 'summary'))) return base;
        break;
      }
    }
    return exact ?? this.family(name);
  }

  private readLabels(metric: string): [string, string][] {
    const s = this.s;
    const labels: [string, string][] = [];
    const seen = new Set<string>();
    for (;;) {
      this.skipBlanks();
      const c = this.code();
      if (c === RBRACE) {
        this.i++;
        return labels;
      }
      const nameAt = this.i;
      if (!isNameStart(c)) this.fail(`invalid label name for metric "${metric}"`);
      this.i++;
      while (this.i < s.length && isNameChar(s.charCodeAt(this.i))) this.i++;
      const labelName = s.slice(nameAt, this.i);
      if (labelName === '__name__') this.fail(`label name "__name__" is reserved`, nameAt);
      if (seen.has(labelName)) this.fail(`duplicate label names for metric "${metric}"`, nameAt);
      seen.add(labelName);
      this.skipBlanks();
      const eq = this.code();
      if (eq !== EQ) this.fail(`expected '=' after label name, found '${s[this.i]}'`);
      this.i++;
      this.skipBlanks();
      if (this.code() !== QUOTE) this.fail(`expected '"' at start of label value, found '${s[this.i]}'`);
      this.i++;
      const value = this.readEscaped(true);
      this.i++; // closing quote
      labels.push([labelName, value]);
      this.skipBlanks();
      const next = this.code();
      if (next === COMMA) {
        this.i++;
        continue;
      }
      if (next === RBRACE) {
        this.i++;
        return labels;
      }
      this.fail(`unexpected end of label value "${value}"`);
    }
  }
}
