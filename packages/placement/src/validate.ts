import type { ClusterView } from './cluster';
import { viewCluster } from './cluster';
import { formatHash } from './hashSpace';
import { hashSpaceEnd } from './hashSpace';
import type { ClusterNode, NodeId, Placement, Representation, Slice, SliceId } from './model';
import { expectedMembers, zoneSpread, zoneSpreadOk } from './rules';

export type ViolationRule =
  /** Slices of a representation leave a gap, overlap, or are empty. */
  | 'coverage'
  | 'duplicate-slice-id'
  /** Two members of one slice on one node. */
  | 'shared-node'
  /** A member on a node that is not `up` (draining, down, removed or unknown). */
  | 'member-not-up'
  /** A member's recorded zone is not its node's zone. */
  | 'zone-mismatch'
  /** Fewer or more members of a role than the replication factor asks for. */
  | 'member-count'
  /** The slice (or its data replicas) span fewer zones than the cluster allows. */
  | 'zone-spread'
  /** The ranking replica is not a data replica member on an up node. */
  | 'ranking-replica';

export interface Violation {
  readonly rule: ViolationRule;
  readonly representation: number;
  readonly slice?: SliceId;
  readonly node?: NodeId;
  readonly message: string;
}

/**
 * Every rule the placement breaks, in placement order; empty when it is valid. Member counts
 * are judged against what the up nodes can hold (rules.expectedMembers).
 */
export function validatePlacement(
  placement: Placement,
  nodes: readonly ClusterNode[],
): Violation[] {
  const view = viewCluster(nodes);
  const out: Violation[] = [];
  const seen = new Set<SliceId>();
  for (const rep of placement.representations) {
    out.push(...coverageViolations(rep));
    for (const slice of rep.slices) {
      if (seen.has(slice.id)) {
        out.push({
          rule: 'duplicate-slice-id',
          representation: rep.id,
          slice: slice.id,
          message: `slice id ${slice.id} is used twice`,
        });
      }
      seen.add(slice.id);
      out.push(...sliceViolations(rep, slice, view));
    }
  }
  return out;
}

function coverageViolations(rep: Representation): Violation[] {
  const out: Violation[] = [];
  const report = (message: string) =>
    out.push({ rule: 'coverage', representation: rep.id, message: `${rep.name}: ${message}` });
  if (rep.slices.length === 0) report('has no slices');
  let expectedStart = 0n;
  for (const slice of rep.slices) {
    const { start, end } = slice.range;
    if (start !== expectedStart) {
      report(
        `slice ${slice.id} starts at ${formatHash(start)}, expected ${formatHash(expectedStart)}`,
      );
    }
    if (end <= start) report(`slice ${slice.id} has an empty range`);
    expectedStart = end;
  }
  if (rep.slices.length > 0 && expectedStart !== hashSpaceEnd) {
    report(`slices end at ${formatHash(expectedStart)}, not at the end of the hash space`);
  }
  return out;
}

function sliceViolations(rep: Representation, slice: Slice, view: ClusterView): Violation[] {
  const out: Violation[] = [];
  const report = (rule: ViolationRule, message: string, node?: NodeId) =>
    out.push({
      rule,
      representation: rep.id,
      slice: slice.id,
      ...(node === undefined ? {} : { node }),
      message: `slice ${slice.id}: ${message}`,
    });
  const nodesSeen = new Set<NodeId>();
  for (const m of slice.members) {
    if (nodesSeen.has(m.node)) report('shared-node', `two members on node ${m.node}`, m.node);
    nodesSeen.add(m.node);
    const node = view.byId.get(m.node);
    if (node?.state !== 'up') {
      report('member-not-up', `${m.role} on node ${m.node} (${node?.state ?? 'unknown'})`, m.node);
    }
    if (node !== undefined && node.zone !== m.zone) {
      report(
        'zone-mismatch',
        `member on node ${m.node} says zone ${m.zone}, node is in ${node.zone}`,
        m.node,
      );
    }
  }
  const wanted = expectedMembers(rep.replication, view.up.length);
  const count = (role: string) => slice.members.filter((m) => m.role === role).length;
  for (const [role, want] of [
    ['replica', wanted.replicas],
    ['logger', wanted.loggers],
    ['learner', wanted.learners],
  ] as const) {
    const have = count(role);
    if (have !== want) report('member-count', `has ${have} ${role}(s), wants ${want}`);
  }
  if (!zoneSpreadOk(slice.members, view.zoneCount)) {
    const spread = zoneSpread(slice.members);
    report(
      'zone-spread',
      `replicas span ${spread.replicaZones} zone(s), members ${spread.memberZones}, of ${view.zoneCount} available`,
    );
  }
  const ranking = slice.members.find((m) => m.node === slice.rankingReplica);
  if (ranking?.role !== 'replica' || view.byId.get(ranking.node)?.state !== 'up') {
    report(
      'ranking-replica',
      `ranking replica n${slice.rankingReplica} is not a data replica on an up node`,
      slice.rankingReplica,
    );
  }
  return out;
}
