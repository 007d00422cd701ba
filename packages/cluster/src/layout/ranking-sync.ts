import type { Placement } from '@tessera/placement';
import type { DataNode } from '../node/data-node';
import { groupIdOfSlice } from './slice-groups';

/**
 * Tells every replica `node` hosts which member the slice map ranks now, so that leadership
 * follows the control plane's re-ranks (the group's leader hands over to the ranking replica
 * once it is caught up; SliceReplica.tick). Node agents call it on every slice map they see;
 * a replica whose preference already matches is left alone. Returns the groups changed.
 */
export function syncRankingNodes(node: DataNode, placement: Placement): number[] {
  const changed: number[] = [];
  for (const representation of placement.representations) {
    for (const slice of representation.slices) {
      const groupId = groupIdOfSlice(slice.id);
      const replica = node.replica(groupId);
      if (replica === undefined || replica.rankingNode === slice.rankingReplica) continue;
      replica.setRankingNode(slice.rankingReplica);
      changed.push(groupId);
    }
  }
  return changed;
}
