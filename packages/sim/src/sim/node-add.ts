import type { NodeId } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { checkBalanced, checkNeverBelowReplicas, nodeLoads } from '../check/slice-maps';
import { replicasRestored, settle } from './node-loss';
import type { Scenario, ScenarioContext, ScenarioRun } from './scenario';
import {
  activitySince,
  controlMembersOverThreeZones,
  lastActivityId,
  msText,
  nodesOverThreeZones,
  pollUntil,
  roundsAndBytes,
  sendCommand,
} from './scenario';
import type { SimCluster } from './sim-cluster';

/**
 * Node add (issue 5, balance): 3 data nodes (one per zone) hold 4 slices of 2 data replicas
 * + 1 logger — every node a member of every slice. After the first step of traffic three new
 * nodes join, one per zone (a slice spans all 3 zones, so a zone with one node would have to
 * hold a member of every slice and no map could be balanced), as ALTER CLUSTER ADD NODE does it: `registerNode` with their id and zone through
 * a control-plane client, then their processes start (empty disks; their agents heartbeat and
 * follow the slice map). The rebalancer must move members onto them — each data move a
 * learner that copies, is promoted, and only then lets the old replica go — while the bank
 * and register traffic runs, over a lossy network with control-plane leader crashes.
 *
 * Checked, besides the usual promises:
 * - both registrations were accepted;
 * - within `balanceBoundMs` of the add the map is balanced (`checkBalanced`: data copies per
 *   node within one, or bytes within ×1.25; loggers within one), every member on a live node
 *   with Raft agreeing, and it still is at the end; `validatePlacement` finds nothing;
 * - no slice map applied from the start listed a slice below its configured data replicas or
 *   loggers (`checkNeverBelowReplicas`: every version, not polls).
 */
export const balanceBoundMs = 60_000;

const added: readonly { readonly id: number; readonly zone: string }[] = [
  { id: 4, zone: 'a' },
  { id: 5, zone: 'b' },
  { id: 6, zone: 'c' },
];

export const nodeAdd: Scenario = {
  name: 'node-add',
  topology: {
    nodes: nodesOverThreeZones(3),
    controlMembers: controlMembersOverThreeZones,
    slices: 4,
    replicas: 2,
    loggers: 1,
  },
  faults: { nodeCrashes: false, controlCrashes: true, partitions: false },
  start: (ctx) => new NodeAddRun(ctx),
};

/** Why the newest map is not balanced and settled, or undefined when it is. */
export function balancedNow(sim: SimCluster): string | undefined {
  const state = sim.newestControlState();
  if (state === undefined) return 'no control-plane member is running';
  const loads = nodeLoads(state.slicePlacement, state.clusterNodes(), (node) => sim.bytesOn(node));
  const found = checkBalanced(loads);
  return found[0];
}

class NodeAddRun implements ScenarioRun {
  readonly name = 'node-add';
  private addedAtMs: number | undefined;
  private activityBefore = 0;
  private registrations: ReturnType<typeof sendCommand>[] = [];
  private balanced: ReturnType<typeof pollUntil> | undefined;

  constructor(private readonly ctx: ScenarioContext) {}

  onStep(step: number): void {
    if (step !== 0) return;
    const { sim } = this.ctx;
    this.addedAtMs = sim.clock.now();
    this.activityBefore = lastActivityId(sim);
    for (const node of added) {
      this.registrations.push(
        sendCommand(this.ctx, {
          kind: 'registerNode',
          nodeId: node.id,
          zone: node.zone,
          address: '',
          atMs: sim.clock.now(),
        }),
      );
      sim.addNode(node.id, node.zone);
    }
    this.balanced = pollUntil(sim, this.addedAtMs, () => this.whyNotDone() === undefined);
  }

  /** Why the cluster is not balanced over the new nodes and settled yet, if it is not. */
  private whyNotDone(): string | undefined {
    const { sim } = this.ctx;
    const state = sim.newestControlState();
    const onNew = (id: NodeId) =>
      state?.slicePlacement.representations.some((r) =>
        r.slices.some((s) => s.members.some((m) => m.node === id && m.role !== 'learner')),
      ) ?? false;
    const empty = added.find((n) => !onNew(n.id));
    if (empty !== undefined) return `new node n${empty.id} holds no member`;
    return balancedNow(sim) ?? replicasRestored(sim);
  }

  mayCrash(): boolean {
    return true;
  }

  async check(): Promise<string[]> {
    const { sim } = this.ctx;
    const violations: string[] = [];
    const say = (what: string) => violations.push(`node add: ${what}`);
    if (this.addedAtMs === undefined || this.balanced === undefined) {
      return ['node add: the nodes were never added'];
    }
    for (const [i, r] of this.registrations.entries()) {
      const result = r.result();
      if (typeof result === 'string' || result.kind !== 'nodeRegistered') {
        say(`registerNode n${added[i]?.id ?? '?'}: ${JSON.stringify(result)}`);
      }
    }
    const left = this.addedAtMs + balanceBoundMs - sim.clock.now();
    if (left > 0) await sim.runUntil(() => this.balanced?.tookMs() !== undefined, left);
    this.balanced.stop();
    const took = this.balanced.tookMs();
    if (took === undefined) {
      say(`not balanced and settled within ${balanceBoundMs} ms: ${this.whyNotDone() ?? '?'}`);
    }
    if (!(await settle(sim))) say('the rebalancer still had tasks running 15000 ms on');
    const still = balancedNow(sim);
    if (still !== undefined) say(`at the end: ${still}`);
    for (const v of checkNeverBelowReplicas(this.ctx.maps.since())) say(`below replicas: ${v}`);
    const state = sim.newestControlState();
    if (state !== undefined) {
      for (const v of validatePlacement(state.slicePlacement, state.clusterNodes())) {
        say(`placement rule broken: ${v.message}`);
      }
    }
    return violations;
  }

  summary() {
    const { sim } = this.ctx;
    const activity = activitySince(sim, this.activityBefore);
    const { rounds, bytes } = roundsAndBytes(activity);
    const moves = activity.filter((a) => a.action === 'move' && a.state === 'done').length;
    const took = this.balanced?.tookMs();
    const state = sim.newestControlState();
    const loads =
      state === undefined
        ? []
        : nodeLoads(state.slicePlacement, state.clusterNodes(), (node) => sim.bytesOn(node));
    return {
      line:
        `n${added.map((n) => n.id).join(', n')} added: balanced after ${msText(took)}, ` +
        `${moves} moves in ${rounds} rounds, ${bytes} bytes copied; ` +
        loads.map((l) => `n${l.node} ${l.data}+${l.loggers}`).join(' '),
      figures: { balanceMs: took, moves, rounds, bytes },
    };
  }
}
