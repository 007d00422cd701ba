import { heaviestFirst, isBalanced } from './balance';
import { addKindFor } from './changes';
import type { ClusterView } from './cluster';
import type { ClusterNode, MemberRole, NodeId, SliceId, SliceMember } from './model';
import type { PlanBuilder } from './plan';
import { bestRankingCandidate } from './ranking';
import { zoneDeficit } from './rules';
import type { NodeTally, WorkingPlacement } from './workingPlacement';

/**
 * One member of one slice going from a heavy node to a light one. `swap`: the light node
 * holds the slice's logger, and the two trade roles; without it a slice whose members sit one
 * per zone could never move data into the zone its logger occupies.
 */
interface Move {
  readonly slice: SliceId;
  readonly role: MemberRole;
  readonly from: NodeId;
  readonly to: ClusterNode;
  readonly swap: boolean;
}

/** Moves members between up nodes to even out one metric (rebalance.ts runs the passes). */
export class Mover {
  constructor(
    private readonly work: WorkingPlacement,
    private readonly view: ClusterView,
    private readonly plan: PlanBuilder,
    private readonly budget: number,
    /** Slices that may not move (RebalanceOptions.fixed). */
    private readonly fixed: ReadonlySet<SliceId> = new Set(),
    /** Whether a replica may trade places with the target's logger (RebalanceOptions.swaps). */
    private readonly swaps = true,
  ) {}

  /** Moves members whose role `moves` from heavy to light nodes by `metric`, while it helps. */
  balance(
    metric: (t: NodeTally) => number,
    measured: boolean,
    moves: (role: MemberRole) => boolean,
    weightOf: (slice: SliceId) => number,
  ): void {
    // Each move strictly lowers the sum of squares of the metric, so this ends; the guard
    // only bounds the work if a weight were not finite.
    for (let guard = 10_000; guard > 0; guard--) {
      const order = heaviestFirst(this.work, this.view, metric);
      if (
        isBalanced(
          order.map((id) => metric(this.work.tally(id))),
          measured,
        )
      )
        return;
      const move = this.bestMove(order, metric, moves, weightOf);
      if (move === undefined || this.plan.size + this.costOf(move) > this.budget) return;
      this.carryOut(move, metric);
    }
  }

  /**
   * The first heavy/light pair (heaviest and lightest first) with a member that can move
   * between them, and of its candidates the one whose weight best halves the gap.
   */
  private bestMove(
    order: readonly NodeId[],
    metric: (t: NodeTally) => number,
    moves: (role: MemberRole) => boolean,
    weightOf: (slice: SliceId) => number,
  ): Move | undefined {
    for (const from of order) {
      for (const toId of [...order].reverse()) {
        const gap = metric(this.work.tally(from)) - metric(this.work.tally(toId));
        if (gap <= 0) break;
        const to = this.view.byId.get(toId);
        if (to === undefined) continue;
        let best: Move | undefined;
        let bestScore = Infinity;
        for (const slice of this.work.sliceList()) {
          if (this.fixed.has(slice.id)) continue;
          const member = slice.members.find((m) => m.node === from);
          if (member === undefined || !moves(member.role)) continue;
          const occupant = slice.members.find((m) => m.node === toId);
          const swap = member.role === 'replica' && occupant?.role === 'logger';
          if (occupant !== undefined && (!swap || !this.swaps)) continue;
          const w = weightOf(slice.id);
          // Strictly better for the pair: the light node must stay below the heavy one's start.
          if (w <= 0 || w >= gap) continue;
          const move: Move = { slice: slice.id, role: member.role, from, to, swap };
          if (!this.keepsZoneSpread(move)) continue;
          // Closest to half the gap; extra steps (a hand-over, a swap) make a move worse.
          const score =
            Math.abs(gap / 2 - w) + (slice.rankingReplica === from ? 0.5 : 0) + (swap ? 1 : 0);
          if (score < bestScore) {
            best = move;
            bestScore = score;
          }
        }
        if (best !== undefined) return best;
      }
    }
    return undefined;
  }

  private keepsZoneSpread(move: Move): boolean {
    const members = this.work.slice(move.slice).members;
    const member = members.find((m) => m.node === move.from);
    if (member === undefined) return false;
    const after: SliceMember[] = [
      ...members.filter((m) => m.node !== move.from && m.node !== move.to.id),
      { node: move.to.id, zone: move.to.zone, role: member.role },
    ];
    if (move.swap) after.push({ node: member.node, zone: member.zone, role: 'logger' });
    const before = zoneDeficit(members, this.view.zoneCount);
    const deficit = zoneDeficit(after, this.view.zoneCount);
    return deficit[0] <= before[0] && deficit[1] <= before[1];
  }

  private costOf(move: Move): number {
    const handOver = this.work.slice(move.slice).rankingReplica === move.from ? 1 : 0;
    if (move.swap) return 5 + handOver;
    return move.role === 'replica' ? 3 + handOver : 2;
  }

  private carryOut(move: Move, metric: (t: NodeTally) => number): void {
    const { slice, role, from, to } = move;
    const why =
      `move from n${from}: n${from} carries ${metric(this.work.tally(from))}, ` +
      `n${to.id} ${metric(this.work.tally(to.id))}`;
    if (move.swap) {
      // The logger leaves first: one node holds one member. The slice keeps its data
      // replicas throughout; it runs one voter short until the logger returns on `from`.
      this.plan.emit('step', {
        kind: 'removeMember',
        slice,
        node: to.id,
        role: 'logger',
        reason: `n${to.id} trades its logger for a replica of the slice`,
      });
    }
    if (role === 'replica') {
      // A new copy joins as a learner and votes only once it has caught up.
      this.plan.emit('step', {
        kind: 'addLearner',
        slice,
        node: to.id,
        zone: to.zone,
        reason: why,
      });
      this.plan.emit('step', {
        kind: 'promoteLearner',
        slice,
        node: to.id,
        reason: 'caught up; becomes a voting replica',
      });
      this.handOverRanking(slice, from);
    } else {
      this.plan.emit('step', {
        kind: addKindFor(role),
        slice,
        node: to.id,
        zone: to.zone,
        reason: why,
      });
    }
    this.plan.emit('step', {
      kind: 'removeMember',
      slice,
      node: from,
      role,
      reason: `moved to n${to.id}`,
    });
    if (move.swap) {
      const zone = this.view.byId.get(from)?.zone ?? '';
      this.plan.emit('step', {
        kind: 'addLogger',
        slice,
        node: from,
        zone,
        reason: `takes the logger that n${to.id} gave up`,
      });
    }
  }

  private handOverRanking(slice: SliceId, from: NodeId): void {
    if (this.work.slice(slice).rankingReplica !== from) return;
    const next = bestRankingCandidate(this.work, this.view, slice, new Set([from]));
    if (next === undefined) return;
    this.plan.emit('step', {
      kind: 'promote',
      slice,
      from,
      to: next,
      reason: `n${from} hands over before it leaves the slice`,
    });
  }
}
