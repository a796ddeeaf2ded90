import {
  type FamilyFacts,
  foldingSuffix,
  isFolded,
  isMetricNameChar,
  LOWER_TYPES,
  type MetricFamily,
  type MetricType,
  matchesAt,
  NextOccurrence,
  parseFully,
  type Sample,
  takesFolded,
} from './full-parser';

/**
 * The fast path of the parser: bodies written the way client libraries and exporters write them (one space between
 * fields, `name="value"` pairs without blanks or escapes, lower-case TYPE words, no timestamps) are checked with a
 * few native scans per line and no object per sample. Label pairs are matched by a sticky regular expression made
 * once per label-name sequence ("shape") and reused while lines repeat it, which they mostly do.
 *
 * The scanner accepts only what the complete parser (`./full-parser`) accepts and builds the same families in the
 * same order; samples and series keys are built by that parser on first use. Anything outside the fast path (every
 * error among it) makes it give up and return undefined, and the complete parser reads the body instead.
 */

const NL = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const LBRACE = 123;
const RBRACE = 125;
const QUOTE = 34;
const COMMA = 44;
const EQ = 61;

/**
 * The floats the fast path takes (a subset of what Go's ParseFloat takes, always in range: at most 17 integer
 * digits and a two-digit exponent); any other spelling goes to the complete parser.
 */
const FLOAT = String.raw`(?:[+-]?(?:\d{1,17}(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?|[+-]?Inf|NaN)`;
const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
/** A label value without escapes or new-lines; `instance` must not be empty (a missing one defaults to ""). */
const PLAIN_VALUE = String.raw`[^"\\\n]*`;
const INSTANCE_VALUE = String.raw`[^"\\\n]+`;
/** ` <value>\n` after a name without labels: one space, a float, the end of the line (no timestamp). */
const VALUE = new RegExp(` ${FLOAT}\\n`, 'y');

/**
 * After `# HELP `: the HELP line (text without escapes, not starting with a blank) and the TYPE line of the same
 * name after it, as every client library writes them; and, when the next line is a sample of exactly that name,
 * that name too (so it need not be compared again).
 */
const HELP_AND_TYPE =
  /([a-zA-Z_:][a-zA-Z0-9_:]*) (?![ \t])[^\\\n]*\n# TYPE \1 (?:counter|gauge|histogram|summary|untyped|gauge_histogram)\n(?:\1(?=[{ ]))?/y;

/** `# TYPE ` at `i`. */
function isTypeKeyword(s: string, i: number): boolean {
  return (
    s.charCodeAt(i + 1) === SPACE &&
    s.charCodeAt(i + 2) === 84 &&
    s.charCodeAt(i + 3) === 89 &&
    s.charCodeAt(i + 4) === 80 &&
    s.charCodeAt(i + 5) === 69 &&
    s.charCodeAt(i + 6) === SPACE
  );
}

/** The lower-case type word that starts with char `first` and has `length` chars. */
function typeOfWord(first: number, length: number): MetricType {
  if (length === 5) return 'gauge';
  if (length === 9) return 'histogram';
  if (length === 15) return 'gauge_histogram';
  return first === 99 ? 'counter' : first === 115 ? 'summary' : 'untyped';
}

/** A label-name sequence, with the expression matching sample lines that use it. */
interface Shape {
  /** Its key in the shape cache: the names joined with commas. */
  readonly id: string;
  readonly names: readonly string[];
  /**
   * Sticky: the rest of a sample line after `{`: the pairs, `}`, the value and the new-line. `le` and `quantile`
   * values must be floats.
   */
  readonly line: RegExp;
  /** Names strictly ascending: in families that do not fold, the block is the series key. */
  readonly sorted: boolean;
  /** Ignoring `le`/`quantile`, names strictly ascending, and at most one of them: keyed in folded families. */
  readonly foldKeyed: boolean;
}

/** Shapes by their names joined with commas; shared across bodies (exporters repeat them), bounded. */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 4096;

