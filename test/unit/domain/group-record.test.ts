import fc from 'fast-check';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { decodeDelimitedProtobuf } from '../../../lambdas/domain/exposition/protobuf';
import {
  familyText,
  nextRecord,
  PROTOBUF_DELIMITED,
  recordBody,
  recordExposition,
  revertedRecord,
  storedFamilies,
} from '../../../lambdas/domain/group-record';
import { delimited } from '../../support/push-corpus';

function families(text: string) {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.families;
}

describe('group records', () => {
  it('writes each family back as text that parses to the same samples, HELP and type (any label value)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('counter', 'gauge', 'untyped'), (value, help, type) => {
        const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
        const helpText = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
        const source = `# HELP m ${helpText}\n# TYPE m ${type}\nm{v="${escaped}"} 1.5e3\n`;
        const [original] = families(source);
        if (!original) throw new Error('no family');
        const [copy] = families(familyText(original));
        expect(copy?.samples.map((s) => [s.name, s.labels, s.value])).toEqual(
          original.samples.map((s) => [s.name, s.labels, s.value]),
        );
        expect([copy?.help, copy?.type]).toEqual([original.help, original.type]);
      }),
    );
  });

  it('keeps histograms whole and drops families without samples (expfmt drops them too)', () => {
    const text = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n# TYPE e gauge\n';
    const stored = storedFamilies(families(text));
    expect(stored.map((f) => [f.name, f.sampleCount])).toEqual([['h', 4]]);
    expect(stored[0]?.text).toBe('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n');
  });

  it('versions PUT, POST and DELETE as the Pushgateway applies them, and reverts to the previous content', () => {
    const key = { job: 'a' };
    const v1 = nextRecord(undefined, 'PUT', key, storedFamilies(families('x 1\ny 2\n')));
    const v2 = nextRecord(v1, 'POST', key, storedFamilies(families('y 3\nz 4\n')));
    expect([v2.version, recordExposition(v2)]).toEqual([2, 'x 1\ny 3\nz 4\n']);
    const v3 = nextRecord(v2, 'DELETE', key, []);
    expect([v3.version, v3.deleted, v3.families]).toEqual([3, true, []]);
    const v4 = nextRecord(v3, 'POST', key, storedFamilies(families('w 1\n')));
    expect([v4.version, recordExposition(v4)]).toEqual([4, 'w 1\n']);
    expect(revertedRecord(v4, v3)).toEqual({ ...v3, version: 5 });
    expect(revertedRecord(v1, undefined)).toMatchObject({ version: 2, deleted: true });
  });

  it('writes a group as text until it holds a protobuf family, then as delimited protobuf, pushed messages as sent', () => {
    const key = { job: 'm' };
    const text = nextRecord(undefined, 'PUT', key, storedFamilies(families(TEXT)));
    expect(recordBody(text).contentType).toMatch(/^text\/plain/);
    const pushed = delimited({
      name: 'gh',
      type: 5,
      metric: [{ histogram: { sample_count: 2, sample_sum: 2, bucket: [{ cumulative_count: 2, upper_bound: 5 }] } }],
    });
    const decoded = decodeDelimitedProtobuf(pushed);
    if (!decoded.ok) throw new Error(decoded.message);
    const mixed = nextRecord(text, 'POST', key, storedFamilies(decoded.families));
    const body = recordBody(mixed);
    expect(body.contentType).toBe(PROTOBUF_DELIMITED);
    // The pushed message is sent byte for byte (after the text families).
    expect(Buffer.from(body.body).subarray(body.body.length - pushed.length)).toEqual(pushed);
    const back = decodeDelimitedProtobuf(body.body);
    if (!back.ok) throw new Error(back.message);
    const samples = (
      fs: readonly { name: string; samples: readonly { name: string; labels: unknown; value: string }[] }[],
    ) => fs.map((f) => [f.name, f.samples.map((x) => [x.name, x.labels, x.value])]);
    // The text families come back as the same samples (values in Go's spelling of the same numbers).
    expect(samples(back.families.slice(0, 3))).toEqual(samples(families(TEXT)));
    expect(back.families.map((f) => f.type)).toEqual(['summary', 'histogram', 'counter', 'gauge_histogram']);
  });
});

const TEXT =
  '# TYPE s summary\ns{quantile="0.5"} 0.2\ns_sum 1.5\ns_count 7\n' +
  '# TYPE h histogram\nh_bucket{b="x",le="1"} 1\nh_bucket{b="x",le="+Inf"} 2\nh_sum{b="x"} 3.5\nh_count{b="x"} 2\n' +
  '# HELP c A counter.\n# TYPE c counter\nc{a="q\\"uote"} 3\n';
