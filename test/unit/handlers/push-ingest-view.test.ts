import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { type GroupRecord, nextRecord, storedFamilies } from '../../../lambdas/domain/group-record';
import { groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';

/** A record of group `{job}` holding `text` (as the handler commits it). */
function record(job: string, text: string, version = 1): GroupRecord {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const first = nextRecord(undefined, 'PUT', { job }, storedFamilies(parsed.families), 1);
  return { ...first, version };
}

const ids = (view: GroupView) => [...view.index.ids()].sort();
const typeOf = (view: GroupView, job: string) =>
  view.current(groupingKeyId({ job }))?.families.find((f) => f.name === 'shared')?.type;

describe('GroupView.refresh (a replica refused a record: the view is brought to the store)', () => {
  it('shows what the store holds, drops what it no longer holds, and leaves the groups it is told to keep', () => {
    const view = new GroupView();
    view.show(record('gone', 'gone_metric 1\n'));
    view.show(record('cut', '# TYPE shared counter\nshared 1\n'));
    view.show(record('inflight', '# TYPE inflight_metric gauge\ninflight_metric 1\n'));

    const stored = [
      record('other', '# TYPE shared gauge\nshared 2\n'),
      { ...record('cut', 'cut_only 1\n'), version: 2 },
      { ...record('deleted', 'x 1\n'), deleted: true, families: [] },
    ];
    view.refresh(stored, (id) => id === groupingKeyId({ job: 'inflight' }));

    expect(ids(view)).toEqual(['cut', 'inflight', 'other'].map((job) => groupingKeyId({ job })).sort());
    expect(typeOf(view, 'other')).toBe('gauge');
    expect(typeOf(view, 'cut')).toBeUndefined();
    expect(view.current(groupingKeyId({ job: 'inflight' }))?.families.map((f) => f.name)).toEqual(['inflight_metric']);
    expect(view.index.typeElsewhere('shared', groupingKeyId({ job: 'new' }))?.type).toBe('gauge');
  });
});
