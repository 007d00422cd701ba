import type { Rng } from '@tessera/cluster';
import { groupIdOfSlice } from '@tessera/cluster';
import type { Slice } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { checkReplacedOff } from '../check/rebalancer-history';
import type { SimCluster } from './sim-cluster';
import { simNodeDownAfterMs, simReplaceAfterMs } from './sim-cluster';

/**
 * The node-loss scenario (issue 5, failure handling): a data node ranking the most slices
 * crashes in the middle of the traffic and never comes back. The control plane must mark it
 * down and give each of its slices a new ranking replica on a live node, and leadership must
 * follow (node agents tell the replicas; the group leader hands over); after
 * `simReplaceAfterMs` it must replace each member the node held (a data replica through a
 * learner, catch-up, promotion, removal; a logger by a new logger), while the usual promises (bank, registers, no acknowledged write lost)
 * keep holding.
 *
 * Checked, besides the run's usual checkers:
 * - from the crash, within `rerankBoundMs` of simulated time, every slice is ranked on a live
 *   node *and* that node leads the slice's group (polled every 50 ms);
 * - once the other faults heal, the same holds again within `settleBoundMs`;
 * - the control plane's activity history holds a `rerank` of every slice the node ranked,
 *   from it, with the reason `node N down`;
 * - within `rereplicateBoundMs` of the crash, every slice has its configured data replicas
 *   and loggers, all on live nodes, data replicas spread over as many zones as the live nodes
 *   allow, and Raft's voters and loggers of each group are exactly the map's; placement's
 *   `validatePlacement` finds nothing; the history holds a `done` copy off the node (an
 *   `add`, or a balance `move` already under way when it died) and a `remove` of its member
 *   for every slice it held a data replica or logger of;
 * - at no poll (every 50 ms) did any slice map list fewer data replicas or loggers than
 *   configured.
 */
export interface NodeLoss {
  readonly node: number;
  readonly lostAtMs: number;
  /** Slices the node ranked when it died. */
  readonly slices: readonly number[];
  /** Slices the node held a data replica or logger of when it died. */
  readonly replicated: readonly number[];
  /** Simulated ms from the crash until every slice was ranked and led on a live node. */
  rerankMs(): number | undefined;
  /** Simulated ms from the crash until every slice had its members on live nodes. */
  rereplicateMs(): number | undefined;
  /** Maps seen with a slice below its configured data replicas (empty: never). */
  readonly belowReplicas: readonly string[];
  stop(): void;
}

/**
 * Down detection (`nodeDownAfterMs`), then a control-plane tick, the agents' next read of the
 * slice map (250 ms) and a leadership hand-over (an election timeout or two), with room for
 * the run's other faults: control-plane leader crashes (a new leader gives every node a full
 * grace period again), partitions and a lossy network.
 */
export const rerankBoundMs = simNodeDownAfterMs + 8_000;
export const settleBoundMs = 15_000;

/**
 * Down detection, the replacement delay, then per slice: an add round, the learner's snapshot
 * and catch-up, its report (a heartbeat), the finish round and two membership changes — with
 * slices handled up to four at a time and room for the other faults.
 */
export const rereplicateBoundMs = simNodeDownAfterMs + simReplaceAfterMs + 20_000;

const pollMs = 50;

