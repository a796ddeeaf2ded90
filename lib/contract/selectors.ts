import { parser } from '@prometheus-io/lezer-promql';

/**
 * The rule ↔ target contract: every vector selector of a PromQL query must name a `job` that some scrape target
 * (or pushed group, or recording rule) really produces, and a metric that target really exposes. Queries are
 * parsed with Prometheus' own PromQL grammar (`@prometheus-io/lezer-promql`), so nothing is guessed from text.
 *
 * Reusable: the alert/recording rules are checked with it, and so can the Grafana dashboards' panel queries.
 */

/** One query to check and where it comes from (e.g. `rule thanos/ThanosCompactorHalted`, `dashboard x panel y`). */
export interface Query {
  readonly source: string;
  readonly expr: string;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** A vector selector: its metric name (if written as a name or `__name__="x"`) and its other matchers. */
export interface Selector {
  readonly text: string;
  readonly metric?: string;
  readonly matchers: readonly LabelMatcher[];
}

/**
 * What a target exposes under one `job`: a scrape target (job computed from its monitor), the groups pushed to the
 * Pushgateway (their own `job`, kept by `honor_labels`), or the series a recording rule writes.
 */
export interface Target {
  /** The `job` label, or `'*pushed*'`: any job a batch job pushes under (not one a monitor produces). */
  readonly job: string | typeof ANY_PUSHED_JOB;
  /** Metric names the target exposes. */
  readonly names: ReadonlySet<string>;
  /** Where the names come from (a real binary scraped in the test, an upstream file and line, our conventions). */
  readonly origin: string;
}

export const ANY_PUSHED_JOB = '*pushed*';

export interface Violation {
  readonly source: string;
  readonly selector: string;
  readonly problem: string;
}

const OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** A PromQL string literal's value (double, single or back quotes; Go escapes in the first two). */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" })[c] ?? c);
}

/** Every vector selector of `expr` (inside matrix selectors, subqueries and function calls too). */
export function vectorSelectors(expr: string): Selector[] {
  const tree = parser.parse(expr);
  const selectors: Selector[] = [];
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
      if (node.name !== 'VectorSelector') return;
      let metric: string | undefined;
      const matchers: LabelMatcher[] = [];
      const cursor = node.node.cursor();
      cursor.firstChild();
      do {
        if (cursor.name === 'Identifier') metric = expr.slice(cursor.from, cursor.to);
        if (cursor.name !== 'LabelMatchers') continue;
        for (const m of cursor.node
          .getChildren('UnquotedLabelMatcher')
          .concat(cursor.node.getChildren('QuotedLabelMatcher'))) {
          const nameNode = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
          const opNode = m.getChild('MatchOp')?.firstChild;
          const valueNode = m.getChild('StringLiteral');
          if (!nameNode || !opNode || !valueNode) continue;
          const rawName = expr.slice(nameNode.from, nameNode.to);
          const name = rawName.startsWith('"') ? unquote(rawName) : rawName;
          const op = OPS[opNode.name];
          if (!op) continue;
          const value = unquote(expr.slice(valueNode.from, valueNode.to));
          if (name === '__name__' && op === '=') metric = value;
          else matchers.push({ name, op, value });
        }
      } while (cursor.nextSibling());
      selectors.push({ text: expr.slice(node.from, node.to), ...(metric ? { metric } : {}), matchers });
    },
  });
  if (error !== undefined) throw new Error(`not valid PromQL at offset ${error}: ${expr}`);
  return selectors;
}

/** Whether `value` satisfies a matcher (regexes fully anchored, as Prometheus does). */
export function matches(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(value);
  }
}

/** A regex that is only literal names separated by `|` (`a|b-c`): the names it matches, else `undefined`. */
function literalAlternatives(regex: string): string[] | undefined {
  return /^[A-Za-z0-9_:-]+(\|[A-Za-z0-9_:-]+)*$/.test(regex) ? regex.split('|') : undefined;
}

/**
 * Whether a `job` matcher can select a pushed group. A pushed job can be named anything except what a monitor
 * produces (and is never empty): an equality, or a regex of literal names, must name such a job; a negative matcher
 * or a real regex (`nightly-.*`) can match one.
 */
function mayMatchPushedJob(matcher: LabelMatcher, scrapedJobs: ReadonlySet<string>): boolean {
  if (matcher.op === '!=' || matcher.op === '!~') return true;
  const names = matcher.op === '=' ? [matcher.value] : literalAlternatives(matcher.value);
  return names === undefined || names.some((name) => name !== '' && !scrapedJobs.has(name));
}

/** The targets a selector's `job` matchers can select. A pushed group's job is any name no monitor produces. */
function candidateTargets(selector: Selector, targets: readonly Target[]): Target[] {
  const jobMatchers = selector.matchers.filter((m) => m.name === 'job');
  const scrapedJobs = new Set(targets.flatMap((t) => (t.job === ANY_PUSHED_JOB ? [] : [t.job])));
  return targets.filter((target) => {
    if (target.job !== ANY_PUSHED_JOB) return jobMatchers.every((m) => matches(m, target.job as string));
    return jobMatchers.every((m) => mayMatchPushedJob(m, scrapedJobs));
  });
}

function describeJob(selector: Selector): string {
  const jobs = selector.matchers.filter((m) => m.name === 'job');
  return jobs.length === 0 ? 'any job' : jobs.map((m) => `job${m.op}"${m.value}"`).join(',');
}

/**
 * Checks every vector selector of every query against the targets: its `job` matchers must select at least one
 * target, and one of those must expose its metric name. Returns one violation per failing selector (empty: all
 * good). A query that does not parse is a violation too.
 */
export function checkSelectors(queries: readonly Query[], targets: readonly Target[]): Violation[] {
  const violations: Violation[] = [];
  for (const query of queries) {
    let selectors: Selector[];
    try {
      selectors = vectorSelectors(query.expr);
    } catch (error) {
      violations.push({ source: query.source, selector: query.expr, problem: (error as Error).message });
      continue;
    }
    for (const selector of selectors) {
      const candidates = candidateTargets(selector, targets);
      const named = candidates.filter((t) => t.job !== ANY_PUSHED_JOB);
      if (!selector.metric) {
        violations.push({ source: query.source, selector: selector.text, problem: 'selector has no metric name' });
        continue;
      }
      if (candidates.some((t) => t.names.has(selector.metric as string))) continue;
      const problem =
        named.length === 0 && selector.matchers.some((m) => m.name === 'job' && m.op === '=')
          ? `${describeJob(selector)} is produced by no monitor, and no pushed group carries ${selector.metric}`
          : `${selector.metric} is exposed by none of the targets ${describeJob(selector)} selects (${
              named.map((t) => t.job).join(', ') || 'pushed groups only'
            })`;
      violations.push({ source: query.source, selector: selector.text, problem });
    }
  }
  return violations;
}
