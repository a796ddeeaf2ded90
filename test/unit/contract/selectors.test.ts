import { ANY_PUSHED_JOB, checkSelectors, type Target, vectorSelectors } from '../../../lib/contract/selectors';

const targets: Target[] = [
  { job: 'prometheus', names: new Set(['up', 'prometheus_tsdb_head_series']), origin: 'test' },
  {
    job: 'thanos-compactor',
    names: new Set(['greenlang_thanos_compactor_halted', 'push_time_seconds']),
    origin: 'test',
  },
  { job: ANY_PUSHED_JOB, names: new Set(['push_time_seconds', 'push_failure_time_seconds']), origin: 'test' },
  { job: '', names: new Set(['slo:sli_error:ratio_rate5m']), origin: 'recording' },
];

describe('vector selectors of a PromQL expression (Prometheus grammar)', () => {
  it('finds selectors in functions, matrices, subqueries and binary operations, with their matchers', () => {
    const selectors = vectorSelectors(
      'sum by (job) (rate(a_total{job="x", code=~"5.."}[5m])) / on (job) max_over_time(b{job!="y"}[1h:5m]) and {__name__="c"}',
    );
    expect(selectors).toEqual([
      {
        text: 'a_total{job="x", code=~"5.."}',
        metric: 'a_total',
        matchers: [
          { name: 'job', op: '=', value: 'x' },
          { name: 'code', op: '=~', value: '5..' },
        ],
      },
      { text: 'b{job!="y"}', metric: 'b', matchers: [{ name: 'job', op: '!=', value: 'y' }] },
      { text: '{__name__="c"}', metric: 'c', matchers: [] },
    ]);
  });

  it('rejects an expression that is not PromQL, naming where', () => {
    expect(() => vectorSelectors('sum(rate(x[5m])')).toThrow(/not valid PromQL at offset/);
  });
});

describe('checkSelectors', () => {
  it('accepts scraped, pushed and recorded series', () => {
    expect(
      checkSelectors(
        [
          { source: 'a', expr: 'prometheus_tsdb_head_series{job="prometheus"} > 1' },
          { source: 'b', expr: 'greenlang_thanos_compactor_halted{job="thanos-compactor"} == 1' },
          { source: 'c', expr: 'push_failure_time_seconds > push_time_seconds{job!="thanos-compactor"}' },
          { source: 'd', expr: 'slo:sli_error:ratio_rate5m > 0.1' },
          { source: 'e', expr: 'up{job=~"prom.*"} == 0' },
        ],
        targets,
      ),
    ).toEqual([]);
  });

  it('reports a job no target has, a metric the job does not expose, a selector without a name, bad PromQL', () => {
    const violations = checkSelectors(
      [
        { source: 'renamed', expr: 'up{job="prometheus-k8s"} == 0' },
        { source: 'missing', expr: 'prometheus_tsdb_head_chunks{job="prometheus"}' },
        { source: 'nameless', expr: '{job="prometheus"}' },
        { source: 'broken', expr: 'rate(' },
      ],
      targets,
    );
    expect(violations.map((v) => [v.source, v.problem])).toEqual([
      ['renamed', expect.stringContaining('job="prometheus-k8s" is produced by no monitor')],
      ['missing', expect.stringContaining('prometheus_tsdb_head_chunks is exposed by none of the targets')],
      ['nameless', 'selector has no metric name'],
      ['broken', expect.stringContaining('not valid PromQL')],
    ]);
  });

  it('lets a pushed group answer a negative or real-regex job matcher, but not one naming only scraped jobs', () => {
    const violations = checkSelectors(
      [
        { source: 'negative', expr: 'push_failure_time_seconds{job!="prometheus"}' },
        { source: 'regex', expr: 'push_failure_time_seconds{job=~"nightly-.*"}' },
        { source: 'one pushed name', expr: 'push_failure_time_seconds{job=~"prometheus|nightly-report"}' },
        { source: 'scraped names only', expr: 'push_failure_time_seconds{job=~"prometheus|thanos-compactor"}' },
        { source: 'no job', expr: 'push_failure_time_seconds{job=""}' },
      ],
      targets,
    );
    expect(violations.map((v) => v.source)).toEqual(['scraped names only', 'no job']);
  });
});
