import type { PlacementChange } from './changes';
import { roleAddedBy } from './changes';
import { PlacementError } from './errors';
import type {
  HashRange,
  MemberRole,
  NodeId,
  Placement,
  ReplicationFactor,
  Representation,
  RepresentationId,
  SliceId,
  SliceMember,
} from './model';
import { holdsData } from './rules';
import type { SliceWeights } from './weights';

/** What one node carries, kept current as a plan is built. */
export interface NodeTally {
  replicas: number;
  loggers: number;
  learners: number;
  rankings: number;
  /** Sum of data weights of the copies it holds (bytes, or a count). */
  data: number;
  /** Sum of read weights of the slices it ranks (reads/s, or a count). */
  reads: number;
}

export interface WorkingSlice {
  readonly id: SliceId;
  readonly representation: RepresentationId;
  readonly replication: ReplicationFactor;
  range: HashRange;
  members: SliceMember[];
  /** Undefined only while a new slice is being filled. */
  rankingReplica: NodeId | undefined;
}

type RepresentationHeader = Omit<Representation, 'slices'>;

/**
 * A mutable copy of a placement that a planner edits step by step, with per-node tallies kept
 * in step, so that every decision sees the effect of the decisions before it. It never leaves
 * this package: planners return immutable placements and change lists.
 */
export class WorkingPlacement {
  private readonly representations: { header: RepresentationHeader; sliceIds: SliceId[] }[] = [];
  private readonly slices = new Map<SliceId, WorkingSlice>();
  private readonly tallies = new Map<NodeId, NodeTally>();

  constructor(
    placement: Placement,
    readonly weights: SliceWeights,
  ) {
    for (const { slices, ...header } of placement.representations) {
      this.addRepresentation(header);
      for (const slice of slices) {
        this.addSlice(header.id, slice.id, slice.range);
        for (const m of slice.members) this.add(slice.id, m);
        this.setRanking(slice.id, slice.rankingReplica);
      }
    }
  }

  addRepresentation(header: RepresentationHeader): void {
    if (this.representations.some((r) => r.header.id === header.id)) {
      throw new PlacementError('invalid-placement', `representation ${header.id} exists already`);
    }
    this.representations.push({ header, sliceIds: [] });
  }

  /** Adds an empty slice to a representation, after `after` or else at the end. */
  addSlice(repId: RepresentationId, sliceId: SliceId, range: HashRange, after?: SliceId): void {
    const rep = this.representations.find((r) => r.header.id === repId);
    if (rep === undefined)
      throw new PlacementError('invalid-placement', `no representation ${repId}`);
    if (this.slices.has(sliceId)) {
      throw new PlacementError('invalid-placement', `slice id ${sliceId} is used twice`);
    }
    this.slices.set(sliceId, {
      id: sliceId,
      representation: repId,
      replication: rep.header.replication,
      range,
      members: [],
      rankingReplica: undefined,
    });
    const at = after === undefined ? rep.sliceIds.length : rep.sliceIds.indexOf(after) + 1;
    rep.sliceIds.splice(at, 0, sliceId);
  }

  /** Narrows a slice's range (a split); data weights of the slice stay as reported. */
  replaceRange(sliceId: SliceId, range: HashRange): void {
    this.slice(sliceId).range = range;
  }

  /** One more than the largest slice id in use: ids are never reused within a placement. */
  nextSliceId(): SliceId {
    let max = -1;
    for (const id of this.slices.keys()) max = Math.max(max, id);
    return max + 1;
  }

  /** Slices in placement order: representation by representation, by range start. */
  sliceList(): WorkingSlice[] {
    return this.representations.flatMap((r) => r.sliceIds.map((id) => this.slice(id)));
  }

  slice(id: SliceId): WorkingSlice {
    const slice = this.slices.get(id);
    if (slice === undefined) throw new PlacementError('unknown-slice', `no slice ${id}`);
    return slice;
  }