function shapeOf(names: readonly string[]): Shape {
  const id = names.join(',');
  let shape = shapes.get(id);
  if (shape === undefined) {
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    const pattern = names
      .map((name) => {
        const value = name === 'le' || name === 'quantile' ? FLOAT : name === 'instance' ? INSTANCE_VALUE : PLAIN_VALUE;
        return `${name}="${value}"`;
      })
      .join(',');
    let sorted = true;
    let keptSorted = true;
    let cuts = 0;
    let lastKept = '';
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      if (k > 0 && !((names[k - 1] as string) < name)) sorted = false;
      if (name === 'le' || name === 'quantile') cuts++;
      else {
        if (lastKept !== '' && !(lastKept < name)) keptSorted = false;
        lastKept = name;
      }
    }
    const line = new RegExp(`${pattern}\\} ${FLOAT}\\n`, 'y');
    shape = { id, names, line, sorted, foldKeyed: keptSorted && cuts <= 1 };
    shapes.set(id, shape);
  }
  return shape;
}

/**
 * The families of the current scan by a fingerprint of their name: a name whose slot holds no family of this scan
 * (the slot's mark differs) is certainly new, so most families are created without hashing or comparing their
 * names; the few that share a slot are compared. Scans are synchronous, so one table serves them all (it holds
 * numbers only: nothing of a scan outlives it there).
 */
const SLOTS = 4096;
const slotMarks = new Int32Array(SLOTS);
/** The index (in its scan's order) of the last family created in each slot. */
const slotFamilies = new Int32Array(SLOTS);
let lastMark = 0;

function nextMark(): number {
  if (lastMark === 0x7fffffff) {
    slotMarks.fill(0);
    lastMark = 0;
  }
  return ++lastMark;
}

/** Length and first, middle and last char of a name, folded into a slot. */
function slotOf(name: string): number {
  return slotAt(name, 0, name.length);
}

/** {@link slotOf} of the `n` chars at `at` (read where the name is written: cheaper than from a cut-out copy). */
function slotAt(s: string, at: number, n: number): number {
  return (n * 131 + s.charCodeAt(at) * 31 + s.charCodeAt(at + (n >> 1)) * 7 + s.charCodeAt(at + n - 1)) & (SLOTS - 1);
}

/** The body the families came from; the complete parse, run once when some family's samples are asked for. */
class Body {
  private complete: readonly MetricFamily[] | undefined;

  constructor(readonly text: string) {}

  family(index: number): MetricFamily {
    if (this.complete === undefined) {
      const parsed = parseFully(this.text);
      if (!parsed.ok) throw new Error(`fast scan accepted a body the parser refuses: ${parsed.error.message}`);
      this.complete = parsed.families;
    }
    const family = this.complete[index];
    if (family === undefined) throw new Error(`fast scan found more families than the parser (${index})`);
    return family;
  }
}

class ScannedFamily implements MetricFamily, FamilyFacts {
  /** Where the HELP text is in the body (cut out only if asked for); -1 without HELP. */
  helpStart = -1;
  helpEnd = -1;
  type: MetricType = 'untyped';
  typeDeclared = false;
  sampleCount = 0;
  /** The first shape its labelled samples used, and any others (most families have one or none). */
  firstShape: Shape | undefined;
  otherShapes: Shape[] | undefined;
  seriesDistinct = true;
  /** The previous sample's series key, as a range of the body; -1 before the first sample. */
  lastKeyStart = -1;
  lastKeyEnd = -1;
  /** The index of the family created before it in the same slot of the name table (see {@link slotOf}), or -1. */
  sameSlot = -1;

  constructor(
    readonly name: string,
    private readonly body: Body,
    private readonly index: number,
  ) {}

  get help(): string | undefined {
    return this.helpStart < 0 ? undefined : this.body.text.slice(this.helpStart, this.helpEnd);
  }

  get samples(): readonly Sample[] {
    return this.body.family(this.index).samples;
  }

  get seriesKeys(): readonly string[] | undefined {
    return this.body.family(this.index).seriesKeys;
  }

  get facts(): FamilyFacts {
    return this;
  }

  get labelNames(): readonly string[] {
    const first = this.firstShape;
    if (first === undefined) return NO_NAMES;
    const others = this.otherShapes;
    if (others === undefined) return first.names;
    return [...new Set([first, ...others].flatMap((shape) => shape.names))];
  }
}

