import { recordSampleCount } from '../../domain/group-record';
import type { GroupEntry } from '../../domain/group-sync';

/**
 * How much one process remembers: the groups it acknowledged last (a batch job fleet's), and at most this many
 * samples in their records all together (a group holds at most 10,000 series by default, push-limits.ts; half a
 * million samples of text are some tens of MB, beside a 1 GB function).
 */
export const SETTLED_ENTRIES_HELD = { groups: 10_000, samples: 500_000 } as const;

/**
 * The entry this process last stored for a group when it acknowledged a push to it, so the group's next push can be
 * committed on it without reading the store first: the commit is conditional on that entry's rev, like any, and
 * every write of an entry raises its rev, so the commit succeeds only if the entry is still exactly the stored one
 * (settled then: its version acknowledged, its writer finished). Otherwise the commit fails and the push reads the
 * store as it would have. In AWS that is a DynamoDB read fewer per push to a group this instance pushed last.
 * An entry is taken out when used, and the oldest go first past either bound of {@link SETTLED_ENTRIES_HELD}.
 */
export class SettledEntries {
  private readonly entries = new Map<string, { entry: GroupEntry; samples: number }>();
  private samples = 0;

  constructor(private readonly held: { readonly groups: number; readonly samples: number } = SETTLED_ENTRIES_HELD) {}

  /** Remembers `entry` (as just stored, settled) as its group's. */
  remember(entry: GroupEntry): void {
    const id = entry.record.id;
    this.take(id);
    const samples = recordSampleCount(entry.record);
    if (samples > this.held.samples) return;
    this.entries.set(id, { entry, samples });
    this.samples += samples;
    while (this.entries.size > this.held.groups || this.samples > this.held.samples) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.take(oldest);
    }
  }

  /** The entry remembered for `id`, forgotten as it is handed out (one commit attempt builds on it). */
  take(id: string): GroupEntry | undefined {
    const held = this.entries.get(id);
    if (!held) return undefined;
    this.entries.delete(id);
    this.samples -= held.samples;
    return held.entry;
  }

  /** Groups and samples held (tests). */
  size(): { groups: number; samples: number } {
    return { groups: this.entries.size, samples: this.samples };
  }
}
