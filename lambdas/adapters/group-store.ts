import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Mark } from '../domain/conflict-marks';
import type { GroupRecord } from '../domain/group-record';
import type { GroupEntry } from '../domain/group-sync';

/**
 * The repair store: the record of every group (the truth the replicas are brought to) and which replica is proven
 * to hold which version. DynamoDB in AWS (`dynamodb-group-store.ts`), a local file for `npm run local`.
 * Writes are conditional on the entry's `rev`, so concurrent writers of one group are serialised here.
 */
export interface GroupStore {
  get(id: string): Promise<GroupEntry | undefined>;
  /**
   * Stores `entry` if the stored entry still has rev `expectedRev` (undefined: none stored); false when another
   * write came first. Durable when it resolves true.
   */
  put(entry: GroupEntry, expectedRev: number | undefined): Promise<boolean>;
  /** Removes the entry if it still has rev `expectedRev`. */
  remove(id: string, expectedRev: number): Promise<boolean>;
  /** Every entry, tombstones included (start-up and full synchronisation only: never per push). */
  all(): Promise<GroupEntry[]>;
  /** Entries some replica is not proven to hold (what the repair works on), at most `limit`. */
  owed(limit: number): Promise<GroupEntry[]>;
  getMeta(name: string): Promise<string | undefined>;
  putMeta(name: string, value: string): Promise<void>;
  /** The marks of these family names that exist (conflict-marks.ts), read strongly consistent. */
  getMarks(names: readonly string[]): Promise<Map<string, Mark>>;
  /**
   * Stores the mark of `name` if the stored mark still has epoch `expectedEpoch` (undefined: if none is stored);
   * false when another write came first. Durable when it resolves true.
   */
  putMark(name: string, mark: Mark, expectedEpoch: number | undefined): Promise<boolean>;
}

/** The group's record does not fit the store (the push that would make it so is answered 413). */
export class GroupTooLargeError extends Error {
  override readonly name = 'GroupTooLargeError';
}

export interface UpdateOptions {
  /** @default 50 */
  readonly attempts?: number;
  /**
   * The entry the caller itself stored last, if it knows it: the first attempt is built on it without reading the
   * store, its write conditional on that entry's rev like any other (a DynamoDB read fewer per push). If anyone wrote
   * the entry since, that write fails and the next attempt reads the store as usual.
   */
  readonly known?: GroupEntry;
}

/**
 * Applies `change` to the stored entry of `id`, retrying on concurrent writes. `change` returns the new entry, or
 * undefined to leave the entry as it is. Resolves with what was stored (or the unchanged entry).
 */
export async function updateEntry<T>(
  store: GroupStore,
  id: string,
  change: (current: GroupEntry | undefined) => { entry: GroupEntry; result: T } | undefined,
  options: UpdateOptions = {},
): Promise<{ entry: GroupEntry; result: T } | undefined> {
  const attempts = options.attempts ?? 50;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = attempt === 0 && options.known ? options.known : await store.get(id);
    const next = change(current);
    if (!next) return undefined;
    if (await store.put(next.entry, current?.rev)) return next;
  }
  throw new Error(`group ${id}: ${attempts} concurrent updates in a row; giving up`);
}

/** Whether the entry leaves a replica owed (the store keeps the answer next to the entry, for `owed`). */
export type OwedPredicate = (entry: GroupEntry) => boolean;

type LogLine =
  | { readonly r: GroupRecord }
  | { readonly s: Omit<GroupEntry, 'record'> & { readonly id: string } }
  | { readonly x: string }
  | { readonly m: string; readonly v: string }
  | { readonly k: string; readonly mark: Mark };

/**
 * When the local store's writes reach the disk:
 * - `none`: each change is written (`write(2)`, synchronously) before the put resolves, so before any replica is
 *   sent the record. What `write` returned is in the kernel's page cache and survives the process being killed
 *   (kill -9, a crash of Node): the ingestion's promise (an acknowledged push is never lost when the ingestion dies)
 *   holds. An OS crash or power loss may lose the last changes; after a reboot the store trusts no replica proof
 *   (every group is rewritten to every replica), so the replicas end equal to what the store kept.
 * - `always`: each new record is also fsynced (group commit) before the put resolves: survives an OS crash too, at
 *   the cost of one fdatasync per push (~0.4 ms on this machine's ext4, far more on a slow disk).
 */
export type StoreSync = 'always' | 'none';

export const STORE_SYNC_MODES: readonly StoreSync[] = ['always', 'none'];