const NO_NAMES: readonly string[] = [];

/**
 * The families of a well-formed body, or undefined when the body needs the complete parser (an error, or a form
 * outside the fast path). Never throws.
 */
export function scanExposition(text: string): MetricFamily[] | undefined {
  try {
    return new Scanner(text).run();
  } catch {
    return undefined; // defensive: the complete parser then decides
  }
}

class Scanner {
  private readonly body: Body;
  /** This scan's mark in the name table. */
  private readonly mark = nextMark();
  private readonly order: ScannedFamily[] = [];
  private lastName = '';
  private lastFamily: ScannedFamily | undefined;
  private lastCommentName = '';
  private lastCommentFamily: ScannedFamily | undefined;
  private lastShape: Shape | undefined;
  /** Where a sample line starts whose name is known to be `lastCommentName` (see {@link HELP_AND_TYPE}). */
  private namedLine = -1;
  private readonly backslash: NextOccurrence;

  constructor(private readonly s: string) {
    this.body = new Body(s);
    this.backslash = new NextOccurrence(s, '\\');
  }

  run(): ScannedFamily[] | undefined {
    const s = this.s;
    const length = s.length;
    let i = 0;
    while (i < length) {
      const c = s.charCodeAt(i);
      const next = c === HASH ? this.comment(i) : c === NL ? i + 1 : this.sample(i);
      if (next < 0) return undefined;
      i = next;
    }
    return this.order;
  }

  /** The family of a name written at `at`, created when new. */
  private family(name: string, at: number): ScannedFamily {
    const slot = slotAt(this.s, at, name.length);
    return this.inSlot(slot, name) ?? this.create(name, slot);
  }

  private create(name: string, slot: number): ScannedFamily {
    const index = this.order.length;
    const family = new ScannedFamily(name, this.body, index);
    this.order.push(family);
    if (slotMarks[slot] === this.mark) family.sameSlot = slotFamilies[slot] as number;
    else slotMarks[slot] = this.mark;
    slotFamilies[slot] = index;
    return family;
  }

  /** The family of this name, if any. */
  get(name: string): ScannedFamily | undefined {
    return this.inSlot(slotOf(name), name);
  }

  private inSlot(slot: number, name: string): ScannedFamily | undefined {
    if (slotMarks[slot] !== this.mark) return undefined; // no family of this scan there: certainly new
    for (let index = slotFamilies[slot] as number; index >= 0; ) {
      const family = this.order[index] as ScannedFamily;
      if (family.name === name) return family;
      index = family.sameSlot;
    }
    return undefined;
  }

  /** A `#` line: returns where the next line starts, or -1. */
  private comment(i: number): number {
    const s = this.s;
    if (s.charCodeAt(i + 1) === SPACE && s.charCodeAt(i + 6) === SPACE) {
      const k = s.charCodeAt(i + 2);
      if (k === 72 && s.charCodeAt(i + 3) === 69 && s.charCodeAt(i + 4) === 76 && s.charCodeAt(i + 5) === 80) {
        return this.help(i + 7); // HELP
      }
      if (isTypeKeyword(s, i)) return this.typeLine(i + 7);
    }
    // Any other comment is ignored, unless it is a HELP or TYPE line written another way.
    let k = i + 1;
    while (k < s.length && (s.charCodeAt(k) === SPACE || s.charCodeAt(k) === TAB)) k++;
    if (matchesAt(s, 'HELP', k) || matchesAt(s, 'TYPE', k)) {
      const end = s.charCodeAt(k + 4);
      if (end === SPACE || end === TAB || end === NL || Number.isNaN(end)) return -1;
    }
    const nl = s.indexOf('\n', i);
    return nl < 0 ? -1 : nl + 1;
  }

