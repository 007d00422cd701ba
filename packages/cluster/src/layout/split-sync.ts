import type { PendingSplit } from '../control/control-state';
import type { DataNode } from '../node/data-node';
import { wholeKeyHasher } from '../node/key-hashers';
import type { KeyHasherSpec } from '../node/key-hashers';
import { groupIdOfSlice } from './slice-groups';

/**
 * A node agent's part in a slice split (control/split-planner.ts): for every split the control
 * state has pending, the node leading the parent group proposes the split entry (at the
 * split point, into group `upper + 1`, space = group id, as the layout rule says). The entry,
 * once applied, moves the data on every member and founds the new group there
 * (SliceReplica's split apply); the control plane finishes the split in the map when the new
 * group reports a leader.
 *
 * Idempotent and safe to repeat: a member whose range already ends at the split point has
 * applied it (nothing to do); one proposal per parent group is in flight at a time; an order
 * that arrives after the split applied (a second leader proposed it too) applies as a no-op.
 *
 * Agents must also keep the new groups of pending splits: they are not in the slice map
 * until the split finishes (`splitGroupsToKeep`), and removing one would lose its copy.
 */
export class SplitSync {
  private readonly proposing = new Set<number>();

  /**
   * `hasherFor` names how the keys of a slice are hashed (key-hashers.ts: the SQL layer's rule
   * for a table's slices); undefined or absent: the whole key.
   */
  constructor(
    private readonly node: DataNode,
    private readonly hasherFor: (sliceId: number) => KeyHasherSpec | undefined = () => undefined,
  ) {}

  /** Call with the pending splits of every control state the agent reads. */
  sync(splits: readonly PendingSplit[]): void {
    for (const split of splits) {
      const parent = groupIdOfSlice(split.sliceId);
      const replica = this.node.replica(parent);
      if (replica === undefined || this.proposing.has(parent)) continue;
      if (replica.raftStatus().role !== 'leader') continue;
      const { start, end } = replica.hashBounds;
      if (split.at <= start || split.at >= end) continue; // applied here already
      const child = groupIdOfSlice(split.upper);
      this.proposing.add(parent);
      replica
        .proposeSplit(split.at, child, child, this.hasherFor(split.sliceId) ?? wholeKeyHasher)
        .catch(() => undefined) // not leading any more, or timed out: the next sync sees
        .finally(() => {
          this.proposing.delete(parent);
        });
    }
  }
}

/** The groups of pending splits' new slices: hosted here, not yet in the slice map. */
export function splitGroupsToKeep(splits: readonly PendingSplit[] | undefined): Set<number> {
  return new Set((splits ?? []).map((s) => groupIdOfSlice(s.upper)));
}