/** Crashes, for good, a node ranking the most slices of the table (drawn from `rng` on a tie). */
export function loseBusiestNode(sim: SimCluster, rng: Rng): NodeLoss | undefined {
  const slices = simSlices(sim);
  if (slices.length === 0) return undefined;
  const counts = new Map<number, number>();
  for (const s of slices) counts.set(s.rankingReplica, (counts.get(s.rankingReplica) ?? 0) + 1);
  const most = Math.max(...counts.values());
  const busiest = [...counts].filter(([, n]) => n === most).map(([id]) => id);
  const node = busiest.sort((a, b) => a - b)[rng.int(0, busiest.length - 1)];
  if (node === undefined) return undefined;
  const lostAtMs = sim.clock.now();
  sim.crashForGood(node);
  let healedAtMs: number | undefined;
  let replicatedAtMs: number | undefined;
  const belowReplicas: string[] = [];
  let timer: { cancel(): void } | undefined;
  const poll = () => {
    if (healedAtMs === undefined && rankedOnLiveLeaders(sim) === undefined) {
      healedAtMs = sim.clock.now();
    }
    const short = sliceBelowReplicas(sim);
    if (short !== undefined && belowReplicas.length < 10) belowReplicas.push(short);
    if (replicatedAtMs === undefined && replicasRestored(sim) === undefined) {
      replicatedAtMs = sim.clock.now();
    }
    timer = sim.clock.setTimer(pollMs, poll);
  };
  poll();
  return {
    node,
    lostAtMs,
    slices: slices.filter((s) => s.rankingReplica === node).map((s) => s.id),
    // A learner there (a balance move's copy in flight) is abandoned, not replaced.
    replicated: slices
      .filter((s) => s.members.some((m) => m.node === node && m.role !== 'learner'))
      .map((s) => s.id),
    rerankMs: () => (healedAtMs === undefined ? undefined : healedAtMs - lostAtMs),
    rereplicateMs: () => (replicatedAtMs === undefined ? undefined : replicatedAtMs - lostAtMs),
    belowReplicas,
    stop: () => timer?.cancel(),
  };
}

/**
 * Why not every slice is ranked on a live node that leads its group (by the newest control
 * state of a running member and the running nodes' Raft roles), or undefined when all are.
 */
export function rankedOnLiveLeaders(sim: SimCluster): string | undefined {
  const slices = simSlices(sim);
  if (slices.length === 0) return 'no control-plane member is running';
  for (const slice of slices) {
    const ranking = slice.rankingReplica;
    if (!sim.isUp(ranking)) return `slice ${slice.id} is ranked on n${ranking}, which is down`;
    const leader = sim.leaderOf(groupIdOfSlice(slice.id));
    if (leader !== ranking) {
      return `slice ${slice.id} is ranked on n${ranking} but led by ${leader === undefined ? 'nobody' : `n${leader}`}`;
    }
  }
  return undefined;
}

/** A slice the newest map lists with fewer data replicas or loggers than configured, if any. */
function sliceBelowReplicas(sim: SimCluster): string | undefined {
  const state = sim.newestControlState();
  const representation = state?.slicePlacement.representations.find((r) => r.name === 'sim');
  for (const slice of representation?.slices ?? []) {
    const replicas = slice.members.filter((m) => m.role === 'replica').length;
    const loggers = slice.members.filter((m) => m.role === 'logger').length;
    if (
      replicas < (representation?.replication.replicas ?? 0) ||
      loggers < (representation?.replication.loggers ?? 0)
    ) {
      return (
        `map v${state?.stateVersion ?? -1}: slice ${slice.id} lists ${replicas} data ` +
        `replicas and ${loggers} loggers`
      );
    }
  }
  return undefined;
}

/**
 * Why some slice is not fully re-replicated, or undefined when every slice has its configured
 * data replicas and loggers on live nodes, its data replicas span min(replicas, live zones)
 * zones, and Raft's voters and loggers on each data replica equal the map's.
 */
export function replicasRestored(sim: SimCluster): string | undefined {
  const state = sim.newestControlState();
  const representation = state?.slicePlacement.representations.find((r) => r.name === 'sim');
  if (representation === undefined) return 'no control-plane member is running';
  const liveZones = new Set(
    state
      ?.clusterNodes()
      .filter((n) => n.state === 'up')
      .map((n) => n.zone),
  );
  for (const slice of representation.slices) {
    const replicas = slice.members.filter((m) => m.role === 'replica');
    const want = representation.replication.replicas;
    if (replicas.length !== want) return `slice ${slice.id} has ${replicas.length} data replicas`;
    const dead = replicas.find((m) => !sim.isUp(m.node));
    if (dead !== undefined) return `slice ${slice.id} has a data replica on down n${dead.node}`;
    const loggers = slice.members.filter((m) => m.role === 'logger');
    if (loggers.length !== representation.replication.loggers) {
      return `slice ${slice.id} has ${loggers.length} loggers`;
    }
    const deadLogger = loggers.find((m) => !sim.isUp(m.node));
    if (deadLogger !== undefined)
      return `slice ${slice.id} has a logger on down n${deadLogger.node}`;
    const zones = new Set(replicas.map((m) => m.zone)).size;
    if (zones < Math.min(want, liveZones.size)) return `slice ${slice.id} spans ${zones} zones`;
    const quorum = slice.members
      .filter((m) => m.role !== 'learner')
      .map((m) => m.node)
      .sort((a, b) => a - b);
    for (const m of replicas) {
      const conf = sim.raftMembership(groupIdOfSlice(slice.id), m.node);
      const raft =
        conf === undefined ? [] : [...conf.voters, ...conf.loggers].sort((a, b) => a - b);
      if (raft.join() !== quorum.join()) {
        return `slice ${slice.id}: Raft on n${m.node} has [${raft.join()}], the map [${quorum.join()}]`;
      }
    }
  }
  return undefined;
}

