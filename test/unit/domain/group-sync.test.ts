import type { GroupRecord } from '../../../lambdas/domain/group-record';
import {
  abandonWriters,
  acknowledgeEntry,
  beginEntry,
  canBeAlone,
  commitEntry,
  condemnEntry,
  finishEntry,
  type GroupEntry,
  invalidateReplica,
  isAcknowledged,
  isCollectable,
  isUnsettled,
  owedReplicas,
  PUSH_WRITER_PREFIX,
  type SyncTiming,
} from '../../../lambdas/domain/group-sync';

const timing: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };
const R = ['pushgateway-0', 'pushgateway-1'];
const record = (version: number, deleted = false): GroupRecord => ({
  id: 'job="a"',
  key: { job: 'a' },
  version,
  deleted,
  families: [],
});
const applied = { 'pushgateway-0': 'applied', 'pushgateway-1': 'applied' } as const;

describe('group sync: when a replica may be trusted to hold a version', () => {
  it('proves the replicas a lone writer wrote', () => {
    const { entry, writer } = commitEntry(undefined, record(1), 'w1', 0, timing);
    expect(writer.alone).toBe(true);
    const done = finishEntry(entry, writer, applied, 10, timing);
    expect(done.synced).toEqual({ 'pushgateway-0': 1, 'pushgateway-1': 1 });
    expect(owedReplicas(done, R)).toEqual([]);
  });

  it('proves nothing for overlapping writers: either write may have landed last', () => {
    const first = commitEntry(undefined, record(1), 'w1', 0, timing);
    const second = commitEntry(first.entry, record(2), 'w2', 1, timing);
    expect(second.writer.alone).toBe(false);
    let entry = finishEntry(second.entry, second.writer, applied, 2, timing);
    entry = finishEntry(entry, first.writer, applied, 3, timing);
    expect(owedReplicas(entry, R)).toEqual(R);
    // The first writer began alone, but another began before it finished: its write may be the older one landing last.
    expect(entry.synced).toEqual({});
  });

  it('keeps a group untrusted for the lease after a write went unanswered (it may still land)', () => {
    const { entry, writer } = commitEntry(undefined, record(1), 'w1', 0, timing);
    const done = finishEntry(entry, writer, { 'pushgateway-0': 'applied', 'pushgateway-1': 'unknown' }, 100, timing);
    expect(done.synced).toEqual({ 'pushgateway-0': 1 });
    expect(canBeAlone(done, 100 + timing.leaseMs - 1, timing)).toBe(false);
    expect(canBeAlone(done, 100 + timing.leaseMs, timing)).toBe(true);
    expect(beginEntry(done, 'repair', 200, timing).writer.alone).toBe(false);
  });

  it('treats writers older than the expiry as dead, their writes possibly travelling for a lease more', () => {
    const { entry } = commitEntry(undefined, record(1), 'crashed', 0, timing);
    expect(canBeAlone(entry, timing.writerExpiryMs, timing)).toBe(false);
    expect(canBeAlone(entry, timing.writerExpiryMs + timing.leaseMs, timing)).toBe(true);
    const restarted = abandonWriters(entry, 10, timing);
    expect(restarted.writers).toEqual({});
    expect(canBeAlone(restarted, 10 + timing.leaseMs, timing)).toBe(true);
  });

  it('forgets what a restarted replica held, and a writer in flight across the restart proves nothing', () => {
    const { entry, writer } = commitEntry(undefined, record(1), 'w1', 0, timing);
    const restarted = invalidateReplica(entry, 'pushgateway-1');
    const done = finishEntry(restarted, writer, applied, 1, timing);
    expect(owedReplicas(done, R)).toEqual(R);
  });

  it('drops a tombstone only once every replica is proven not to hold the group and nobody writes it', () => {
    const { entry, writer } = commitEntry(undefined, record(2, true), 'w1', 0, timing);
    expect(isCollectable(entry, R, 1, timing)).toBe(false);
    const done: GroupEntry = finishEntry(entry, writer, applied, 1, timing);
    expect(isCollectable(done, R, 2, timing)).toBe(true);
  });
});

