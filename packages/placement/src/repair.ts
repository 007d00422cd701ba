import type { PlacementChange, PromoteChange } from './changes';
import { addKindFor } from './changes';
import { chooseNode, compareKeys } from './chooseNode';
import type { ClusterView } from './cluster';
import { isUp, viewCluster } from './cluster';
import type {
  ClusterNode,
  LoadReport,
  MemberRole,
  NodeId,
  Placement,
  SliceId,
  SliceMember,
} from './model';
import type { Stage } from './plan';
import { PlanBuilder } from './plan';
import { bestRankingCandidate, rankingHealthy } from './ranking';
import { expectedMembers, zoneDeficit } from './rules';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

export interface RepairOptions {
  /** Slice sizes, so that new copies go to the nodes with the fewest bytes. */
  readonly load?: LoadReport;
}

/**
 * The changes that bring a placement back within the rules after nodes went down, were
 * removed or started draining, or after a replication factor changed. Per slice:
 *
 *   1. ranking replica on a node that is not up → promote a surviving data replica;
 *   2. each member on a node that is not up → add a member of the same role on the best up
 *      node (zone first, then load), then remove the old one. A member on a `down` or
 *      `draining` node that cannot be replaced (too few up nodes) stays: its node may return
 *      or is still serving, and it may hold the only copy;
 *   3. restore member counts per role (add on the best node, or remove the surplus);
 *   4. restore zone spread (add in a missing zone, then remove from a crowded one);
 *   5. a slice whose data replicas were all lost ranks on a new replica.
 *
 * Promotions of step 1 come first, across all slices (plan.ts); the other steps follow slice
 * by slice, each replacement added before the member it replaces is removed.
 * The caller decides when a down node has been down long enough to repair around.
 */
export function planRepair(
  placement: Placement,
  nodes: readonly ClusterNode[],
  options: RepairOptions = {},
): PlacementChange[] {
  const view = viewCluster(nodes);
  const work = new WorkingPlacement(placement, sliceWeights(options.load));
  const plan = new PlanBuilder(work);
  for (const slice of work.sliceList()) new SliceRepair(work, view, plan, slice.id).run();
  return plan.changes();
}

/**
 * Step 1 of `planRepair` on its own: for every slice whose ranking replica is not a data
 * replica on an up node, promote the surviving data replica `planRepair` would promote (the
 * one serving the fewest reads, else ranking the fewest slices, then the lowest id), and
 * nothing else. No data moves, so the control plane can apply it at once when a node goes
 * down, long before it decides to re-replicate around the node. A slice with no data replica
 * on an up node is left as it is (its node may return).
 */
export function planRankingRepair(
  placement: Placement,
  nodes: readonly ClusterNode[],
  options: RepairOptions = {},
): PromoteChange[] {
  const view = viewCluster(nodes);
  const work = new WorkingPlacement(placement, sliceWeights(options.load));
  const plan = new PlanBuilder(work);
  for (const slice of work.sliceList()) {
    new SliceRepair(work, view, plan, slice.id).restoreRanking('promote');
  }
  return plan.changes().filter((c): c is PromoteChange => c.kind === 'promote');
}

class SliceRepair {
  /** Nodes that left this slice in this plan: zone moves do not pick them again (churn). */
  private readonly removedHere = new Set<NodeId>();

  constructor(
    private readonly work: WorkingPlacement,
    private readonly view: ClusterView,
    private readonly plan: PlanBuilder,
    private readonly slice: SliceId,
  ) {}

  run(): void {
    this.restoreRanking('promote');
    this.replaceLostMembers();
    this.restoreCounts();
    this.restoreZoneSpread();
    this.restoreRanking('step');
  }

  private members(): readonly SliceMember[] {
    return this.work.slice(this.slice).members;
  }

