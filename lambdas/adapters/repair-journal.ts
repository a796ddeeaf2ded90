import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The durable journal of pushes a replica missed: acknowledged to the client, applied to at least one replica,
 * still owed to this one. The repair replays them in order; an entry leaves the journal only once applied.
 */
export interface JournalEntry {
  /** Sortable and unique: replay order. */
  readonly id: string;
  readonly replica: string;
  readonly method: 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  /** The body as received, base64. */
  readonly body: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** ISO time the ingestion acknowledged the push. */
  readonly receivedAt: string;
}

export interface RepairJournal {
  /** Stores entries durably before the push is acknowledged. */
  append(entries: readonly JournalEntry[]): Promise<void>;
  /** The oldest entries owed to `replica`, in order. */
  pending(replica: string, limit?: number): Promise<JournalEntry[]>;
  hasPending(replica: string): Promise<boolean>;
  remove(entry: JournalEntry): Promise<void>;
  /** Records that a group was deleted (before the DELETE reaches any replica), so reconciliation never revives it. */
  noteDeleted(groupId: string, at: Date): Promise<void>;
  /** Groups deleted at or after `since`. */
  recentlyDeleted(since: Date): Promise<Set<string>>;
}

/** How long a deleted group stays protected from reconciliation. */
export const DELETE_TOMBSTONE_MS = 10 * 60 * 1000;

let sequence = 0;
/** A journal id that sorts by time, then by arrival within this process. */
export function journalId(now: Date = new Date()): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${now.getTime().toString().padStart(15, '0')}-${sequence.toString().padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A journal in a local append-only file (JSON lines; `{"done": id}` marks an applied entry), fsynced on every
 * write, so a restart of the local service loses nothing it acknowledged. Rewritten compactly when it drains.
 */
export class FileRepairJournal implements RepairJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly deleted = new Map<string, number>();

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const record = JSON.parse(line) as JournalEntry | { done: string } | { deleted: string; at: number };
          if ('done' in record) this.entries.delete(record.done);
          else if ('deleted' in record) this.deleted.set(record.deleted, record.at);
          else this.entries.set(record.id, record);
        } catch {
          // a torn last line from a crash mid-write: that entry was never acknowledged
        }
      }
    }
    this.rewrite();
  }

  private write(records: readonly unknown[]): void {
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private rewrite(): void {
    const temp = `${this.file}.tmp`;
    const horizon = Date.now() - DELETE_TOMBSTONE_MS;
    for (const [id, at] of this.deleted) if (at < horizon) this.deleted.delete(id);
    const records: unknown[] = [
      ...this.entries.values(),
      ...[...this.deleted].map(([deleted, at]) => ({ deleted, at })),
    ];
    fs.writeFileSync(temp, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fs.renameSync(temp, this.file);
  }

  async append(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.write(entries);
    for (const entry of entries) this.entries.set(entry.id, entry);
  }

  async pending(replica: string, limit = 100): Promise<JournalEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.replica === replica)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
  }

  async hasPending(replica: string): Promise<boolean> {
    for (const entry of this.entries.values()) if (entry.replica === replica) return true;
    return false;
  }

  async remove(entry: JournalEntry): Promise<void> {
    if (!this.entries.has(entry.id)) return;
    this.write([{ done: entry.id }]);
    this.entries.delete(entry.id);
    if (this.entries.size === 0) this.rewrite();
  }

  async noteDeleted(groupId: string, at: Date): Promise<void> {
    this.write([{ deleted: groupId, at: at.getTime() }]);
    this.deleted.set(groupId, at.getTime());
  }

  async recentlyDeleted(since: Date): Promise<Set<string>> {
    const result = new Set<string>();
    for (const [id, at] of this.deleted) if (at >= since.getTime()) result.add(id);
    return result;
  }

  /** Entries owed, all replicas (for tests and status). */
  size(): number {
    return this.entries.size;
  }
}
