import type { GroupEntry } from '../../domain/group-sync';

/** How many groups' entries one process remembers: the groups it acknowledged last (a batch job fleet's). */
export const SETTLED_ENTRIES_HELD = 10_000;

/**
 * The entry this process last stored for a group when it acknowledged a push to it, so the group's next push can be
 * committed on it without reading the store first: the commit is conditional on that entry's rev, like any, and
 * every write of an entry raises its rev, so the commit succeeds only if the entry is still exactly the stored one
 * (settled then: its version acknowledged, its writer finished). Otherwise the commit fails and the push reads the
 * store as it would have. In AWS that is a DynamoDB read fewer per push to a group this instance pushed last.
 * An entry is taken out when used, and the oldest go first past {@link SETTLED_ENTRIES_HELD}.
 */
export class SettledEntries {
  private readonly entries = new Map<string, GroupEntry>();

  constructor(private readonly held = SETTLED_ENTRIES_HELD) {}

  /** Remembers `entry` (as just stored, settled) as its group's. */
  remember(entry: GroupEntry): void {
    const id = entry.record.id;
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.held) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** The entry remembered for `id`, forgotten as it is handed out (one commit attempt builds on it). */
  take(id: string): GroupEntry | undefined {
    const entry = this.entries.get(id);
    if (entry) this.entries.delete(id);
    return entry;
  }

  /** Entries held (tests). */
  size(): number {
    return this.entries.size;
  }
}