  restoreRanking(stage: Stage): void {
    if (rankingHealthy(this.work, this.view, this.slice)) return;
    const from = this.work.slice(this.slice).rankingReplica ?? -1;
    const to = bestRankingCandidate(this.work, this.view, this.slice);
    if (to === undefined) return;
    const why =
      stage === 'promote'
        ? `ranking replica n${from} is ${this.stateOf(from)}; n${to} is a surviving data replica`
        : `no surviving data replica; n${to} is a new replica (restore it from the archive)`;
    this.plan.emit(stage, { kind: 'promote', slice: this.slice, from, to, reason: why });
  }

  private replaceLostMembers(): void {
    const lost = this.members().filter((m) => !isUp(this.view, m.node));
    const leaving = new Set(lost.map((m) => m.node));
    for (const m of lost) {
      const state = this.stateOf(m.node);
      const target = this.add(m.role, `replaces the ${m.role} on n${m.node} (${state})`, leaving);
      if (target !== undefined || state === 'removed' || state === 'unknown') {
        this.remove(m, `n${m.node} is ${state}`);
      }
    }
  }

  private restoreCounts(): void {
    const slice = this.work.slice(this.slice);
    const wanted = expectedMembers(slice.replication, this.view.up.length);
    for (const [role, want] of [
      ['replica', wanted.replicas],
      ['logger', wanted.loggers],
      ['learner', wanted.learners],
    ] as const) {
      const count = () => this.members().filter((m) => m.role === role).length;
      for (let have = count(); have < want; have++) {
        if (this.add(role, `${role}s below ${want}`) === undefined) break;
      }
      for (let have = count(); have > want; have--) {
        const victim = this.surplusVictim(role);
        if (victim === undefined) break;
        this.remove(victim, `${role}s above ${want}`);
      }
    }
  }

  /**
   * Moves one member at a time into a zone the slice lacks, while that helps. When the only
   * free place in a zone without data replicas is taken by the slice's own logger or learner,
   * the two trade places (swapIntoZone).
   */
  private restoreZoneSpread(): void {
    for (let guard = 2 * this.members().length; guard > 0; guard--) {
      const before = zoneDeficit(this.members(), this.view.zoneCount);
      if (before[0] + before[1] === 0) return;
      const move = this.findZoneMove(before);
      if (move !== undefined) {
        this.moveInto(move[0], move[1]);
      } else if (before[0] === 0 || !this.swapIntoZone()) {
        return;
      }
    }
  }

  private moveInto(member: SliceMember, target: ClusterNode): void {
    this.plan.emit('step', {
      kind: addKindFor(member.role),
      slice: this.slice,
      node: target.id,
      zone: target.zone,
      reason: `spreads the slice into zone ${target.zone}`,
    });
    this.handOverRanking(member.node, `n${member.node} leaves zone ${member.zone}`);
    this.remove(member, `zone ${member.zone} holds more than its share of the slice`);
  }

  private handOverRanking(leaving: NodeId, reason: string): void {
    if (this.work.slice(this.slice).rankingReplica !== leaving) return;
    const to = bestRankingCandidate(this.work, this.view, this.slice, new Set([leaving]));
    if (to === undefined) return;
    this.plan.emit('step', { kind: 'promote', slice: this.slice, from: leaving, to, reason });
  }

  /**
   * The move that best closes the zone gap, data replicas first: moving a logger into the
   * last free zone would leave no room for the replica that zone needs.
   */
  private findZoneMove(before: readonly [number, number]): [SliceMember, ClusterNode] | undefined {
    const roleOrder: Readonly<Record<MemberRole, number>> = { learner: 0, logger: 1, replica: 2 };
    const ranking = this.work.slice(this.slice).rankingReplica;
    const candidates = this.members()
      .filter((m) => isUp(this.view, m.node))
      .sort(
        (a, b) =>
          roleOrder[a.role] - roleOrder[b.role] ||
          Number(a.node === ranking) - Number(b.node === ranking) ||
          b.node - a.node,
      );
    let best: [SliceMember, ClusterNode] | undefined;
    let bestAfter: readonly number[] = before;
    for (const member of candidates) {
      const target = chooseNode(this.work, this.view, this.slice, {
        role: member.role,
        leaving: new Set([member.node]),
        exclude: this.removedHere,
      });
      if (target === undefined) continue;
      const after = zoneDeficit(
        [
          ...this.members().filter((m) => m.node !== member.node),
          { node: target.id, zone: target.zone, role: member.role },
        ],
        this.view.zoneCount,
      );
      if (after[0] <= before[0] && after[1] <= before[1] && compareKeys(after, bestAfter) < 0) {
        best = [member, target];
        bestAfter = after;
      }
    }
    return best;
  }