  private help(at: number): number {
    const s = this.s;
    HELP_AND_TYPE.lastIndex = at;
    if (HELP_AND_TYPE.test(s)) return this.helpAndType(at, HELP_AND_TYPE.lastIndex);
    METRIC_NAME.lastIndex = at;
    if (!METRIC_NAME.test(s)) return -1;
    const end = METRIC_NAME.lastIndex;
    if (s.charCodeAt(end) !== SPACE) return -1;
    const textAt = end + 1;
    const first = s.charCodeAt(textAt);
    if (first === SPACE || first === TAB) return -1;
    const nl = s.indexOf('\n', textAt);
    if (nl < 0 || this.backslash.from(textAt) < nl) return -1;
    const name = s.slice(at, end);
    const family = this.family(name, at);
    if (family.helpStart >= 0) return -1;
    family.helpStart = textAt;
    family.helpEnd = nl;
    this.lastName = '';
    this.lastCommentName = name;
    this.lastCommentFamily = family;
    return nl + 1;
  }

  /** A HELP line and the TYPE line of the same name after it, matched by {@link HELP_AND_TYPE} up to `end`. */
  private helpAndType(at: number, end: number): number {
    const s = this.s;
    const nameEnd = s.indexOf(' ', at);
    const nl = s.indexOf('\n', nameEnd);
    const name = s.slice(at, nameEnd);
    const typeAt = nl + 9 + name.length; // after `\n# TYPE <name> `
    const next = s.charCodeAt(end - 1) === NL ? end : end - name.length;
    if (next !== end) this.namedLine = next;
    const type = typeOfWord(s.charCodeAt(typeAt), next - 1 - typeAt);
    const family = this.family(name, at);
    if (family.helpStart >= 0 || family.typeDeclared || family.sampleCount > 0) return -1;
    family.helpStart = nameEnd + 1;
    family.helpEnd = nl;
    family.type = type;
    family.typeDeclared = true;
    this.lastName = '';
    this.lastCommentName = name;
    this.lastCommentFamily = family;
    return next;
  }

  private typeLine(at: number): number {
    const s = this.s;
    let name: string;
    let family: ScannedFamily | undefined;
    let end: number;
    const previous = this.lastCommentName;
    if (previous !== '' && !isMetricNameChar(s.charCodeAt(at + previous.length)) && matchesAt(s, previous, at)) {
      name = previous;
      family = this.lastCommentFamily;
      end = at + previous.length;
    } else {
      METRIC_NAME.lastIndex = at;
      if (!METRIC_NAME.test(s)) return -1;
      end = METRIC_NAME.lastIndex;
      name = s.slice(at, end);
    }
    if (s.charCodeAt(end) !== SPACE) return -1;
    const typeAt = end + 1;
    let type: MetricType | undefined;
    for (const candidate of LOWER_TYPES) {
      if (matchesAt(s, candidate, typeAt) && s.charCodeAt(typeAt + candidate.length) === NL) {
        type = candidate;
        break;
      }
    }
    if (type === undefined) return -1;
    family ??= this.family(name, at);
    if (family.typeDeclared || family.sampleCount > 0) return -1;
    family.type = type;
    family.typeDeclared = true;
    this.lastName = '';
    this.lastCommentName = name;
    this.lastCommentFamily = family;
    return typeAt + type.length + 1;
  }

