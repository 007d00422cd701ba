import type { ControlResult } from '@tessera/cluster';
import type { NodeId, SliceId } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { checkDrain, checkNeverBelowReplicas, slicesOn, slicesRankedOn } from '../check/slice-maps';
import { settle } from './node-loss';
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

/**
 * Drain (issue 5, ALTER CLUSTER DRAIN NODE): 6 data nodes, 2 per zone, hold 4 slices of
 * 2 data replicas + 1 logger. After the first step of traffic the DBA drains the node
 * ranking the most slices (`setNodeState draining` through a control-plane client), then —
 * right away — tries to remove it, which must be refused while it still hosts members. The
 * rebalancer must first move the rankings off it (reads and leadership leave at once), then
 * move every member it holds elsewhere, each data replica through a learner that copies and
 * is promoted before the node's copy goes. Once the map places nothing on it and its process
 * hosts no replica, the DBA removes it (`setNodeState removed`), which must be accepted, and
 * the machine is switched off. Traffic runs throughout, over a lossy network with
 * control-plane leader crashes.
 *
 * Checked, besides the usual promises:
 * - removing the node while it still hosts members is refused;
 * - within `drainBoundMs` of the drain the map places nothing on it and it hosts no replica;
 *   then `removed` is accepted;
 * - over every slice map applied from the drain on (`checkDrain`): it stops ranking slices
 *   before any of its members leaves, nothing new is placed on it, and the last map holds
 *   nothing of it; no map of the whole run lists a slice below its configured data replicas
 *   or loggers;
 * - the history logs a `rerank` off it with the reason `node N draining` for each slice it
 *   ranked;
 * - once the rebalancer is quiet, `validatePlacement` finds nothing.
 */
export const drainBoundMs = 60_000;

/** How soon after the drain the node must rank nothing (a rerank round or two). */
export const drainRerankBoundMs = 8_000;

export const drain: Scenario = {
  name: 'drain',
  topology: {
    nodes: nodesOverThreeZones(6),
    controlMembers: controlMembersOverThreeZones,
    slices: 4,
    replicas: 2,
    loggers: 1,
  },
  faults: { nodeCrashes: false, controlCrashes: true, partitions: false },
  start: (ctx) => new DrainRun(ctx),
};

type Answer = ControlResult | 'unanswered';

class DrainRun implements ScenarioRun {
  readonly name = 'drain';
  private node: NodeId | undefined;
  private drainedAtMs = 0;
  private drainVersion = 0;
  private activityBefore = 0;
  private ranked: SliceId[] = [];
  private held: SliceId[] = [];
  private drainAnswer: Answer | undefined;
  private earlyRemoveAnswer: Answer | undefined;
  private removeAnswer: Answer | undefined;
  private unranked: ReturnType<typeof pollUntil> | undefined;
  private emptied: ReturnType<typeof pollUntil> | undefined;

  constructor(private readonly ctx: ScenarioContext) {}

  onStep(step: number): void {
    if (step !== 0) return;
    const { sim } = this.ctx;
    const state = sim.newestControlState();
    const placement = state?.slicePlacement;
    const slices =
      placement?.representations.find((r) => r.name === simRepresentation)?.slices ?? [];
    if (state === undefined || placement === undefined || slices.length === 0) return;
    const counts = new Map<NodeId, number>();
    for (const s of slices) counts.set(s.rankingReplica, (counts.get(s.rankingReplica) ?? 0) + 1);
    const most = Math.max(...counts.values());
    const busiest = [...counts]
      .filter(([, n]) => n === most)
      .map(([id]) => id)
      .sort((a, b) => a - b);
    const node = busiest[this.ctx.rng.int(0, busiest.length - 1)];
    if (node === undefined) return;
    this.node = node;
    this.ranked = slicesRankedOn(placement, node);
    this.held = slicesOn(placement, node);
    this.drainedAtMs = sim.clock.now();
    this.drainVersion = state.stateVersion;
    const log = state.rebalancerActivity;
    this.activityBefore = log[log.length - 1]?.id ?? 0;
    void this.dba(node);
    const newest = () => sim.newestControlState()?.slicePlacement;
    this.unranked = pollUntil(sim, this.drainedAtMs, () => {
      const p = newest();
      return p !== undefined && slicesRankedOn(p, node).length === 0;
    });
    this.emptied = pollUntil(sim, this.drainedAtMs, () => {
      const p = newest();
      return p !== undefined && slicesOn(p, node).length === 0 && sim.replicaCount(node) === 0;
    });
  }