export interface FileGroupStoreOptions {
  /** @default 'none' */
  readonly sync?: StoreSync;
  /** Identifies the running OS boot (a reboot changes it). @default `/proc/sys/kernel/random/boot_id` */
  readonly bootId?: string;
}

/**
 * The repair store in one local append-only file (JSON lines: a record when its content changes, its sync state
 * on every change). With `sync: 'none'` each change is written before its put resolves; with `always`, written with
 * group commit: each `put` of a new record resolves once its line is fsynced, and lines of concurrent puts share one
 * fsync. Everything is held in memory; the file is rewritten compactly when mostly stale. A torn last line (a crash
 * mid-write) belongs to a put that never resolved, and is ignored.
 */
export class FileGroupStore implements GroupStore {
  private readonly entries = new Map<string, GroupEntry>();
  /** Length of each entry's lines as a rewrite would write them (record, then state), and their sum. */
  private readonly lineLengths = new Map<string, { record: number; state: number }>();
  private liveTotal = 0;
  private readonly meta = new Map<string, string>();
  private readonly marks = new Map<string, Mark>();
  private queue: string[] = [];
  private queued = 0;
  private pumping = false;
  private waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private fd: number;
  private written = 0;
  /**
   * Entries whose sync state alone changed and is not written yet (`sync: 'none'`): the latest of each group,
   * serialised when written (within STATE_FLUSH_MS, or before the next durable line), never on a push's path.
   */
  private readonly deferred = new Map<string, GroupEntry>();
  private flushSoon: NodeJS.Timeout | undefined;
  private readonly sync: StoreSync;
  /**
   * The store was last written during another boot of the OS, with a sync mode that may have lost changes then:
   * no replica proof in it can be trusted (the caller invalidates them before serving).
   */
  readonly rebooted: boolean;

