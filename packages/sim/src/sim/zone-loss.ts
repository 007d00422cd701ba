import type { NodeId, SliceId } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { checkReplacedOff, checkRerankBeforeReplace } from '../check/rebalancer-history';
import { checkNeverBelowReplicas } from '../check/slice-maps';
import {
  rankedOnLiveLeaders,
  replicasRestored,
  rerankBoundMs,
  settleBoundMs,
  settle,
} from './node-loss';
import type { Scenario, ScenarioContext, ScenarioRun } from './scenario';
import {
  activitySince,
  controlMembersOverThreeZones,
  msText,
  nodesOverThreeZones,
  pollUntil,
  roundsAndBytes,
  simRepresentation,
} from './scenario';
import { simNodeDownAfterMs, simReplaceAfterMs } from './sim-cluster';

/**
 * Zone loss (issue 5, failure handling): 3 zones × 2 data nodes, every slice 3 data replicas
 * (one per zone) and no logger, and one control-plane member per zone. After the first step
 * of traffic a whole zone dies for good — both its data nodes and its control-plane member —
 * the zone of the node ranking the most slices. The traffic goes on over a lossy network (no
 * other crash: a second loss in a slice's group would leave it without a majority, which no
 * placement can survive with 3 copies).
 *
 * Checked, besides the usual promises (bank, registers, no acknowledged write lost):
 * - within `rerankBoundMs` of the loss every slice is ranked on a live node that leads its
 *   group, and each slice ranked in the zone was re-ranked (`rerank` from its node) before
 *   any replacement of that slice started;
 * - within `zoneRestoreBoundMs` every slice has its 3 data replicas again, all on live nodes
 *   of the 2 zones left — the zone rule relaxed as placement does when a zone has no up
 *   node (`min(replicas, zones with an up node)`) — and Raft's voters equal the map's;
 *   `validatePlacement` finds nothing;
 * - no slice map the control plane applied listed fewer data replicas than configured
 *   (the lost members stay listed until their replacement is promoted);
 * - the history holds a done copy off the zone's node (an `add`, or a `move` already under way)
 *   and a `remove` of its member, for every slice it held (`checkReplacedOff`).
 */
export const zoneRestoreBoundMs = simNodeDownAfterMs + simReplaceAfterMs + 40_000;

export const zoneLoss: Scenario = {
  name: 'zone-loss',
  topology: {
    nodes: nodesOverThreeZones(6),
    controlMembers: controlMembersOverThreeZones,
    slices: 6,
    replicas: 3,
    loggers: 0,
  },
  faults: { nodeCrashes: false, controlCrashes: false, partitions: false },
  start: (ctx) => new ZoneLossRun(ctx),
};

class ZoneLossRun implements ScenarioRun {
  readonly name = 'zone-loss';
  private zone: string | undefined;
  private lostAtMs = 0;
  private lostVersion = 0;
  private readonly lostNodes: NodeId[] = [];
  /** Slices ranked in the zone when it died, and the node that ranked each. */
  private readonly rankedOn = new Map<SliceId, NodeId>();
  /**
   * Slices with a data replica or logger in the zone, and its node (a learner there — a
   * balance move's copy in flight — is abandoned, not replaced).
   */
  private readonly heldOn = new Map<SliceId, NodeId>();
  private activityBefore = 0;
  private reranked: ReturnType<typeof pollUntil> | undefined;
  private restored: ReturnType<typeof pollUntil> | undefined;

  constructor(private readonly ctx: ScenarioContext) {}