  tally(node: NodeId): NodeTally {
    let t = this.tallies.get(node);
    if (t === undefined) {
      t = { replicas: 0, loggers: 0, learners: 0, rankings: 0, data: 0, reads: 0 };
      this.tallies.set(node, t);
    }
    return t;
  }

  memberOn(sliceId: SliceId, node: NodeId): SliceMember | undefined {
    return this.slice(sliceId).members.find((m) => m.node === node);
  }

  add(sliceId: SliceId, member: SliceMember): void {
    const slice = this.slice(sliceId);
    if (slice.members.some((m) => m.node === member.node)) {
      throw new PlacementError(
        'invalid-placement',
        `slice ${sliceId} already has a member on node ${member.node}`,
      );
    }
    slice.members.push(member);
    slice.members.sort((a, b) => a.node - b.node);
    this.count(sliceId, member.node, member.role, 1);
  }

  remove(sliceId: SliceId, node: NodeId): SliceMember {
    const slice = this.slice(sliceId);
    const member = slice.members.find((m) => m.node === node);
    if (member === undefined) {
      throw new PlacementError(
        'invalid-placement',
        `slice ${sliceId} has no member on node ${node}`,
      );
    }
    slice.members = slice.members.filter((m) => m.node !== node);
    this.count(sliceId, node, member.role, -1);
    return member;
  }

  setRole(sliceId: SliceId, node: NodeId, role: MemberRole): void {
    const member = this.remove(sliceId, node);
    this.add(sliceId, { ...member, role });
  }

  setRanking(sliceId: SliceId, node: NodeId): void {
    const slice = this.slice(sliceId);
    const reads = this.weights.readsOf(sliceId);
    if (slice.rankingReplica !== undefined) {
      const old = this.tally(slice.rankingReplica);
      old.rankings -= 1;
      old.reads -= reads;
    }
    slice.rankingReplica = node;
    const now = this.tally(node);
    now.rankings += 1;
    now.reads += reads;
  }

  /** Carries out one change, checking the preconditions the control plane would check. */
  apply(change: PlacementChange): void {
    switch (change.kind) {
      case 'promote': {
        const to = this.memberOn(change.slice, change.to);
        if (to?.role !== 'replica') {
          throw new PlacementError(
            'invalid-placement',
            `slice ${change.slice}: node ${change.to} is not a data replica to promote`,
          );
        }
        this.setRanking(change.slice, change.to);
        return;
      }
      case 'addReplica':
      case 'addLogger':
      case 'addLearner':
        this.add(change.slice, {
          node: change.node,
          zone: change.zone,
          role: roleAddedBy(change.kind),
        });
        return;
      case 'promoteLearner':
        if (this.memberOn(change.slice, change.node)?.role !== 'learner') {
          throw new PlacementError(
            'invalid-placement',
            `slice ${change.slice}: node ${change.node} is not a learner`,
          );
        }
        this.setRole(change.slice, change.node, 'replica');
        return;
      case 'removeMember':
        this.remove(change.slice, change.node);
        return;
    }
  }

  toPlacement(): Placement {
    return {
      representations: this.representations.map(({ header, sliceIds }) => ({
        ...header,
        slices: sliceIds.map((id) => {
          const w = this.slice(id);
          if (w.rankingReplica === undefined) {
            throw new PlacementError('invalid-placement', `slice ${id} has no ranking replica`);
          }
          return { id, range: w.range, members: [...w.members], rankingReplica: w.rankingReplica };
        }),
      })),
    };
  }

  private count(sliceId: SliceId, node: NodeId, role: MemberRole, delta: 1 | -1): void {
    const t = this.tally(node);
    switch (role) {
      case 'replica':
        t.replicas += delta;
        break;
      case 'logger':
        t.loggers += delta;
        break;
      case 'learner':
        t.learners += delta;
        break;
    }
    if (holdsData(role)) t.data += delta * this.weights.dataOf(sliceId);
  }
}
