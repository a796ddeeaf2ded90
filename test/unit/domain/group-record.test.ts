import fc from 'fast-check';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import {
  familyText,
  nextRecord,
  recordExposition,
  revertedRecord,
  storedFamilies,
} from '../../../lambdas/domain/group-record';

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
});
