/**
 * The complete parser of the Prometheus text exposition format (version 0.0.4), accepting exactly what the
 * Pushgateway's parser (prometheus/common expfmt TextParser) accepts, so the ingestion can reject a push before any
 * replica sees it. Single pass over char codes; it never throws: every problem comes back as a {@link ParseError}
 * with a 1-based line and column. It builds every sample; `./fast-scan` handles the common, well-formed case
 * without doing so, and hands everything else (every error included) to this parser.
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
  readonly help?: string;
  readonly type: MetricType;
  /** Whether a TYPE line declared the type (otherwise `untyped`). */
  readonly typeDeclared: boolean;
  readonly sampleCount: number;
  /** The samples in order (built on first use when the fast scanner read the body). */
  readonly samples: readonly Sample[];
  /** Set when the fast scanner read the family: what validation needs to know without building the samples. */
  readonly facts?: FamilyFacts;
  /**
   * Per sample, in order: the canonical text of its label set (`a="1",b="x"`, names ascending, escapes as
   * written), without `le`/`quantile` in histograms and summaries. Two samples of the family have the same
   * key exactly when they are the same series. Undefined when some sample's labels were not written
   * canonically (unsorted, blanks, trailing comma): then the labels themselves must be compared.
   */
  readonly seriesKeys?: readonly string[];
}

/**
 * What the fast scanner proved about a family while reading it. No sample carries a timestamp, a label named
 * `__*`, or `instance=""`; `labelNames` are all the label names its samples use.
 */
export interface FamilyFacts {
  readonly labelNames: readonly string[];
  /**
   * The series are pairwise distinct, which the complete parser's `seriesKeys` would also show: written
   * canonically, and (unless histogram, summary or gauge histogram, whose samples fold) strictly ascending.
   * False means only "not proven here".
   */
  readonly seriesDistinct: boolean;
}

/** Families whose samples fold into one series per label set without `le`/`quantile`. */
export function isFolded(type: MetricType): boolean {
  return type === 'histogram' || type === 'summary' || type === 'gauge_histogram';
}

/**
 * expfmt's rule for samples named after another family: `x_sum` and `x_count` belong to summary or histogram `x`,
 * `x_bucket` to histogram `x`. The length of such a suffix of `name` (4, 6 or 7), or 0.
 */
export function foldingSuffix(name: string): number {
  // Only names ending in _sum, _count or _bucket (last char m, t or t).
  const last = name.charCodeAt(name.length - 1);
  if (last !== 109 && last !== 116) return 0;
  if (name.endsWith('_sum')) return 4;
  if (name.endsWith('_count')) return 6;
  if (name.endsWith('_bucket')) return 7;
  return 0;
}

/** Whether a family of `type` takes the samples of a {@link foldingSuffix} of that length. */
export function takesFolded(type: MetricType, suffix: number): boolean {
  return type === 'histogram' || (type === 'summary' && suffix !== 7);
}

/**
 * Where a char next occurs at or after a point of a text (the text's length when nowhere), found natively once
 * per occurrence rather than once per question.
 */
export class NextOccurrence {
  private next = -1;

  constructor(
    private readonly text: string,
    private readonly char: string,
  ) {}

  from(at: number): number {
    if (this.next < at) {
      const found = this.text.indexOf(this.char, at);
      this.next = found < 0 ? this.text.length : found;
    }
    return this.next;
  }
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

/** Metric types by their upper-case name (as in `# TYPE` lines and the Pushgateway's `/api/v1/metrics`). */
export const METRIC_TYPES_BY_NAME: Readonly<Record<string, MetricType>> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  HISTOGRAM: 'histogram',
  SUMMARY: 'summary',
  UNTYPED: 'untyped',
  GAUGE_HISTOGRAM: 'gauge_histogram',
};

