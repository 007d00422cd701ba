import { chooseNode } from './chooseNode';
import { viewCluster } from './cluster';
import { PlacementError } from './errors';
import { evenRanges } from './hashSpace';
import type {
  ClusterNode,
  LoadReport,
  MemberRole,
  Placement,
  ReplicationFactor,
  Representation,
  RepresentationSpec,
} from './model';
import { defaultReplicas } from './model';
import { expectedMembers } from './rules';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

export interface InitialPlacementOptions {
  /**
   * The placement the new representation joins. Its members count towards node balance, and
   * its slice ids are not reused. Default: an empty cluster.
   */
  readonly existing?: Placement;
  readonly load?: LoadReport;
}

/**
 * Slices for a new table or index, with members and ranking replicas. Slice by slice, the
 * first data replica goes to the up node with the fewest ranking replicas and becomes the
 * ranking replica; every further member goes to the zone where the slice is thinnest, then
 * to the lightest node (chooseNode). Deterministic: ties fall to the lower node id.
 */
export function planInitialPlacement(
  spec: RepresentationSpec,
  nodes: readonly ClusterNode[],
  options: InitialPlacementOptions = {},
): Representation {
  const view = viewCluster(nodes);
  if (view.up.length === 0) {
    throw new PlacementError('invalid-argument', 'no up node can hold a slice');
  }
  const replication = replicationOf(spec);
  const sliceCount = spec.sliceCount ?? view.up.length;
  const ranges = evenRanges(sliceCount);
  const work = new WorkingPlacement(
    options.existing ?? { representations: [] },
    sliceWeights(options.load),
  );
  work.addRepresentation({ id: spec.id, name: spec.name, replication });
  const wanted = expectedMembers(replication, view.up.length);
  const roles: MemberRole[] = [
    ...Array<MemberRole>(wanted.replicas).fill('replica'),
    ...Array<MemberRole>(wanted.loggers).fill('logger'),
    ...Array<MemberRole>(wanted.learners).fill('learner'),
  ];
  let sliceId = work.nextSliceId();
  for (const range of ranges) {
    work.addSlice(spec.id, sliceId, range);
    roles.forEach((role, i) => {
      const forRanking = i === 0;
      const node = chooseNode(work, view, sliceId, { role, forRanking });
      // expectedMembers never asks for more members than there are up nodes.
      if (node === undefined) throw new Error('unreachable: more members than up nodes');
      work.add(sliceId, { node: node.id, zone: node.zone, role });
      if (forRanking) work.setRanking(sliceId, node.id);
    });
    sliceId += 1;
  }
  const placed = work.toPlacement().representations.find((r) => r.id === spec.id);
  if (placed === undefined) throw new Error('unreachable: representation just added');
  return placed;
}

function replicationOf(spec: RepresentationSpec): ReplicationFactor {
  const replication = {
    replicas: spec.replicas ?? defaultReplicas,
    loggers: spec.loggers ?? 0,
    learners: spec.learners ?? 0,
  };
  const valid =
    Number.isInteger(replication.replicas) &&
    replication.replicas >= 1 &&
    Number.isInteger(replication.loggers) &&
    replication.loggers >= 0 &&
    Number.isInteger(replication.learners) &&
    replication.learners >= 0;
  if (!valid) {
    throw new PlacementError(
      'invalid-argument',
      `${spec.name}: replicas must be >= 1 and loggers, learners >= 0 (integers)`,
    );
  }
  return replication;
}
