/**
 * The bucket listing, folded into one summary per block folder as pages arrive (100k blocks are ~400k objects:
 * never held as a list). Pure: no I/O.
 */
import { isUlid } from './ulid';

/** One object of a ListObjectsV2 page. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** Last modification, ms since the epoch. */
  readonly lastModified: number;
  readonly etag?: string;
  readonly storageClass?: string;
}

/** An object's identity for the audit state: the ETag, or size and time where a store sends none. */
export interface ObjectVersion {
  readonly version: string;
  readonly lastModified: number;
}

/** What the listing says about one block folder. */
export interface BlockListing {
  readonly ulid: string;
  meta?: ObjectVersion;
  deletionMark?: ObjectVersion;
  noCompactMark: boolean;
  objects: number;
  bytes: number;
  /** Newest object's last modification (ms): a partial upload's age. */
  newestModified: number;
  /** Objects in a storage class the store gateway cannot read, by class. */
  unreadable: Record<string, number>;
}

export interface ListingSummary {
  readonly blocks: ReadonlyMap<string, BlockListing>;
  readonly objects: number;
  readonly bytes: number;
  /** Objects outside block folders (e.g. `debug/`), not audited. */
  readonly otherObjects: number;
}

export function objectVersion(object: ListedObject): ObjectVersion {
  const etag = object.etag?.replace(/"/g, '');
  return {
    version: etag && etag.length > 0 ? etag : `${object.size}@${object.lastModified}`,
    lastModified: object.lastModified,
  };
}

/** Folds listing pages into {@link ListingSummary}. */
export class ListingAccumulator {
  private readonly blocks = new Map<string, BlockListing>();
  private objects = 0;
  private bytes = 0;
  private otherObjects = 0;

  constructor(private readonly unreadableClasses: readonly string[]) {}

  add(object: ListedObject): void {
    this.objects += 1;
    this.bytes += object.size;
    const slash = object.key.indexOf('/');
    const folder = slash < 0 ? '' : object.key.slice(0, slash);
    if (!isUlid(folder)) {
      this.otherObjects += 1;
      return;
    }
    let block = this.blocks.get(folder);
    if (!block) {
      block = { ulid: folder, noCompactMark: false, objects: 0, bytes: 0, newestModified: 0, unreadable: {} };
      this.blocks.set(folder, block);
    }
    block.objects += 1;
    block.bytes += object.size;
    block.newestModified = Math.max(block.newestModified, object.lastModified);
    const rest = object.key.slice(slash + 1);
    if (rest === 'meta.json') block.meta = objectVersion(object);
    else if (rest === 'deletion-mark.json') block.deletionMark = objectVersion(object);
    else if (rest === 'no-compact-mark.json') block.noCompactMark = true;
    if (object.storageClass && this.unreadableClasses.includes(object.storageClass)) {
      block.unreadable[object.storageClass] = (block.unreadable[object.storageClass] ?? 0) + 1;
    }
  }

  summary(): ListingSummary {
    return { blocks: this.blocks, objects: this.objects, bytes: this.bytes, otherObjects: this.otherObjects };
  }
}