  constructor(
    private readonly file: string,
    private readonly isOwed: OwedPredicate,
    options: FileGroupStoreOptions = {},
  ) {
    this.sync = options.sync ?? 'none';
    const boot = options.bootId ?? currentBootId();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) this.load(fs.readFileSync(file, 'utf8'));
    const previousBoot = this.meta.get(BOOT_META);
    const previousSync = this.meta.get(SYNC_META) ?? 'always';
    this.rebooted = previousBoot !== undefined && previousBoot !== boot && previousSync !== 'always';
    this.meta.set(BOOT_META, boot);
    this.meta.set(SYNC_META, this.sync);
    this.fd = this.rewrite();
  }

  private load(text: string): void {
    const records = new Map<string, GroupRecord>();
    const states = new Map<string, Omit<GroupEntry, 'record'>>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        continue;
      }
      if ('r' in parsed) records.set(parsed.r.id, parsed.r);
      else if ('s' in parsed) {
        const { id, ...state } = parsed.s;
        states.set(id, state);
      } else if ('x' in parsed) {
        records.delete(parsed.x);
        states.delete(parsed.x);
      } else if ('m' in parsed) this.meta.set(parsed.m, parsed.v);
      else if ('k' in parsed) this.marks.set(parsed.k, parsed.mark);
    }
    for (const [id, record] of records) {
      const state = states.get(id);
      // A record is always written with its state; one without is from a torn write and was never acknowledged.
      if (state) this.entries.set(id, { record, ...state });
    }
  }

  /** Writes the live entries to a fresh file and returns a descriptor appending to it. */
  private rewrite(): number {
    const temp = `${this.file}.tmp`;
    const lines: string[] = [];
    for (const [name, value] of this.meta) lines.push(JSON.stringify({ m: name, v: value }));
    for (const [name, mark] of this.marks) lines.push(JSON.stringify({ k: name, mark }));
    this.lineLengths.clear();
    this.liveTotal = 0;
    for (const entry of this.entries.values()) {
      const [record = '', state = ''] = entryLines(entry, true);
      lines.push(record, state);
      this.track(entry.record.id, record.length + 1, state.length + 1);
    }
    const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.file);
    this.written = text.length;
    return fs.openSync(this.file, 'a');
  }

  private append(lines: readonly string[], durable = true): Promise<void> {
    if (this.sync === 'none') {
      // In the page cache once writeSync returns: survives the process, not the OS (see StoreSync). Deferred states
      // go first (the file is read back in order). Throws, before anything changes in memory, when the write fails.
      const deferred = this.deferredLines();
      this.writeNow(`${deferred.text}${lines.join('\n')}\n`);
      this.deferredWritten(deferred.lengths);
      return Promise.resolve();
    }
    for (const line of lines) this.queue.push(`${line}\n`);
    const seq = ++this.queued;
    if (!durable) {
      // Written with the next round, fsynced by the next durable one (the file is appended in order).
      this.pump();
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.pump();
    return done;
  }

  private writeNow(text: string): void {
    fs.writeSync(this.fd, text);
    this.written += text.length;
  }

  private flushDeferred(): void {
    if (this.flushSoon) clearTimeout(this.flushSoon);
    this.flushSoon = undefined;
    if (this.deferred.size === 0) return;
    const deferred = this.deferredLines();
    try {
      this.writeNow(deferred.text);
    } catch {
      // Kept for the next write; sync state lost in the meantime only leaves replicas owed (see put).
      return;
    }
    this.deferredWritten(deferred.lengths);
  }

  /** The state lines of the deferred entries, and each one's length (for `track`). */
  private deferredLines(): { text: string; lengths: [string, number][] } {
    let text = '';
    const lengths: [string, number][] = [];
    for (const [id, entry] of this.deferred) {
      const line = `${stateLine(entry)}\n`;
      text += line;
      lengths.push([id, line.length]);
    }
    return { text, lengths };
  }

  private deferredWritten(lengths: readonly [string, number][]): void {
    this.deferred.clear();
    for (const [id, length] of lengths) this.track(id, this.lineLengths.get(id)?.record ?? 0, length);
  }

  /** Writes and fsyncs everything queued; lines queued meanwhile share the next round (group commit). */
  private pump(): void {
    if (this.pumping || this.queue.length === 0) return;
    this.pumping = true;
    const batch = this.queue.join('');
    this.queue = [];
    const upto = this.queued;
    this.written += batch.length;
    const settle = (error: Error | null) => {
      const settled = this.waiters.filter((w) => w.seq <= upto);
      this.waiters = this.waiters.filter((w) => w.seq > upto);
      for (const waiter of settled) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      this.pumping = false;
      this.pump();
    };
    const durable = this.waiters.some((w) => w.seq <= upto);
    fs.write(this.fd, batch, (writeError) => {
      if (writeError) settle(writeError);
      else if (durable) fs.fdatasync(this.fd, settle);
      else settle(null);
    });
  }

  async get(id: string): Promise<GroupEntry | undefined> {
    return this.entries.get(id);
  }

  /** The entry as held now, without waiting (the ingestion validates and commits in one turn of the event loop). */
  peek(id: string): GroupEntry | undefined {
    return this.entries.get(id);
  }

  put(entry: GroupEntry, expectedRev: number | undefined): Promise<boolean> {
    const id = entry.record.id;
    const current = this.entries.get(id);
    if (current?.rev !== expectedRev) return Promise.resolve(false);
    const recordChanged = current?.record !== entry.record;
    // Only a new record must be on disk before anyone relies on it. A change of sync state alone may be lost in a
    // crash: the state before it is safe to resume from (more owed, writers abandoned with a lease on reload), and
    // any later fsync of this file covers it.
    if (!recordChanged && this.sync === 'none') {
      // A change of sync state alone: written with the next record, or within STATE_FLUSH_MS (one line per group
      // for every change meanwhile, none serialised or written on a push's path).
      this.entries.set(id, entry);
      this.deferred.set(id, entry);
      this.flushSoon ??= setTimeout(() => this.flushDeferred(), STATE_FLUSH_MS).unref();
      return RESOLVED_TRUE;
    }
    let written: Promise<void>;
    let lines: string[];
    try {
      lines = entryLines(entry, recordChanged);
      written = this.append(lines, recordChanged);
    } catch (error) {
      return Promise.reject(error);
    }
    this.entries.set(id, entry);
    const recordLength = recordChanged ? (lines[0] ?? '').length + 1 : (this.lineLengths.get(id)?.record ?? 0);
    this.track(id, recordLength, (lines[lines.length - 1] ?? '').length + 1);
    return written.then(() => true);
  }

  remove(id: string, expectedRev: number): Promise<boolean> {
    if (this.entries.get(id)?.rev !== expectedRev) return Promise.resolve(false);
    let written: Promise<void>;
    try {
      written = this.append([JSON.stringify({ x: id })]);
    } catch (error) {
      return Promise.reject(error);
    }
    this.entries.delete(id);
    this.track(id, 0, 0);
    return written.then(() => true);
  }

  async all(): Promise<GroupEntry[]> {
    return [...this.entries.values()];
  }

  async owed(limit: number): Promise<GroupEntry[]> {
    const owed: GroupEntry[] = [];
    for (const entry of this.entries.values()) {
      if (owed.length >= limit) break;
      if (this.isOwed(entry)) owed.push(entry);
    }
    return owed;
  }

  async getMeta(name: string): Promise<string | undefined> {
    return this.meta.get(name);
  }

  async putMeta(name: string, value: string): Promise<void> {
    const written = this.append([JSON.stringify({ m: name, v: value })]);
    this.meta.set(name, value);
    await written;
  }

  async getMarks(names: readonly string[]): Promise<Map<string, Mark>> {
    const found = new Map<string, Mark>();
    for (const name of names) {
      const mark = this.marks.get(name);
      if (mark) found.set(name, mark);
    }
    return found;
  }

  putMark(name: string, mark: Mark, expectedEpoch: number | undefined): Promise<boolean> {
    if (this.marks.get(name)?.epoch !== expectedEpoch) return Promise.resolve(false);
    let written: Promise<void>;
    try {
      written = this.append([JSON.stringify({ k: name, mark })]);
    } catch (error) {
      return Promise.reject(error);
    }
    this.marks.set(name, mark);
    return written.then(() => true);
  }

  /** Rewrites the file when it holds mostly superseded lines (called between repair passes). */
  async compact(): Promise<void> {
    if (this.queue.length > 0 || this.pumping) return;
    this.flushDeferred();
    if (this.deferred.size > 0) return;
    if (this.written < 4 * this.liveTotal + 1024 * 1024) return;
    fs.closeSync(this.fd);
    this.fd = this.rewrite();
  }

  /**
   * Keeps the live length current as entries change (0, 0: removed), so deciding whether to compact reads no entry:
   * it is asked after every repair pass (every second locally), and serialising every entry to measure it blocked the
   * event loop ~21 ms per pass at 10,000 groups.
   */
  private track(id: string, record: number, state: number): void {
    const before = this.lineLengths.get(id);
    this.liveTotal += record + state - (before ? before.record + before.state : 0);
    if (record + state === 0) this.lineLengths.delete(id);
    else this.lineLengths.set(id, { record, state });
  }

  /** Length of the live entries' lines, as a rewrite would write them (tests). */
  liveLength(): number {
    return this.liveTotal;
  }

  /** Groups held (tests and status). */
  size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    if (this.flushSoon) clearTimeout(this.flushSoon);
    this.flushDeferred();
    if (this.pumping || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push({ seq: this.queued, resolve, reject: () => resolve() }));
    }
    fs.closeSync(this.fd);
  }
}