/** Lower-case spellings, most common first. */
export const LOWER_TYPES: readonly MetricType[] = [
  'gauge',
  'counter',
  'histogram',
  'summary',
  'untyped',
  'gauge_histogram',
];

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
export function isMetricNameChar(c: number): boolean {
  return isNameChar(c) || c === 58;
}
/**
 * `s.startsWith(prefix, at)` by char codes: on a large body the built-in is several times slower, and this is
 * the hottest comparison of the parser (names and label strings reused from the previous line).
 */
export function matchesAt(s: string, prefix: string, at: number): boolean {
  const n = prefix.length;
  if (at + n > s.length) return false;
  // A long slice is a view (no copy) and string equality is a native memory compare.
  if (n >= 13) return s.slice(at, at + n) === prefix;
  for (let k = 0; k < n; k++) {
    if (s.charCodeAt(at + k) !== prefix.charCodeAt(k)) return false;
  }
  return true;
}

/** No backslash, quote or new-line: written as is inside a label value. */
function isPlain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === BACKSLASH || c === QUOTE || c === NL) return false;
  }
  return true;
}
function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** Sticky: matches at `lastIndex` only. */
const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)$/;
const NAN = /^[nN][aA][nN]$/;
const INTEGER = /^[+-]?\d+$/;

/** Go's `strconv.ParseFloat` as expfmt uses it: decimal, Inf/Infinity/NaN (any case), no hex, no `_`, in range. */
export function isGoFloat(text: string): boolean {
  // Fast path for the common case: decimal digits with at most one dot, optionally an exponent.
  const length = text.length;
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) i = 1;
  let digits = 0;
  let dots = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dots === 0) dots++;
    else break;
  }
  if (digits > 0) {
    if (i === length) return length < 16 || Number.isFinite(Number(text));
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 45 || sign === 43) i++;
      const expStart = i;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        i++;
      }
      if (i === length && i > expStart) return Number.isFinite(Number(text));
    }
  }
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

const NO_LABELS: [string, string][] = [];

class Failure {
  constructor(readonly error: ParseError) {}
}

/** Parses a whole exposition body, building every sample; stops at the first error, as the Pushgateway does. */
export function parseFully(text: string): ParseResult {
  try {
    return new Parser(text).run();
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    // Defensive: the parser is written not to throw; if it ever did, the push is refused, never accepted.
    return { ok: false, error: { line: 1, column: 1, message: `internal parser error: ${String(error)}` } };
  }
}

class ParsedFamily implements MetricFamily {
  help?: string;
  type: MetricType = 'untyped';
  typeDeclared = false;
  readonly samples: Sample[] = [];
  seriesKeys?: string[] = [];

  constructor(readonly name: string) {}

  get sampleCount(): number {
    return this.samples.length;
  }
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly families = new Map<string, ParsedFamily>();
  private readonly order: ParsedFamily[] = [];
  private lastName = '';
  private lastFamily: ParsedFamily | undefined;
  private lastCommentName = '';
  private lastCommentFamily: ParsedFamily | undefined;
  /** Labels of the previous sample: the next one mostly repeats their names (and some values). */
  private lastLabels: [string, string][] = [];
  // Positions of the next backslash and new-line (see readEscaped).
  private readonly backslash: NextOccurrence;
  private readonly newline: NextOccurrence;
  // Where the last label block was, and whether it is canonical (see readLabels).
  private blockStart = 0;
  private blockEnd = 0;
  private canonical = true;
  private sorted = true;
  private sortedKept = true;
  private cuts = 0;
  private cutStart = 0;
  private cutEnd = 0;

  constructor(private readonly s: string) {
    this.backslash = new NextOccurrence(s, '\\');
    this.newline = new NextOccurrence(s, '\n');
  }

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

