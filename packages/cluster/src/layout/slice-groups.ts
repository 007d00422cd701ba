import type { HashRange, Representation } from '@tessera/placement';
import { hashDistributionKey, sliceFor } from '@tessera/placement';
import type { ReplicaMember } from '../node/replica-registry';
import type { NodeId } from '../runtime/transport';

/**
 * How a placed representation becomes Raft groups: one group per slice, group id = slice id +
 * 1 (0 stays "none"), MVCC space id = group id, placement's data `replica` members are Raft
 * voters, loggers and learners keep their role. Every process that hosts or reaches the
 * slices derives the same groups from the same placement with this one rule.
 */
export interface SliceGroup {
  readonly groupId: number;
  readonly spaceId: number;
  readonly members: readonly ReplicaMember[];
  /** The member placement chose as ranking replica: where clients try first. */
  readonly rankingNode: NodeId;
}

export function groupIdOfSlice(sliceId: number): number {
  return sliceId + 1;
}

export class SliceGroupLayout {
  readonly groups: readonly SliceGroup[];
  private readonly byId: ReadonlyMap<number, SliceGroup>;

  constructor(readonly representation: Representation) {
    this.groups = representation.slices.map((slice) => ({
      groupId: groupIdOfSlice(slice.id),
      spaceId: groupIdOfSlice(slice.id),
      members: slice.members.map((m) => ({
        nodeId: m.node,
        role: m.role === 'replica' ? ('voter' as const) : m.role,
      })),
      rankingNode: slice.rankingReplica,
    }));
    this.byId = new Map(this.groups.map((g) => [g.groupId, g]));
  }

  get groupIds(): number[] {
    return this.groups.map((g) => g.groupId);
  }

  group(groupId: number): SliceGroup | undefined {
    return this.byId.get(groupId);
  }

  /** The group holding `key`: the slice its distribution hash (first column) falls in. */
  groupOfKey(key: Uint8Array): number {
    return groupIdOfSlice(sliceFor(this.representation, hashDistributionKey([key])).id);
  }

  /** The hash range of a group's slice (undefined: not one of this layout's groups). */
  boundsOf(groupId: number): HashRange | undefined {
    return this.representation.slices.find((s) => groupIdOfSlice(s.id) === groupId)?.range;
  }

  /**
   * The groups whose slices lie inside `bounds`: what a slice with that range is after its
   * splits (ClusterSliceKv's re-routing: `SliceRouting.slicesWithin`).
   */
  groupsWithin(bounds: HashRange): number[] {
    return this.representation.slices
      .filter((s) => s.range.start >= bounds.start && s.range.end <= bounds.end)
      .map((s) => groupIdOfSlice(s.id));
  }

  /** Groups with a member on `nodeId`. */
  groupsOf(nodeId: NodeId): SliceGroup[] {
    return this.groups.filter((g) => g.members.some((m) => m.nodeId === nodeId));
  }

  /** Data members of a group (loggers serve no reads), the ranking replica first. */
  membersOf(groupId: number): NodeId[] {
    const group = this.byId.get(groupId);
    if (group === undefined) return [];
    const data = group.members.filter((m) => m.role !== 'logger').map((m) => m.nodeId);
    return [group.rankingNode, ...data.filter((n) => n !== group.rankingNode)];
  }
}