/**
 * How long a change of sync state alone may wait for the file (`sync: 'none'`). Losing one in a crash leaves replicas
 * owed or writers abandoned, which the repair resolves (see StoreSync); waiting lets one write carry many.
 */
const STATE_FLUSH_MS = 50;

const BOOT_META = 'store/boot';
const SYNC_META = 'store/sync';

/** The running boot of the OS (Linux), else the boot time to the minute. */
function currentBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return String(Math.round((Date.now() / 1000 - os.uptime()) / 60));
  }
}

function entryLines(entry: GroupEntry, withRecord: boolean): string[] {
  return withRecord ? [JSON.stringify({ r: entry.record }), stateLine(entry)] : [stateLine(entry)];
}

/**
 * `{"s":{"id":…}}` with every field of the entry but its record, as `JSON.stringify({ s: { id, ...state } })` writes
 * it, built directly: its writers are a dictionary object (group-sync.ts `writerTable`), which JSON.stringify takes
 * by its slow path, and the rest and spread copies cost more than the line.
 */
export function stateLine(entry: GroupEntry): string {
  let line = `{"s":{"id":${JSON.stringify(entry.record.id)}`;
  for (const name in entry) {
    if (name === 'record') continue;
    const value = (entry as unknown as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const json =
      name === 'writers' || name === 'synced' ? numbersJson(value as Record<string, number>) : JSON.stringify(value);
    line += `,${JSON.stringify(name)}:${json}`;
  }
  return `${line}}}`;
}

/** A flat object of numbers (writers, synced) as JSON.stringify writes it. */
function numbersJson(values: Readonly<Record<string, number>>): string {
  let json = '';
  for (const name in values) {
    const value = values[name] as number;
    json += `${json === '' ? '' : ','}${JSON.stringify(name)}:${Number.isFinite(value) ? String(value) : 'null'}`;
  }
  return `{${json}}`;
}

const RESOLVED_TRUE = Promise.resolve(true);
