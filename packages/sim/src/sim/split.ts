import { validatePlacement } from '@tessera/placement';
import { checkCoverage, checkNeverBelowReplicas, sliceCount } from '../check/slice-maps';
import { rankedOnLiveLeaders, replicasRestored, settle } from './node-loss';
import type { Scenario, ScenarioContext, ScenarioRun } from './scenario';
import {
  activitySince,
  controlMembersOverThreeZones,
  lastActivityId,
  msText,
  nodesOverThreeZones,
  pollUntil,
  roundsAndBytes,
  simRepresentation,
} from './scenario';

/**
 * Split under load (issue 5, split by size): 5 data nodes in 3 zones hold 2 slices of 2 data
 * replicas + 1 logger, and the rebalancer splits any slice larger than a tiny
 * `splitThresholdBytes` (`splitBytes`). The bank's transfer records and new account versions
 * grow the slices while the bank and register traffic runs, over a lossy network with
 * control-plane leader crashes; the clients route by the newest slice map an agent read, so
 * a request that reaches a slice's old range after a split must be refused and routed again
 * by a newer map (`SimCluster.sliceRouting`), never served from the wrong half.
 *
 * Checked, besides the usual promises — the money conserved (every snapshot read and the final
 * balances), no acknowledged transfer lost, every register history linearizable, and no client
 * error other than the retryable ones the workloads already record as failed or unknown:
 * - a split happened: the map has more slices than it started with, within `splitBoundMs`;
 * - every map applied covers the hash space without gap or overlap (`checkCoverage`) and
 *   lists no slice below its configured data replicas or loggers;
 * - once the rebalancer is quiet every slice, the new ones included, is ranked and led on a
 *   live node with Raft's membership equal to the map's, and `validatePlacement` finds
 *   nothing.
 *
 * The control-plane option is passed by name until the split rebalancer lands: without it the
 * scenario fails (no split), which is the point.
 */
export const splitBoundMs = 30_000;

export const splitBytes = 2_048;

const initialSlices = 2;

/** The split planner's threshold (RebalancerOptions `splitThresholdBytes`). */
const splitOptions = { splitThresholdBytes: splitBytes };

export const split: Scenario = {
  name: 'split',
  topology: {
    nodes: nodesOverThreeZones(5),
    controlMembers: controlMembersOverThreeZones,
    slices: initialSlices,
    replicas: 2,
    loggers: 1,
    // The default replacement limit, named so the literal shares a property with
    // ControlMemberOptions while `splitThresholdBytes` is not one of them yet.
    controlOptions: { replacementsInFlightMax: 4, ...splitOptions },
  },
  faults: { nodeCrashes: false, controlCrashes: true, partitions: false },
  start: (ctx) => new SplitRun(ctx),
};

class SplitRun implements ScenarioRun {
  readonly name = 'split';
  private readonly startedAtMs: number;
  private readonly activityBefore: number;
  private readonly split: ReturnType<typeof pollUntil>;

  constructor(private readonly ctx: ScenarioContext) {
    const { sim } = ctx;
    this.startedAtMs = sim.clock.now();
    this.activityBefore = lastActivityId(sim);
    this.split = pollUntil(
      sim,
      this.startedAtMs,
      () => sliceCount(ctx.maps.newest(), simRepresentation) > initialSlices,
    );
  }

  onStep(): void {}

  mayCrash(): boolean {
    return true;
  }

  async check(): Promise<string[]> {
    const { sim, maps } = this.ctx;
    const violations: string[] = [];
    const say = (what: string) => violations.push(`split: ${what}`);
    const left = this.startedAtMs + splitBoundMs - sim.clock.now();
    if (left > 0) await sim.runUntil(() => this.split.tookMs() !== undefined, left);
    this.split.stop();
    const took = this.split.tookMs();
    if (took === undefined) {
      say(
        `no slice was split within ${splitBoundMs} ms (threshold ${splitBytes} bytes; the ` +
          `largest copy holds ${Math.max(0, ...sim.upNodes().map((n) => sim.bytesOn(n) ?? 0))} bytes on one node)`,
      );
    }
    const all = maps.since();
    for (const v of checkCoverage(all)) say(v);
    for (const v of checkNeverBelowReplicas(all)) say(`below replicas: ${v}`);
    if (!(await settle(sim))) say('the rebalancer still had tasks running 15000 ms on');
    await sim.runUntil(() => rankedOnLiveLeaders(sim) === undefined, 15_000);
    const unled = rankedOnLiveLeaders(sim);
    if (unled !== undefined) say(unled);
    const unsettled = replicasRestored(sim);
    if (unsettled !== undefined) say(unsettled);
    const state = sim.newestControlState();
    if (state !== undefined) {
      for (const v of validatePlacement(state.slicePlacement, state.clusterNodes())) {
        say(`placement rule broken: ${v.message}`);
      }
    }
    return violations;
  }

  summary() {
    const { sim, maps } = this.ctx;
    const activity = activitySince(sim, this.activityBefore);
    const { rounds, bytes } = roundsAndBytes(activity);
    const slices = sliceCount(maps.newest(), simRepresentation);
    const took = this.split.tookMs();
    return {
      line:
        `${initialSlices} slices → ${slices} (threshold ${splitBytes} bytes), first split ` +
        `after ${msText(took)}, ${rounds} rebalancer rounds, ${bytes} bytes copied`,
      figures: { slices, firstSplitMs: took, rounds, bytes },
    };
  }
}
