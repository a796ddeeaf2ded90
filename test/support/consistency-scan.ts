import type { MetricType } from '../../lambdas/domain/exposition/parser';
import { type GroupingKey, groupingKeyId } from '../../lambdas/domain/grouping-key';
import type { FamilyState, GroupState } from '../../lambdas/domain/pushgateway-semantics';

/**
 * The Pushgateway's consistency rules checked by scanning every other group for the pushed family names, as the
 * ingestion did before the group index: the reference the index is tested against, and the peer it is measured
 * against. True when the push is consistent.
 */
export function consistentByScan(
  key: GroupingKey,
  pushed: readonly FamilyState[],
  groups: readonly GroupState[],
  own: ReadonlyMap<string, MetricType>,
): boolean {
  const targetId = groupingKeyId(key);
  const names = new Set(pushed.map((f) => f.name));
  const typesElsewhere = new Map<string, MetricType>();
  const seriesElsewhere = new Map<string, Set<string>>();
  for (const group of groups) {
    if (groupingKeyId(group.key) === targetId) continue;
    for (const family of group.families) {
      if (!names.has(family.name)) continue;
      const type = typesElsewhere.get(family.name);
      if (type !== undefined && type !== family.type) return false; // (only an inconsistent state gets here)
      typesElsewhere.set(family.name, family.type);
      let held = seriesElsewhere.get(family.name);
      if (!held) {
        held = new Set();
        seriesElsewhere.set(family.name, held);
      }
      for (const seriesId of family.seriesIds) held.add(seriesId);
    }
  }
  for (const family of pushed) {
    const ownType = own.get(family.name);
    if (ownType !== undefined && ownType !== family.type) return false;
    const elsewhere = typesElsewhere.get(family.name);
    if (elsewhere !== undefined && elsewhere !== family.type) return false;
    const held = seriesElsewhere.get(family.name);
    const seen = new Set<string>();
    for (const seriesId of family.seriesIds) {
      if (seen.has(seriesId) || held?.has(seriesId)) return false;
      seen.add(seriesId);
    }
  }
  return true;
}
