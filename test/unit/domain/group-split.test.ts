import { Root } from 'protobufjs/light';
import { splitByGroup } from '../../../lambdas/domain/exposition/group-split';
import { METRICS_PROTO_DESCRIPTOR } from '../../../lambdas/domain/exposition/protobuf-descriptor';
import { delimitedBody } from '../../../lambdas/domain/exposition/protobuf-encode';
import { groupingKeyId } from '../../../lambdas/domain/grouping-key';

const familyType = Root.fromJSON(METRICS_PROTO_DESCRIPTOR).lookupType('io.prometheus.client.MetricFamily');

const labels = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }));
const family = (name: string, help: string | undefined, metrics: Record<string, string>[]) =>
  familyType
    .encode(
      familyType.fromObject({
        name,
        ...(help === undefined ? {} : { help }),
        type: 1, // GAUGE
        metric: metrics.map((m, i) => ({ label: labels(m), gauge: { value: i + 1 } })),
      }),
    )
    .finish();
const decode = (message: Uint8Array) =>
  familyType.toObject(familyType.decode(message)) as { name: string; help?: string; metric: { label: unknown[] }[] };

describe('splitByGroup: a Pushgateway protobuf /metrics cut back into its groups', () => {
  // As Pushgateway 1.5.1 serves it: families merged across groups, instance="" added, push times per group.
  const body = delimitedBody([
    family('go_goroutines', 'Own.', [{}]),
    family('m', 'Merged help.', [
      { instance: '', job: 'a' },
      { instance: 'i', job: 'a' },
      { instance: '', job: 'b', x: '1' },
    ]),
    family('push_time_seconds', 'Last push.', [
      { instance: '', job: 'a' },
      { instance: 'i', job: 'a' },
    ]),
  ]);
  const a = { job: 'a' };
  const ai = { job: 'a', instance: 'i' };
  const b = { job: 'b' };

  it('gives each metric to the group with the most key labels it carries, and drops push times and own families', () => {
    const split = splitByGroup(body, [a, ai, b]);
    expect([...split.keys()].sort()).toEqual([a, ai, b].map(groupingKeyId).sort());
    const metricsOf = (key: Record<string, string>) =>
      split
        .get(groupingKeyId(key))
        ?.messages.map(decode)
        .map((f) => [f.name, f.metric.map((m) => m.label)]);
    expect(metricsOf(a)).toEqual([['m', [labels({ instance: '', job: 'a' })]]]);
    expect(metricsOf(ai)).toEqual([['m', [labels({ instance: 'i', job: 'a' })]]]);
    expect(metricsOf(b)).toEqual([['m', [labels({ instance: '', job: 'b', x: '1' })]]]);
  });

  it("takes each group's own HELP when given, else the merged family's", () => {
    const split = splitByGroup(body, [a, b], (id) => (id === groupingKeyId(b) ? 'B help.' : undefined));
    expect(split.get(groupingKeyId(a))?.messages.map(decode)[0]?.help).toBe('Merged help.');
    expect(split.get(groupingKeyId(b))?.messages.map(decode)[0]?.help).toBe('B help.');
  });

  it('throws on a body that is not delimited MetricFamily messages', () => {
    expect(() => splitByGroup(new Uint8Array([0xff, 0xff, 0xff]), [a])).toThrow();
  });
});