  onStep(step: number): void {
    if (step !== 0) return;
    const { sim } = this.ctx;
    const state = sim.newestControlState();
    const slices =
      state?.slicePlacement.representations.find((r) => r.name === simRepresentation)?.slices ?? [];
    if (state === undefined || slices.length === 0) return;
    // The zone of a node ranking the most slices (the busiest zone to lose).
    const counts = new Map<NodeId, number>();
    for (const s of slices) counts.set(s.rankingReplica, (counts.get(s.rankingReplica) ?? 0) + 1);
    const most = Math.max(...counts.values());
    const busiest = [...counts]
      .filter(([, n]) => n === most)
      .map(([id]) => id)
      .sort((a, b) => a - b);
    const victim = busiest[this.ctx.rng.int(0, busiest.length - 1)];
    if (victim === undefined) return;
    const zone = sim.zoneOf(victim);
    this.zone = zone;
    this.lostNodes.push(...sim.dataNodeIds().filter((id) => sim.zoneOf(id) === zone));
    for (const s of slices) {
      if (this.lostNodes.includes(s.rankingReplica)) this.rankedOn.set(s.id, s.rankingReplica);
      const member = s.members.find((m) => m.role !== 'learner' && this.lostNodes.includes(m.node));
      if (member !== undefined) this.heldOn.set(s.id, member.node);
    }
    this.activityBefore = state.rebalancerActivity[state.rebalancerActivity.length - 1]?.id ?? 0;
    this.lostAtMs = sim.clock.now();
    this.lostVersion = state.stateVersion;
    for (const id of this.lostNodes) sim.crashForGood(id);
    for (const m of sim.options.controlMembers) {
      if (m.zone === zone) sim.crashControlMemberForGood(m.id);
    }
    this.reranked = pollUntil(sim, this.lostAtMs, () => rankedOnLiveLeaders(sim) === undefined);
    this.restored = pollUntil(sim, this.lostAtMs, () => replicasRestored(sim) === undefined);
  }

  mayCrash(): boolean {
    return false;
  }

  async check(): Promise<string[]> {
    const { sim } = this.ctx;
    const violations: string[] = [];
    const say = (what: string) => violations.push(`zone loss: ${what}`);
    if (this.zone === undefined || this.reranked === undefined || this.restored === undefined) {
      return ['zone loss: no slice map to pick a zone from'];
    }
    const rerankMs = this.reranked.tookMs();
    if (rerankMs === undefined || rerankMs > rerankBoundMs) {
      say(
        `zone ${this.zone} died at ${this.lostAtMs} ms; its slices were ranked and led on live ` +
          `nodes after ${msText(rerankMs)} (bound ${rerankBoundMs} ms)`,
      );
    }
    await sim.runUntil(() => rankedOnLiveLeaders(sim) === undefined, settleBoundMs);
    const unled = rankedOnLiveLeaders(sim);
    if (unled !== undefined) say(`${settleBoundMs} ms after healing, ${unled}`);
    const left = this.lostAtMs + zoneRestoreBoundMs - sim.clock.now();
    if (left > 0) await sim.runUntil(() => this.restored?.tookMs() !== undefined, left);
    this.reranked.stop();
    this.restored.stop();
    const restoreMs = this.restored.tookMs();
    if (restoreMs === undefined || restoreMs > zoneRestoreBoundMs) {
      say(
        `the zone's members were not all replaced within ${zoneRestoreBoundMs} ms: ` +
          (replicasRestored(sim) ?? `took ${msText(restoreMs)}`),
      );
    }
    const maps = this.ctx.maps.since();
    for (const v of checkNeverBelowReplicas(maps)) say(`below replicas: ${v}`);
    // The rebalancer may go on balancing the survivors: judge the map once it is quiet.
    if (!(await settle(sim))) say(`the rebalancer still had tasks running ${settleBoundMs} ms on`);
    const state = sim.newestControlState();
    if (state !== undefined) {
      for (const v of validatePlacement(state.slicePlacement, state.clusterNodes())) {
        say(`placement rule broken: ${v.message}`);
      }
    }
    const activity = activitySince(sim, this.activityBefore);
    for (const v of checkRerankBeforeReplace(activity, this.rankedOn)) say(v);
    for (const v of checkReplacedOff(activity, this.heldOn)) say(v);
    if (maps.every((m) => m.version < this.lostVersion)) say('no slice map applied after the loss');
    return violations;
  }

  summary() {
    const activity = activitySince(this.ctx.sim, this.activityBefore);
    const { rounds, bytes } = roundsAndBytes(activity);
    const rerankMs = this.reranked?.tookMs();
    const restoreMs = this.restored?.tookMs();
    return {
      line:
        `zone ${this.zone ?? '?'} lost (n${this.lostNodes.join(', n')}): ${this.rankedOn.size} ` +
        `slices re-ranked and led after ${msText(rerankMs)}, ${this.heldOn.size} slices ` +
        `re-replicated after ${msText(restoreMs)}, ${rounds} rounds, ${bytes} bytes copied`,
      figures: {
        lostNodes: this.lostNodes.length,
        reranked: this.rankedOn.size,
        replicated: this.heldOn.size,
        rerankMs,
        restoreMs,
        rounds,
        bytes,
      },
    };
  }
}
