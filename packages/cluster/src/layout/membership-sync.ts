import type { ConfChange } from '@tessera/raft';
import type { Placement, Representation, Slice } from '@tessera/placement';
import type { DataNode } from '../node/data-node';
import type { SliceReplica } from '../node/slice-replica';
import type { NodeId } from '../runtime/transport';
import { groupIdOfSlice } from './slice-groups';

/**
 * Makes the slices' Raft memberships follow the slice map, from one node's side (issue 5,
 * re-replication). Node agents call `sync` on every slice map they see, next to
 * `syncRankingNodes`; the control plane only ever changes the map (rebalancer.ts).
 *
 * - **Joining**: a member the map lists as a learner (logger) *beyond the slice's configured
 *   learners (loggers)* is a replacement being copied. The node it is placed on creates a
 *   joining replica (`bootstrap: false`: empty log, no membership, waits for the leader's
 *   snapshot) — never a founding one, which would start with a made-up membership.
 * - **Membership**: the node whose replica leads the group proposes, one at a time, the
 *   single-server change that brings Raft's membership closer to the map, adds before
 *   removes: `addLearner` for a listed learner Raft lacks, `addLogger` for a listed logger
 *   Raft lacks (a voter at once), `addVoter` for a listed data
 *   replica that Raft has as a learner (the promotion), then `removeNode` for a member Raft
 *   has that the map no longer lists. Removal waits until no add is left, and a voter is
 *   removed only while Raft has more voters (and loggers) than the map lists — so neither
 *   the order of changes nor a stale map read by a lagging agent can take the group below
 *   the map's count; the leader never removes itself (the map re-ranks it away first; the
 *   next leader removes it).
 *
 * Idempotent: every call recomputes from the map and Raft's applied membership; a change
 * whose proposal failed (leadership moved, dropped) is proposed again by a later call, by
 * whoever leads then. Not handled: a data replica added without passing through learner, a
 * demotion (the rebalancer plans neither).
 */
export class MembershipSync {
  /** Groups with a membership change in flight from this node. */
  private readonly proposing = new Set<number>();

  constructor(private readonly node: DataNode) {}

  /** Joins and proposals started by this call (for tests and logs). */
  sync(placement: Placement): { joined: number[]; proposed: [number, ConfChange][] } {
    const joined: number[] = [];
    const proposed: [number, ConfChange][] = [];
    if (this.node.isClosed) return { joined, proposed };
    for (const representation of placement.representations) {
      for (const slice of representation.slices) {
        const groupId = groupIdOfSlice(slice.id);
        const replica = this.node.replica(groupId);
        if (replica === undefined) {
          if (isJoiningMember(representation, slice, this.node.nodeId)) {
            const logger = slice.members.some(
              (m) => m.node === this.node.nodeId && m.role === 'logger',
            );
            this.node.createReplica({
              groupId,
              spaceId: groupId,
              members: [{ nodeId: this.node.nodeId, role: logger ? 'logger' : 'learner' }],
              bootstrap: false,
              rankingNode: slice.rankingReplica,
            });
            joined.push(groupId);
          }
          continue;
        }
        const change = this.proposeNext(replica, slice);
        if (change !== undefined) proposed.push([groupId, change]);
      }
    }
    return { joined, proposed };
  }

  private proposeNext(replica: SliceReplica, slice: Slice): ConfChange | undefined {
    if (this.proposing.has(replica.groupId) || replica.isClosed) return undefined;
    const status = replica.raftStatus();
    if (status.role !== 'leader') return undefined;
    const change = nextMembershipChange(status.confState, slice, this.node.nodeId);
    if (change === undefined) return undefined;
    this.proposing.add(replica.groupId);
    replica
      .changeMembership(change)
      .catch(() => undefined) // not leading any more, dropped, timed out: a later sync retries
      .finally(() => {
        this.proposing.delete(replica.groupId);
      });
    return change;
  }
}

/**
 * Whether `node` is in `slice` as a replacement being copied: listed as a learner (logger)
 * while the slice has more learners (loggers) than its representation configures. Configured
 * read learners and loggers are founded with the group. (While a logger is replaced, the old
 * one is on a dead node: if it comes back it still hosts its replica, and only a node without
 * one joins.)
 */
export function isJoiningMember(
  representation: Representation,
  slice: Slice,
  node: NodeId,
): boolean {
  const { learners, loggers } = representation.replication;
  for (const [role, configured] of [
    ['learner', learners],
    ['logger', loggers],
  ] as const) {
    const listed = slice.members.filter((m) => m.role === role);
    if (listed.length > configured && listed.some((m) => m.node === node)) return true;
  }
  return false;
}

/**
 * The one membership change the group's leader (`self`) should propose next to match the
 * map, or undefined when Raft's membership matches it (or only its own removal is left).
 */
export function nextMembershipChange(
  conf: {
    readonly voters: readonly NodeId[];
    readonly loggers: readonly NodeId[];
    readonly learners: readonly NodeId[];
  },
  slice: Slice,
  self: NodeId,
): ConfChange | undefined {
  const inRaft = new Set([...conf.voters, ...conf.loggers, ...conf.learners]);
  for (const m of slice.members) {
    if (m.role === 'learner' && !inRaft.has(m.node)) return { type: 'addLearner', nodeId: m.node };
  }
  // A new logger votes at once (Raft has no non-voting logger): until it has caught up by
  // snapshot, commits need every other live quorum member.
  for (const m of slice.members) {
    if (m.role === 'logger' && !inRaft.has(m.node)) return { type: 'addLogger', nodeId: m.node };
  }
  for (const m of slice.members) {
    if (m.role === 'replica' && conf.learners.includes(m.node)) {
      return { type: 'addVoter', nodeId: m.node };
    }
  }
  const listed = new Set(slice.members.map((m) => m.node));
  // A voter leaves only while Raft has more voters than the map asks for: a map read before
  // the replacement was promoted (an agent that has not caught up) must never remove it.
  const quorumWanted = slice.members.filter((m) => m.role !== 'learner').length;
  const quorumNow = conf.voters.length + conf.loggers.length;
  for (const node of [...conf.voters, ...conf.loggers].sort((a, b) => a - b)) {
    if (quorumNow <= quorumWanted) break;
    if (!listed.has(node) && node !== self) return { type: 'removeNode', nodeId: node };
  }
  for (const node of [...conf.learners].sort((a, b) => a - b)) {
    if (!listed.has(node)) return { type: 'removeNode', nodeId: node };
  }
  return undefined;
}