  /**
   * A zone without data replicas whose free nodes are all taken: if the slice's own learner
   * or logger sits there, turn that place into a data replica (a learner is promoted in
   * place; a logger leaves and a replica takes its node). restoreCounts then re-adds the
   * logger or learner elsewhere and drops the surplus replica from a crowded zone.
   */
  private swapIntoZone(): boolean {
    const replicaZones = new Set(
      this.members()
        .filter((m) => m.role === 'replica')
        .map((m) => m.zone),
    );
    const occupant = this.members().find(
      (m) => m.role !== 'replica' && isUp(this.view, m.node) && !replicaZones.has(m.zone),
    );
    if (occupant === undefined) return false;
    const reason = `zone ${occupant.zone} needs a data replica and n${occupant.node} is its only place`;
    if (occupant.role === 'learner') {
      this.plan.emit('step', {
        kind: 'promoteLearner',
        slice: this.slice,
        node: occupant.node,
        reason,
      });
    } else {
      this.remove(occupant, reason);
      this.plan.emit('step', {
        kind: 'addReplica',
        slice: this.slice,
        node: occupant.node,
        zone: occupant.zone,
        reason,
      });
    }
    this.restoreCounts();
    return true;
  }

  /** The member of `role` to drop: never the ranking replica; off the fullest node first. */
  private surplusVictim(role: MemberRole): SliceMember | undefined {
    const ranking = this.work.slice(this.slice).rankingReplica;
    let best: SliceMember | undefined;
    let bestKey: number[] = [];
    const before = zoneDeficit(this.members(), this.view.zoneCount);
    for (const m of this.members()) {
      if (m.role !== role || m.node === ranking) continue;
      const after = zoneDeficit(
        this.members().filter((x) => x.node !== m.node),
        this.view.zoneCount,
      );
      const t = this.work.tally(m.node);
      const key = [
        isUp(this.view, m.node) ? 1 : 0,
        after[0] + after[1] - before[0] - before[1],
        -t.data,
        -(t.replicas + t.loggers + t.learners),
        -m.node,
      ];
      if (best === undefined || compareKeys(key, bestKey) < 0) {
        best = m;
        bestKey = key;
      }
    }
    return best;
  }

  private add(
    role: MemberRole,
    reason: string,
    leaving?: ReadonlySet<NodeId>,
  ): ClusterNode | undefined {
    // removedHere is not excluded: re-adding a node just removed is a role change (a surplus
    // replica's node becomes the logger), and the steps stay in a safe order.
    const target = chooseNode(this.work, this.view, this.slice, {
      role,
      ...(leaving === undefined ? {} : { leaving }),
    });
    if (target === undefined) return undefined;
    this.plan.emit('step', {
      kind: addKindFor(role),
      slice: this.slice,
      node: target.id,
      zone: target.zone,
      reason,
    });
    return target;
  }

  private remove(member: SliceMember, reason: string): void {
    this.removedHere.add(member.node);
    this.plan.emit('step', {
      kind: 'removeMember',
      slice: this.slice,
      node: member.node,
      role: member.role,
      reason,
    });
  }

  private stateOf(node: NodeId): string {
    return this.view.byId.get(node)?.state ?? 'unknown';
  }
}