  /** The DBA: drain, an early removal (refused), and the removal once the node is empty. */
  private async dba(node: NodeId): Promise<void> {
    const { sim, admin, sleep } = this.ctx;
    const send = async (state: 'draining' | 'removed'): Promise<Answer> => {
      for (let i = 0; i < 40; i++) {
        const answer = await admin
          .command({ kind: 'setNodeState', nodeId: node, state, atMs: sim.clock.now() })
          .catch(() => undefined);
        if (answer !== undefined) return answer;
        await sleep(250);
      }
      return 'unanswered';
    };
    this.drainAnswer = await send('draining');
    this.earlyRemoveAnswer = await send('removed');
    while (this.emptied?.tookMs() === undefined) {
      if (sim.clock.now() > this.drainedAtMs + drainBoundMs) return;
      await sleep(100);
    }
    this.removeAnswer = await send('removed');
    if (this.removeAnswer !== 'unanswered' && this.removeAnswer.kind === 'ok') {
      sim.crashForGood(node); // decommissioned: the machine is switched off
    }
  }

  mayCrash(): boolean {
    return true;
  }

  async check(): Promise<string[]> {
    const { sim } = this.ctx;
    const violations: string[] = [];
    const node = this.node;
    if (node === undefined || this.unranked === undefined || this.emptied === undefined) {
      return ['drain: no slice map to pick a node from'];
    }
    const say = (what: string) => violations.push(`drain of n${node}: ${what}`);
    const left = this.drainedAtMs + drainBoundMs - sim.clock.now();
    if (left > 0) await sim.runUntil(() => this.removeAnswer !== undefined, left + 5_000);
    this.unranked.stop();
    this.emptied.stop();
    if (this.drainAnswer === 'unanswered' || this.drainAnswer?.kind !== 'ok') {
      say(`setNodeState draining answered ${JSON.stringify(this.drainAnswer)}`);
    }
    if (this.earlyRemoveAnswer === 'unanswered' || this.earlyRemoveAnswer?.kind !== 'rejected') {
      say(
        `removing it while it hosted members answered ${JSON.stringify(this.earlyRemoveAnswer)}, ` +
          'not a refusal',
      );
    }
    const unrankedMs = this.unranked.tookMs();
    if (this.ranked.length > 0 && (unrankedMs === undefined || unrankedMs > drainRerankBoundMs)) {
      say(
        `still ranked slices ${msText(unrankedMs)} after the drain (bound ${drainRerankBoundMs} ms)`,
      );
    }
    const emptiedMs = this.emptied.tookMs();
    if (emptiedMs === undefined) {
      const p = sim.newestControlState()?.slicePlacement;
      say(
        `not empty ${drainBoundMs} ms after the drain: the map places it in slices ` +
          `[${p === undefined ? '?' : slicesOn(p, node).join(', ')}], it hosts ` +
          `${sim.replicaCount(node)} replicas`,
      );
    } else if (this.removeAnswer === 'unanswered' || this.removeAnswer?.kind !== 'ok') {
      say(`setNodeState removed once empty answered ${JSON.stringify(this.removeAnswer)}`);
    }
    const fromDrain = this.ctx.maps.since(this.drainVersion);
    for (const v of checkDrain(fromDrain, node)) violations.push(v);
    for (const v of checkNeverBelowReplicas(this.ctx.maps.since())) say(`below replicas: ${v}`);
    const activity = activitySince(sim, this.activityBefore);
    for (const slice of this.ranked) {
      const logged = activity.some(
        (a) =>
          a.action === 'rerank' &&
          a.sliceId === slice &&
          a.from === node &&
          a.reason === `node ${node} draining`,
      );
      if (!logged) say(`no rerank of slice ${slice} off it for the drain in the history`);
    }
    if (!(await settle(sim))) say('the rebalancer still had tasks running 15000 ms on');
    const state = sim.newestControlState();
    if (state !== undefined) {
      for (const v of validatePlacement(state.slicePlacement, state.clusterNodes())) {
        say(`placement rule broken: ${v.message}`);
      }
    }
    return violations;
  }

  summary() {
    const activity = activitySince(this.ctx.sim, this.activityBefore);
    const { rounds, bytes } = roundsAndBytes(activity);
    const moves = activity.filter((a) => a.action === 'move' && a.state === 'done').length;
    const unrankedMs = this.unranked?.tookMs();
    const emptiedMs = this.emptied?.tookMs();
    const removed =
      this.removeAnswer === undefined || this.removeAnswer === 'unanswered'
        ? 'no'
        : this.removeAnswer.kind;
    return {
      line:
        `n${this.node ?? '?'} drained: ${this.ranked.length} rankings off after ` +
        `${msText(unrankedMs)}, its ${this.held.length} members moved after ` +
        `${msText(emptiedMs)} (${moves} moves, ${rounds} rounds, ${bytes} bytes copied), ` +
        `removed: ${removed}`,
      figures: {
        ranked: this.ranked.length,
        held: this.held.length,
        unrankedMs,
        emptiedMs,
        moves,
        rounds,
        bytes,
      },
    };
  }
}