/**
 * Runs until the rebalancer has no task running (no `running` entry in its history) and every
 * slice has its configured members on live nodes with Raft agreeing (`replicasRestored`), for
 * at most `maxMs`; returns whether it got there. Scenarios judge the final map then: a move
 * in flight has a learner the placement rules would count as surplus.
 */
export async function settle(sim: SimCluster, maxMs = 15_000): Promise<boolean> {
  const quiet = () =>
    !(sim.newestControlState()?.rebalancerActivity ?? []).some((a) => a.state === 'running') &&
    replicasRestored(sim) === undefined;
  return sim.runUntil(quiet, maxMs);
}

/** The scenario's findings once the run healed (empty when it kept its promises). */
export async function checkNodeLoss(sim: SimCluster, loss: NodeLoss): Promise<string[]> {
  const violations: string[] = [];
  const took = loss.rerankMs();
  if (took === undefined || took > rerankBoundMs) {
    violations.push(
      `node loss: n${loss.node} died at ${loss.lostAtMs} ms; its slices were ` +
        (took === undefined
          ? 'not all ranked and led on live nodes before the traffic ended'
          : `ranked and led on live nodes only after ${took} ms (bound ${rerankBoundMs} ms)`),
    );
  }
  await sim.runUntil(() => rankedOnLiveLeaders(sim) === undefined, settleBoundMs);
  const why = rankedOnLiveLeaders(sim);
  if (why !== undefined) violations.push(`node loss: ${settleBoundMs} ms after healing, ${why}`);
  const restoredIn = loss.lostAtMs + rereplicateBoundMs - sim.clock.now();
  if (restoredIn > 0) await sim.runUntil(() => loss.rereplicateMs() !== undefined, restoredIn);
  loss.stop();
  const took2 = loss.rereplicateMs();
  if (took2 === undefined || took2 > rereplicateBoundMs) {
    violations.push(
      `node loss: n${loss.node}'s members were not replaced within ${rereplicateBoundMs} ms: ` +
        (replicasRestored(sim) ?? `took ${took2 ?? -1} ms`),
    );
  }
  for (const short of loss.belowReplicas) violations.push(`node loss: below replicas: ${short}`);
  // The rebalancer may go on balancing the survivors: judge the map once it is quiet.
  if (!(await settle(sim))) violations.push('node loss: the rebalancer was still busy 15 s on');
  const nodes = sim.newestControlState()?.clusterNodes() ?? [];
  const placement = sim.newestControlState()?.slicePlacement;
  for (const v of placement === undefined ? [] : validatePlacement(placement, nodes)) {
    violations.push(`node loss: placement rule broken: ${v.message}`);
  }
  const activity = sim.newestControlState()?.rebalancerActivity ?? [];
  const held = new Map(loss.replicated.map((slice) => [slice, loss.node]));
  for (const v of checkReplacedOff(activity, held)) violations.push(`node loss: ${v}`);
  for (const slice of loss.slices) {
    const logged = activity.some(
      (a) =>
        a.action === 'rerank' &&
        a.sliceId === slice &&
        a.from === loss.node &&
        a.reason === `node ${loss.node} down`,
    );
    if (!logged) {
      violations.push(`node loss: no rerank of slice ${slice} off n${loss.node} in the history`);
    }
  }
  return violations;
}

function simSlices(sim: SimCluster): readonly Slice[] {
  const state = sim.newestControlState();
  return state?.slicePlacement.representations.find((r) => r.name === 'sim')?.slices ?? [];
}