  private family(name: string): ParsedFamily {
    let family = this.families.get(name);
    if (!family) {
      family = new ParsedFamily(name);
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
    // The regex engine scans a name faster than a char-code loop.
    METRIC_NAME.lastIndex = start;
    if (METRIC_NAME.test(s)) this.i = METRIC_NAME.lastIndex;
    return s.slice(start, this.i);
  }

  private comment(): void {
    const s = this.s;
    this.i++; // '#'
    this.skipBlanks();
    // The keyword is the token up to a blank or new-line; only `HELP` and `TYPE` mean anything (no slicing).
    const k = this.i;
    let isHelp = false;
    let isType = false;
    if (matchesAt(s, 'HELP', k)) isHelp = true;
    else if (matchesAt(s, 'TYPE', k)) isType = true;
    if (isHelp || isType) {
      const end = s.charCodeAt(k + 4);
      if (!(end === SPACE || end === TAB || end === NL || Number.isNaN(end))) isHelp = isType = false;
    }
    if (!isHelp && !isType) {
      this.skipLine();
      return;
    }
    this.i = k + 4;
    this.skipBlanks();
    // A HELP/TYPE line may change which family the next samples belong to.
    this.lastName = '';
    const nameAt = this.i;
    // A TYPE line mostly follows the HELP of the same family: reuse that name (and family) when it matches.
    // (A HELP line mostly starts a new family: comparing would only cost.)
    const previous = this.lastCommentName;
    let name: string;
    let family: ParsedFamily | undefined;
    if (
      isType &&
      previous !== '' &&
      !isMetricNameChar(s.charCodeAt(nameAt + previous.length)) &&
      matchesAt(s, previous, nameAt)
    ) {
      name = previous;
      family = this.lastCommentFamily;
      this.i = nameAt + previous.length;
    } else {
      name = this.readMetricName();
      if (name === '') this.fail('invalid metric name in comment', nameAt);
    }
    const after = this.code();
    if (after === NL) {
      this.newLine();
      return;
    }
    if (!isBlank(after)) this.fail('invalid metric name in comment', nameAt);
    this.skipBlanks();
    if (family === undefined) {
      family = this.family(name);
      this.lastCommentName = name;
      this.lastCommentFamily = family;
    }
    if (isHelp) {
      if (family.help !== undefined) this.fail(`second HELP line for metric name "${name}"`, nameAt);
      family.help = this.readEscaped(false);
    } else {
      if (family.typeDeclared || family.samples.length > 0) {
        this.fail(`second TYPE line for metric name "${name}", or TYPE reported after samples`, nameAt);
      }
      const typeAt = this.i;
      let type: MetricType | undefined;
      // Fast path: a lower-case type word ending the line (what every client library writes).
      for (const candidate of LOWER_TYPES) {
        if (matchesAt(s, candidate, typeAt) && s.charCodeAt(typeAt + candidate.length) === NL) {
          type = candidate;
          this.i = typeAt + candidate.length;
          break;
        }
      }
      if (type === undefined) {
        while (this.i < s.length && s.charCodeAt(this.i) !== NL) this.i++;
        const word = s.slice(typeAt, this.i);
        type = METRIC_TYPES_BY_NAME[word.toUpperCase()];
        if (type === undefined) this.fail(`unknown metric type ${JSON.stringify(word)}`, typeAt);
      }
      family.type = type;
      family.typeDeclared = true;
    }
    if (this.i >= s.length) this.fail('unexpected end of input stream');
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
    // Fastest path: the text up to the end (found natively) holds no backslash (and, in a label, no new-line).
    if (inLabel) {
      const quote = s.indexOf('"', start);
      if (quote >= 0 && this.backslash.from(start) > quote && this.newline.from(start) > quote) {
        this.i = quote;
        return s.slice(start, quote);
      }
    } else {
      const nl = s.indexOf('\n', start);
      if (nl >= 0 && this.backslash.from(start) > nl) {
        this.i = nl;
        return s.slice(start, nl);
      }
    }
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
    // Consecutive samples mostly share a name: reuse the previous string (no slice, no hashing) when it matches.
    const previous = this.lastName;
    let name: string;
    if (
      previous !== '' &&
      !isMetricNameChar(s.charCodeAt(nameAt + previous.length)) &&
      matchesAt(s, previous, nameAt)
    ) {
      name = previous;
      this.i = nameAt + previous.length;
    } else {
      // The first sample after a family's HELP/TYPE mostly carries the family's name.
      const commented = this.lastCommentName;
      if (
        commented !== '' &&
        !isMetricNameChar(s.charCodeAt(nameAt + commented.length)) &&
        matchesAt(s, commented, nameAt)
      ) {
        name = commented;
        this.i = nameAt + commented.length;
      } else {
        name = this.readMetricName();
        if (name === '') this.fail('invalid metric name');
      }
    }
    this.skipBlanks();
    let labels: [string, string][] = NO_LABELS;
    let braces = false;
    if (this.code() === LBRACE) {
      this.i++;
      braces = true;
      labels = this.readLabels(name);
      if (labels.length > 0) this.lastLabels = labels;
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
    let family = this.lastFamily;
    if (name !== previous || family === undefined) {
      family = this.familyOfSample(name);
      this.lastFamily = family;
      this.lastName = name;
    }
    const type = family.type;
    if (
      type === 'histogram' &&
      name.length === family.name.length + 7 &&
      name.endsWith('_bucket') // only `<family>_bucket` has that length among a histogram's names
    ) {
      this.checkFloatLabel(labels, 'le', nameAt);
    }
    if (type === 'summary' && name === family.name) this.checkFloatLabel(labels, 'quantile', nameAt);
    const keys = family.seriesKeys;
    if (keys !== undefined) {
      const key = this.seriesKey(braces && labels.length > 0, isFolded(type));
      if (key === undefined) family.seriesKeys = undefined;
      else keys.push(key);
    }
    family.samples.push(
      timestamp === undefined ? { name, labels, value, line } : { name, labels, value, timestamp, line },
    );
    this.newLine();
  }

  private checkFloatLabel(labels: readonly (readonly [string, string])[], label: string, at: number): void {
    let pair: readonly [string, string] | undefined;
    for (let k = 0; k < labels.length; k++) {
      if ((labels[k] as readonly [string, string])[0] === label) {
        pair = labels[k];
        break;
      }
    }
    if (pair && !isGoFloat(pair[1]))
      this.fail(`expected float as value for '${label}' label, got ${JSON.stringify(pair[1])}`, at);
  }

  /** The family of a sample: by expfmt's rule (see {@link foldingSuffix}), else the one of its own name. */
  private familyOfSample(name: string): ParsedFamily {
    const suffix = foldingSuffix(name);
    if (suffix > 0) {
      // `x_bucket` then `x_sum` then `x_count`: the previous family is the base, no lookup or slicing needed.
      const previous = this.lastFamily;
      if (
        previous !== undefined &&
        takesFolded(previous.type, suffix) &&
        previous.name.length === name.length - suffix &&
        matchesAt(name, previous.name, 0)
      ) {
        return previous;
      }
      const base = this.families.get(name.slice(0, -suffix));
      if (base !== undefined && takesFolded(base.type, suffix)) return base;
    }
    return this.family(name);
  }

  private readLabels(metric: string): [string, string][] {
    const s = this.s;
    const labels: [string, string][] = [];
    const blockStart = this.i;
    // Whether the block is the canonical text of its label set: no blank, no trailing comma (`canonical`) and names
    // ascending (`sorted`; `sortedKept` ignores le/quantile, which histograms and summaries cut from the key,
    // and which Go clients write last). Escapes are canonical by construction: only \\, \" and \n exist and
    // each is mandatory.
    let canonical = true;
    let sorted = true;
    let sortedKept = true;
    let lastKept = '';
    let cuts = 0;
    let cutStart = 0;
    let cutEnd = 0;
    for (;;) {
      if (isBlank(this.code())) {
        canonical = false;
        this.skipBlanks();
      }
      const c = this.code();
      if (c === RBRACE) {
        if (labels.length > 0) canonical = false; // after a comma
        this.blockEnd = this.i;
        this.i++;
        break;
      }
      const nameAt = this.i;
      if (!isNameStart(c)) this.fail(`invalid label name for metric "${metric}"`);
      this.i++;
      while (this.i < s.length && isNameChar(s.charCodeAt(this.i))) this.i++;
      // Samples of a family repeat label names (and often values): reuse the previous sample's strings.
      const previous = this.lastLabels[labels.length];
      let labelName: string;
      if (previous !== undefined && previous[0].length === this.i - nameAt && matchesAt(s, previous[0], nameAt)) {
        labelName = previous[0];
      } else {
        labelName = s.slice(nameAt, this.i);
        if (labelName === '__name__') this.fail(`label name "__name__" is reserved`, nameAt);
      }
      for (let k = 0; k < labels.length; k++) {
        if (labels[k]?.[0] === labelName) this.fail(`duplicate label names for metric "${metric}"`, nameAt);
      }
      if (labels.length > 0 && !((labels[labels.length - 1] as [string, string])[0] < labelName)) sorted = false;
      if (labelName !== 'le' && labelName !== 'quantile') {
        if (lastKept !== '' && !(lastKept < labelName)) sortedKept = false;
        lastKept = labelName;
      }
      if (isBlank(this.code())) {
        canonical = false;
        this.skipBlanks();
      }
      const eq = this.code();
      if (eq !== EQ) this.fail(`expected '=' after label name, found '${s[this.i]}'`);
      this.i++;
      if (isBlank(this.code())) {
        canonical = false;
        this.skipBlanks();
      }
      if (this.code() !== QUOTE) this.fail(`expected '"' at start of label value, found '${s[this.i]}'`);
      this.i++;
      let value: string;
      const valueAt = this.i;
      const previousValue = previous?.[1];
      if (
        previousValue !== undefined &&
        s.charCodeAt(valueAt + previousValue.length) === QUOTE &&
        matchesAt(s, previousValue, valueAt) &&
        isPlain(previousValue)
      ) {
        // The previous value verbatim, then a quote: with no backslash, quote or new-line in it, the text holds
        // no escape and that quote closes the value, so it reads as exactly the previous value.
        value = previousValue;
        this.i = valueAt + previousValue.length;
      } else {
        value = this.readEscaped(true);
      }
      this.i++; // closing quote
      labels.push([labelName, value]);
      if (labelName === 'le' || labelName === 'quantile') {
        cuts++;
        cutStart = nameAt;
        cutEnd = this.i;
      }
      if (isBlank(this.code())) {
        canonical = false;
        this.skipBlanks();
      }
      const next = this.code();
      if (next === COMMA) {
        this.i++;
        continue;
      }
      if (next === RBRACE) {
        this.blockEnd = this.i;
        this.i++;
        break;
      }
      this.fail(`unexpected end of label value "${value}"`);
    }
    this.blockStart = blockStart;
    this.canonical = canonical;
    this.sorted = sorted;
    this.sortedKept = sortedKept;
    this.cuts = cuts;
    this.cutStart = cutStart;
    this.cutEnd = cutEnd;
    return labels;
  }

  /**
   * The series key of the sample just read ({@link MetricFamily.seriesKeys}), or undefined when its label block
   * is not canonical.
   */
  private seriesKey(hasLabels: boolean, folded: boolean): string | undefined {
    if (!hasLabels) return '';
    if (!this.canonical || !(folded ? this.sortedKept : this.sorted)) return undefined;
    const s = this.s;
    const start = this.blockStart;
    const end = this.blockEnd;
    if (!folded || this.cuts === 0) return s.slice(start, end);
    if (this.cuts > 1) return undefined;
    const cutStart = this.cutStart;
    const cutEnd = this.cutEnd;
    if (cutStart === start) return cutEnd === end ? '' : s.slice(cutEnd + 1, end);
    return cutEnd === end ? s.slice(start, cutStart - 1) : s.slice(start, cutStart - 1) + s.slice(cutEnd, end);
  }
}