  /** A sample line: returns where the next line starts, or -1. */
  private sample(i: number): number {
    const s = this.s;
    let name = this.lastName;
    let family: ScannedFamily | undefined;
    // Mostly the previous line's name again: its family, without reading the name.
    if (name !== '' && !isMetricNameChar(s.charCodeAt(i + name.length)) && matchesAt(s, name, i)) {
      family = this.lastFamily;
    }
    if (family === undefined) {
      const commented = this.lastCommentName;
      if (
        i === this.namedLine ||
        (commented !== '' && !isMetricNameChar(s.charCodeAt(i + commented.length)) && matchesAt(s, commented, i))
      ) {
        name = commented;
      } else {
        METRIC_NAME.lastIndex = i;
        if (!METRIC_NAME.test(s)) return -1;
        name = s.slice(i, METRIC_NAME.lastIndex);
      }
      family = this.familyOfSample(name, i);
      this.lastFamily = family;
      this.lastName = name;
    }
    const end = i + name.length;
    const folded = isFolded(family.type);
    const c = s.charCodeAt(end);
    if (c === SPACE) {
      VALUE.lastIndex = end;
      if (!VALUE.test(s)) return -1;
      if (family.seriesDistinct && !folded) this.nextKey(family, end, end);
      family.sampleCount++;
      return VALUE.lastIndex;
    }
    if (c !== LBRACE) return -1;
    const at = end + 1;
    // Mostly the previous line's label names again: one match checks the pairs and the value.
    let shape = this.lastShape;
    let matched = false;
    if (shape !== undefined) {
      shape.line.lastIndex = at;
      matched = shape.line.test(s);
    }
    if (!matched) {
      shape = this.readShape(at);
      if (shape === undefined) return -1;
      shape.line.lastIndex = at;
      if (!shape.line.test(s)) return -1;
      this.lastShape = shape;
    }
    shape = shape as Shape;
    const next = shape.line.lastIndex;
    const first = family.firstShape;
    if (first === undefined) family.firstShape = shape;
    else if (first !== shape) {
      const others = family.otherShapes;
      if (others === undefined) family.otherShapes = [shape];
      else if (!others.includes(shape)) others.push(shape);
    }
    if (family.seriesDistinct) {
      if (folded) family.seriesDistinct = shape.foldKeyed;
      else if (!shape.sorted) family.seriesDistinct = false;
      else this.nextKey(family, at, s.lastIndexOf('}', next)); // a value holds no brace
    }
    family.sampleCount++;
    return next;
  }

  /**
   * The series keys of a family that does not fold must ascend strictly to be known distinct. (Cut out and compared
   * natively: a char-by-char loop in JavaScript costs more.)
   */
  private nextKey(family: ScannedFamily, start: number, end: number): void {
    if (
      family.lastKeyStart >= 0 &&
      !(this.s.slice(family.lastKeyStart, family.lastKeyEnd) < this.s.slice(start, end))
    ) {
      family.seriesDistinct = false;
    }
    family.lastKeyStart = start;
    family.lastKeyEnd = end;
  }

  /** The shape of the label block at `at` (just after `{`), from its names; undefined when it is not plain. */
  private readShape(at: number): Shape | undefined {
    const s = this.s;
    const names: string[] = [];
    if (s.charCodeAt(at) === RBRACE) return shapeOf(names);
    let k = at;
    for (;;) {
      LABEL_NAME.lastIndex = k;
      if (!LABEL_NAME.test(s)) return undefined;
      const nameEnd = LABEL_NAME.lastIndex;
      if (s.charCodeAt(nameEnd) !== EQ || s.charCodeAt(nameEnd + 1) !== QUOTE) return undefined;
      // `__name__` is refused by the parser and other `__` names by the push rules: the complete path says so.
      if (s.charCodeAt(k) === 95 && s.charCodeAt(k + 1) === 95) return undefined;
      const name = s.slice(k, nameEnd);
      if (names.includes(name)) return undefined;
      names.push(name);
      // The value's characters are checked by the shape's expression.
      const close = s.indexOf('"', nameEnd + 2);
      if (close < 0) return undefined;
      const after = s.charCodeAt(close + 1);
      if (after === RBRACE) return shapeOf(names);
      if (after !== COMMA) return undefined;
      k = close + 2;
    }
  }

  /** The family of a sample: by expfmt's rule (see {@link foldingSuffix}), else the one of its own name. */
  private familyOfSample(name: string, at: number): ScannedFamily {
    const suffix = foldingSuffix(name);
    if (suffix > 0) {
      // `x_bucket` then `x_sum` then `x_count`, or right after x's TYPE line: x is the base, no lookup needed.
      const base =
        this.baseOf(this.lastFamily, name, suffix) ??
        this.baseOf(this.lastCommentFamily, name, suffix) ??
        this.get(name.slice(0, -suffix));
      if (base !== undefined && takesFolded(base.type, suffix)) return base;
    }
    const commented = this.lastCommentFamily;
    if (name === this.lastCommentName && commented !== undefined) return commented;
    return this.family(name, at);
  }

  /** `family` when `name` is its name and a folding suffix of that length. */
  private baseOf(family: ScannedFamily | undefined, name: string, suffix: number): ScannedFamily | undefined {
    return family !== undefined && family.name.length === name.length - suffix && matchesAt(name, family.name, 0)
      ? family
      : undefined;
  }
}