describe('group sync: acknowledging a push, or condemning it, in one conditional write', () => {
  it('leaves a new version unacknowledged until its writer acknowledges it; earlier versions keep their standing', () => {
    const first = commitEntry(undefined, record(1), 'w1', 0, timing);
    expect(isAcknowledged(first.entry)).toBe(false);
    const acked = acknowledgeEntry(first.entry, first.writer, applied, 1, timing);
    expect(acked.ok).toBe(true);
    expect(isAcknowledged(acked.entry)).toBe(true);
    expect(acked.entry.synced).toEqual({ 'pushgateway-0': 1, 'pushgateway-1': 1 });
    const second = commitEntry(acked.entry, record(2), 'w2', 2, timing);
    expect([second.entry.acked, isAcknowledged(second.entry)]).toEqual([1, false]);
  });

  it('refuses to acknowledge a condemned version, with the reason, and refuses to condemn an acknowledged one', () => {
    const { entry, writer } = commitEntry(undefined, record(1), 'w1', 0, timing);
    const condemned = condemnEntry(entry, 1, 'second metric "shared" is not a GAUGE');
    if (!condemned) throw new Error('an unacknowledged current version can be condemned');
    expect(condemned.rev).toBe(entry.rev + 1);
    // Once is enough: condemning it again writes nothing.
    expect(condemnEntry(condemned, 1, 'again')).toBeUndefined();
    const answer = acknowledgeEntry(condemned, writer, applied, 1, timing);
    expect(answer).toMatchObject({ ok: false, reason: 'second metric "shared" is not a GAUGE' });
    expect(isAcknowledged(answer.entry)).toBe(false);
    // The writer is finished either way (no longer in flight).
    expect(answer.entry.writers).toEqual({});

    const other = commitEntry(undefined, record(1), 'w2', 0, timing);
    const acked = acknowledgeEntry(other.entry, other.writer, applied, 1, timing).entry;
    expect(condemnEntry(acked, 1, 'too late')).toBeUndefined();
    // Nor a version the group has moved past.
    const moved = commitEntry(entry, record(2), 'w3', 2, timing).entry;
    expect(condemnEntry(moved, 1, 'gone')).toBeUndefined();
  });

  it('counts entries from before acknowledgements were kept as acknowledged (they were answered 2xx)', () => {
    const legacy: GroupEntry = { record: record(4), rev: 9, begins: 3, writers: {}, abandonedUntil: 0, synced: {} };
    expect(isAcknowledged(legacy)).toBe(true);
    expect(condemnEntry(legacy, 4, 'x')).toBeUndefined();
    expect(commitEntry(legacy, record(5), 'w', 0, timing).entry.acked).toBe(4);
  });

  it('calls a version unsettled while its push is writing it and it is not acknowledged (the next push waits)', () => {
    const token = `${PUSH_WRITER_PREFIX}1`;
    const { entry, writer } = commitEntry(undefined, record(1), token, 0, timing);
    expect(isUnsettled(entry)).toBe(true);
    // Acknowledged, or its writer finished without that (put back, or replaced): settled.
    expect(isUnsettled(acknowledgeEntry(entry, writer, applied, 1, timing).entry)).toBe(false);
    expect(isUnsettled(finishEntry(entry, writer, applied, 1, timing))).toBe(false);
    // Condemned, it is settled only once its writer has put it back (followed before, it would live on).
    const condemned = condemnEntry(entry, 1, 'lost') as GroupEntry;
    expect(isUnsettled(condemned)).toBe(true);
    expect(isUnsettled(acknowledgeEntry(condemned, writer, applied, 1, timing).entry)).toBe(false);
    // The repair writing an unacknowledged version is not a push that may lose.
    const repairing = beginEntry(finishEntry(entry, writer, applied, 1, timing), 'repair-1', 2, timing).entry;
    expect(isUnsettled(repairing)).toBe(false);
    // An acknowledged version with the next push's writer on the group before it commits: settled.
    const acked = acknowledgeEntry(entry, writer, applied, 1, timing).entry;
    expect(isUnsettled(beginEntry(acked, `${PUSH_WRITER_PREFIX}2`, 3, timing).entry)).toBe(false);
  });
});
