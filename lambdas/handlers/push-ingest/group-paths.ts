import { type GroupingKey, groupingKeyId, parseGroupingPath } from '../../domain/grouping-key';
import { cleanRequestPath } from '../../domain/pushgateway-semantics';

/** A push path's grouping key and its id, or why the path is refused (or where it redirects, when not clean). */
export type ParsedPath =
  | { readonly ok: true; readonly key: GroupingKey; readonly id: string }
  | Extract<ReturnType<typeof parseGroupingPath>, { ok: false }>
  | { readonly ok: false; readonly redirect: string };

type GroupPath = Extract<ParsedPath, { ok: true }>;

/** Paths kept at most (then forgotten all at once: a job fleet's paths come back on their next push). */
const MAX_PATHS = 10_000;

/**
 * The paths pushed to lately with their key: a job pushes its group's path on every run, so the path is cleaned and
 * parsed once, and one key object per group lets what is derived from a key be derived once (WeakMaps keyed by it).
 * Paths refused or redirected are not kept (they are cheap to answer again).
 */
export class GroupPaths {
  private readonly paths = new Map<string, GroupPath>();

  parse(path: string): ParsedPath {
    const known = this.paths.get(path);
    if (known) return known;
    const cleaned = cleanRequestPath(path);
    if (cleaned !== path) return { ok: false, redirect: cleaned };
    const parsed = parseGroupingPath(path);
    if (!parsed.ok) return parsed;
    const group: GroupPath = { ok: true, key: parsed.key, id: groupingKeyId(parsed.key) };
    if (this.paths.size >= MAX_PATHS) this.paths.clear();
    this.paths.set(path, group);
    return group;
  }
}
