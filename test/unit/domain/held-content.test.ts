import { metricFamilyType } from '../../../lambdas/domain/exposition/protobuf';
import { delimitedBody } from '../../../lambdas/domain/exposition/protobuf-encode';
import { groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { heldContents, type ListedGroup } from '../../../lambdas/domain/held-content';

/**
 * Two replicas' views of their groups compared as the repair compares a restarted replica with the other
 * (test/integration/push-rolling-restart.test.ts does it against real Pushgateways 1.5.1).
 */

const label = (name: string, value: string) => ({ name, value: Buffer.from(value) });

/** One merged counter family as a Pushgateway serves it: a metric per group, `trace` as the exemplar of group a. */
function exposition(values: { a: number; b: number }, trace = 't1'): Uint8Array {
  const family = metricFamilyType()
    .encode({
      name: 'x_total',
      type: 0,
      metric: [
        {
          label: [label('instance', ''), label('job', 'a')],
          counter: { value: values.a, exemplar: { label: [label('trace_id', trace)], value: 1 } },
        },
        { label: [label('instance', ''), label('job', 'b')], counter: { value: values.b } },
      ],
    })
    .finish();
  const pushTime = metricFamilyType()
    .encode({ name: 'push_time_seconds', type: 1, metric: [{ label: [label('job', 'a')], gauge: { value: 17 } }] })
    .finish();
  return delimitedBody([family, pushTime]);
}

function listing(values: { a: number; b: number }): ListedGroup[] {
  return (['a', 'b'] as const).map((job) => ({
    key: { job },
    raw: {
      x_total: { type: 'COUNTER', metrics: [{ labels: { instance: '', job }, value: String(values[job]) }] },
    },
  }));
}

const A = groupingKeyId({ job: 'a' });
const B = groupingKeyId({ job: 'b' });

describe('heldContents', () => {
  it('renders the same content alike, whatever else the exposition carries (push times)', () => {
    const one = heldContents(listing({ a: 1, b: 2 }), exposition({ a: 1, b: 2 }));
    const other = heldContents(listing({ a: 1, b: 2 }), exposition({ a: 1, b: 2 }));
    expect(one.get(A)).toBeTruthy();
    expect([one.get(A), one.get(B)]).toEqual([other.get(A), other.get(B)]);
    expect(one.get(A)).not.toEqual(one.get(B));
  });

  it('tells apart two groups that differ only in what the API cannot show (an exemplar)', () => {
    const one = heldContents(listing({ a: 1, b: 2 }), exposition({ a: 1, b: 2 }, 't1'));
    const other = heldContents(listing({ a: 1, b: 2 }), exposition({ a: 1, b: 2 }, 't2'));
    expect(one.get(A)).not.toEqual(other.get(A));
    // Group b carries no exemplar: still the same.
    expect(one.get(B)).toEqual(other.get(B));
  });

  it('tells apart a value change, and leaves a group with a series the exposition lacks unknown', () => {
    const one = heldContents(listing({ a: 1, b: 2 }), exposition({ a: 1, b: 2 }));
    const changed = heldContents(listing({ a: 1, b: 3 }), exposition({ a: 1, b: 3 }));
    expect(one.get(B)).not.toEqual(changed.get(B));
    // The listing names a series the exposition (read at another time) does not have.
    const late = heldContents(
      [{ key: { job: 'c' }, raw: { x_total: { type: 'COUNTER', metrics: [{ labels: { instance: '', job: 'c' } }] } } }],
      exposition({ a: 1, b: 2 }),
    );
    expect([...late]).toEqual([[groupingKeyId({ job: 'c' }), undefined]]);
  });
});
