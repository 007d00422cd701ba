import type {
  LoadReport,
  MemberRole,
  NodeId,
  Placement,
  PlacementChange,
  SliceId,
} from '@tessera/placement';
import { applyChanges, PlacementError, planRebalance, planRepair } from '@tessera/placement';
import { groupIdOfSlice } from '../layout/slice-groups';
import type { NodePositions, ReplicaReport } from './control-protocol';
import type { ControlCommand, ControlState } from './control-state';
import {
  abandonTaskRound,
  busySlices,
  drainedSince,
  joiningMember,
  membersOn,
  runningAdds,
  runningMoves,
  sliceOf,
} from './rebalancer-activity';
import type { RebalancerActivity } from './rebalancer-activity';
import {
  defaultBalanceByBytesMin,
  defaultCatchUpLagEntriesMax,
  defaultMoveCooldownMs,
  defaultMovesInFlightMax,
} from './rebalancer-options';
import type { RebalancerOptions } from './rebalancer-options';

/**
 * The rebalancer's planned work on live nodes (issue 5): moves, as `move` tasks of the
 * activity history, each a member copied from a live node to another and then dropped from
 * the source. Two reasons to move:
 *
 * - **Drain** — a node set `draining` (ALTER CLUSTER DRAIN NODE) is emptied: placement's
 *   `planRepair` treats its members as to be replaced and picks each one's target (same role,
 *   zone first, lightest node). Its ranking replicas were re-ranked first (the failure
 *   re-rank treats draining like down, at once). Reason `node N draining`. Once it holds no
 *   member, one `drained` entry says so (`nodeDrained` tells the SQL/API layer).
 * - **Balance** — when nothing is failed or draining, placement's `planRebalance` evens out
 *   bytes per node (max/min ≤ `balancedRatioMax`, 1.25; copies per node within one while the
 *   nodes hold less than `balanceByBytesMin`, 16 MiB, on average) and loggers per node, e.g.
 *   onto a node that just joined. Its data and logger moves become tasks; its ranking pass is
 *   left to the hot-node re-rank (rebalancer-hot.ts). Needs every up node's report (sizes): a
 *   new leader waits for a heartbeat round. Hysteresis: slices with a task running or moved
 *   within `moveCooldownMs` (10 s) are `fixed` for the planner, so sizes that change with
 *   writes do not move a slice back and forth, and a node a slice just left has dropped its
 *   old replica before it can be chosen again.
 *
 * A move runs like a replacement (rebalancer.ts), add before remove, so the slice never has
 * fewer members of the role than configured:
 *
 * ```
 *   move round    + learner T (a data replica or read learner moves) / + logger T
 *                   (activity: move X → T, running, reason `node X draining` / `balance: …`)
 *   finish round  T caught up (same rule as a replacement):
 *                   [promoteLearner T, (promote X → T if X still ranks,) − replica X]
 *                   / [− learner X] / [− logger X]      (move done: bytes, duration; remove)
 *   (abandon)     − T when T left the map or its node is not up, X lost its member, or
 *                   X is no longer alive (down, removed)
 * ```
 *
 * The source is alive, so unlike a replacement a move is not abandoned when X is up. If X
 * dies during the move, the move is abandoned and failure handling takes over: the re-rank
 * at once, a replacement (an `add`, after `replaceAfterMs`) if X stays down — rather than
 * finish the copy early and drop a member of a node that may only be restarting.
 * At most `movesInFlightMax` moves run at once, one task (add or move) per slice; moves
 * start only while no replacement runs (failures come first), and only onto up nodes.
 */

type PlacementCommand = Extract<ControlCommand, { kind: 'applyPlacementChanges' }>;

/**
 * The new member's report when it is in the group (Raft's membership gives it `role` — or,
 * for a learner, still `voter`: see below — and it applied something: a joiner that has not received its snapshot reports 0) and within
 * `catchUpLagEntriesMax` of the newest leader report of the group, else undefined. The rule
 * every task (replacement or move) waits on before its new member counts.
 */
export function memberCaughtUp(
  task: RebalancerActivity,
  role: MemberRole,
  positions: readonly NodePositions[],
  options: RebalancerOptions,
): ReplicaReport | undefined {
  const groupId = groupIdOfSlice(task.sliceId);
  let joined: ReplicaReport | undefined;
  let leader: ReplicaReport | undefined;
  for (const node of positions) {
    const report = node.replicas.find((r) => r.groupId === groupId);
    if (report === undefined) continue;
    if (node.nodeId === task.to) joined = report;
    else if (report.raftRole === 'leader' && (leader === undefined || report.term > leader.term)) {
      leader = report;
    }
  }
  // A learner's node that Raft still counts as a voter holds more than was asked: the node
  // left the slice in the map a moment ago (a move, then a drain moving it straight back) and
  // the group never got to remove it. Waiting for it to report `learner` would wait forever
  // (nothing demotes a voter); promoting it in the map makes map and group agree again.
  if (joined === undefined || leader === undefined || joined.applied === 0) return undefined;
  const inGroup =
    joined.memberRole === role || (role === 'learner' && joined.memberRole === 'voter');
  if (!inGroup) return undefined;
  const lagMax = options.catchUpLagEntriesMax ?? defaultCatchUpLagEntriesMax;
  return joined.applied + lagMax >= leader.applied ? joined : undefined;
}

/** True when `node` is draining and holds no slice member any more: its drain is over. */
export function nodeDrained(state: ControlState, node: NodeId): boolean {
  return state.node(node)?.state === 'draining' && membersOn(state.slicePlacement, node) === 0;
}

/**
 * The round that moves one running move on, or undefined when none can: abandoned when its
 * new member left the map or its node is not up, or the source no longer holds the member or
 * is not alive; finished once the new member reports it is in the group and caught up. A
 * source that still ranks the slice hands its ranking to the new replica in the same round.
 */
export function planMoveProgress(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
): PlacementCommand | undefined {
  for (const task of runningMoves(state.rebalancerActivity)) {
    const slice = sliceOf(state.slicePlacement, task.sliceId);
    const joined = joiningMember(slice, task);
    const abandon = (why: string): PlacementCommand =>
      abandonTaskRound('abandonMove', task, joined, why, nowMs);
    if (slice === undefined || joined === undefined) return abandon('the new member left the map');
    const toState = state.node(task.to)?.state ?? 'unknown';
    if (toState !== 'up') return abandon(`n${task.to} is ${toState}`);
    const source = slice.members.find((m) => m.node === task.from);
    const fits =
      source !== undefined &&
      (source.role === 'logger' ? joined.role === 'logger' : joined.role === 'learner');
    if (!fits) return abandon(`n${task.from} no longer holds the member that moves`);
    const fromState = state.node(task.from)?.state ?? 'unknown';
    if (fromState !== 'up' && fromState !== 'draining') {
      return abandon(`n${task.from} is ${fromState}: failure handling takes over`);
    }
    const caughtUp = memberCaughtUp(task, joined.role, positions, options);
    if (caughtUp === undefined) continue;
    const ranks = slice.rankingReplica === task.from;
    const remove: PlacementChange = {
      kind: 'removeMember',
      slice: task.sliceId,
      node: task.from,
      role: source.role,
      reason: `moved to n${task.to}`,
    };
    const changes: PlacementChange[] = [];
    if (source.role === 'replica') {
      changes.push({
        kind: 'promoteLearner',
        slice: task.sliceId,
        node: task.to,
        reason: `caught up (applied ${caughtUp.applied})`,
      });
      if (ranks) {
        changes.push({
          kind: 'promote',
          slice: task.sliceId,
          from: task.from,
          to: task.to,
          reason: `n${task.from} hands over to n${task.to} before it leaves the slice`,
        });
      }
    }
    changes.push(remove);
    return {
      kind: 'applyPlacementChanges',
      changes,
      activity: { action: 'finishMove', atMs: nowMs, copiedBytes: caughtUp.bytes ?? 0 },
    };
  }
  return undefined;
}

/** How many more moves may start now (0 while a replacement runs: failures come first). */
function moveRoom(state: ControlState, options: RebalancerOptions): number {
  const activity = state.rebalancerActivity;
  if (runningAdds(activity).length > 0) return 0;
  const max = options.movesInFlightMax ?? defaultMovesInFlightMax;
  return Math.max(0, max - runningMoves(activity).length);
}

/**
 * The placement as it will be once every running move has finished (its target promoted, its
 * source gone): planning against it, a new move does not repeat one already under way.
 * Undefined if the running moves do not fit the map (a round in between will abandon them).
 */
function afterRunningMoves(state: ControlState): Placement | undefined {
  const changes: PlacementChange[] = [];
  for (const task of runningMoves(state.rebalancerActivity)) {
    const slice = sliceOf(state.slicePlacement, task.sliceId);
    const source = slice?.members.find((m) => m.node === task.from);
    const target = slice?.members.find((m) => m.node === task.to);
    if (slice === undefined || source === undefined || target === undefined) return undefined;
    const base = { slice: task.sliceId, reason: 'projected' };
    if (source.role === 'replica' && target.role === 'learner') {
      changes.push({ ...base, kind: 'promoteLearner', node: task.to });
      if (slice.rankingReplica === task.from) {
        changes.push({ ...base, kind: 'promote', from: task.from, to: task.to });
      }
    }
    changes.push({ ...base, kind: 'removeMember', node: task.from, role: source.role });
  }
  try {
    return applyChanges(state.slicePlacement, changes);
  } catch (err) {
    if (err instanceof PlacementError) return undefined;
    throw err;
  }
}

/**
 * The round that starts moves off draining nodes, or undefined. For each slice with no task
 * running whose ranking replica is alive (it sends the copy), placement's `planRepair` gives
 * the new home of each member on a draining node (its add right before the member's
 * removal); the add becomes a learner (a logger stays a logger). A member that has nowhere to
 * go (too few up nodes) stays, and the node is not drained until it can.
 */
export function planDrainStart(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  load?: LoadReport,
): PlacementCommand | undefined {
  const isDraining = (node: NodeId) => state.node(node)?.state === 'draining';
  if (!state.clusterNodes().some((n) => n.state === 'draining')) return undefined;
  let room = moveRoom(state, options);
  if (room === 0) return undefined;
  const busy = busySlices(state.rebalancerActivity);
  const candidates = new Set<SliceId>();
  for (const r of state.slicePlacement.representations) {
    for (const s of r.slices) {
      const ranking = state.node(s.rankingReplica)?.state;
      if (busy.has(s.id) || (ranking !== 'up' && ranking !== 'draining')) continue;
      if (s.members.some((m) => isDraining(m.node))) candidates.add(s.id);
    }
  }
  if (candidates.size === 0) return undefined;
  const projected = afterRunningMoves(state);
  if (projected === undefined) return undefined;
  const planned = planRepair(projected, state.clusterNodes(), load === undefined ? {} : { load });
  const changes: PlacementChange[] = [];
  const moving: NodeId[] = [];
  for (const [i, change] of planned.entries()) {
    if (room === 0) break;
    if (change.kind !== 'removeMember' || !candidates.has(change.slice)) continue;
    if (!isDraining(change.node)) continue;
    const add = planned[i - 1];
    const addKind =
      change.role === 'logger'
        ? 'addLogger'
        : change.role === 'replica'
          ? 'addReplica'
          : 'addLearner';
    if (add?.kind !== addKind || add.slice !== change.slice) continue;
    candidates.delete(change.slice); // one task per slice
    changes.push({
      kind: change.role === 'logger' ? 'addLogger' : 'addLearner',
      slice: change.slice,
      node: add.node,
      zone: add.zone,
      reason: `node ${change.node} draining`,
    });
    moving.push(change.node);
    room--;
  }
  if (changes.length === 0) return undefined;
  return {
    kind: 'applyPlacementChanges',
    changes,
    activity: { action: 'move', atMs: nowMs, moving },
  };
}

/** The round that reports a drain finished (one `drained` entry per drain), or undefined. */
export function planDrained(state: ControlState, nowMs: number): PlacementCommand | undefined {
  for (const node of state.clusterNodes()) {
    if (node.state !== 'draining' || !nodeDrained(state, node.id)) continue;
    const since = state.node(node.id)?.stateChangedAtMs ?? 0;
    if (drainedSince(state.rebalancerActivity, node.id, since)) continue;
    return {
      kind: 'applyPlacementChanges',
      changes: [],
      activity: { action: 'drained', atMs: nowMs, node: node.id, since },
    };
  }
  return undefined;
}

/**
 * The round that starts moves for balance, or undefined when the cluster is balanced, or
 * anything else is due: a replacement running, a member or ranking replica on a node that is
 * not up (failures and drains first), or an up node without a report yet (sizes unknown).
 * Placement's `planRebalance`, run against the map as it will be after the running moves,
 * gives the moves — by bytes once the nodes hold `balanceByBytesMin` on average, else by
 * copies; each data or logger move whose slice it touches first becomes a task, unless the
 * slice moved within `moveCooldownMs`.
 */
export function planBalanceStart(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
  load: LoadReport,
): PlacementCommand | undefined {
  let room = moveRoom(state, options);
  if (room === 0) return undefined;
  const isUp = (node: NodeId) => state.node(node)?.state === 'up';
  const nodes = state.clusterNodes();
  const reported = new Set(positions.map((p) => p.nodeId));
  if (nodes.some((n) => n.state === 'up' && !reported.has(n.id))) return undefined;
  for (const r of state.slicePlacement.representations) {
    for (const s of r.slices) {
      if (!isUp(s.rankingReplica) || s.members.some((m) => !isUp(m.node))) return undefined;
    }
  }
  const projected = afterRunningMoves(state);
  if (projected === undefined) return undefined;
  const up = nodes.filter((n) => n.state === 'up');
  const meanBytes =
    up.reduce((sum, n) => sum + heldBy(projected, n.id, 'replica', load), 0) /
    Math.max(1, up.length);
  const byBytes = meanBytes >= (options.balanceByBytesMin ?? defaultBalanceByBytesMin);
  // Slices with a task under way or moved lately stay put; the planner works around them.
  const busy = busySlices(state.rebalancerActivity);
  for (const slice of recentlyMoved(state, nowMs, options)) busy.add(slice);
  // Only add-then-remove moves become tasks: no swaps (a replica trading places with the
  // target's logger), or a swap planned first would block the moves that can be made.
  const planned = planRebalance(projected, nodes, {
    ...(byBytes ? { load } : {}),
    fixed: busy,
    swaps: false,
  });
  const touched = new Set<SliceId>();
  const changes: PlacementChange[] = [];
  const moving: NodeId[] = [];
  for (const [i, change] of planned.entries()) {
    if (room === 0) break;
    const first = !touched.has(change.slice);
    touched.add(change.slice);
    if (!first || busy.has(change.slice)) continue;
    if (change.kind !== 'addLearner' && change.kind !== 'addLogger') continue;
    const role = change.kind === 'addLearner' ? 'replica' : 'logger';
    const remove = planned
      .slice(i + 1)
      .find((c) => c.slice === change.slice && c.kind === 'removeMember' && c.role === role);
    if (remove?.kind !== 'removeMember' || !isUp(change.node)) continue;
    changes.push({
      ...change,
      reason: balanceReason(projected, byBytes ? load : undefined, role, remove.node, change.node),
    });
    moving.push(remove.node);
    room--;
  }
  if (changes.length === 0) return undefined;
  return {
    kind: 'applyPlacementChanges',
    changes,
    activity: { action: 'move', atMs: nowMs, moving },
  };
}

/**
 * Slices whose move or replacement ended (done or failed) within `moveCooldownMs` of now:
 * not moved for balance yet.
 */
function recentlyMoved(state: ControlState, nowMs: number, options: RebalancerOptions): SliceId[] {
  const since = nowMs - (options.moveCooldownMs ?? defaultMoveCooldownMs);
  return state.rebalancerActivity
    .filter(
      (a) =>
        (a.action === 'move' || a.action === 'add') &&
        a.state !== 'running' &&
        a.atMs + a.durationMs > since,
    )
    .map((a) => a.sliceId);
}

/**
 * What `node` holds: for `replica`, its data copies' bytes by `load` (copies counted without
 * one); for `logger`, its loggers.
 */
function heldBy(
  placement: Placement,
  node: NodeId,
  role: 'replica' | 'logger',
  load: LoadReport | undefined,
): number {
  let sum = 0;
  for (const r of placement.representations) {
    for (const s of r.slices) {
      const m = s.members.find((x) => x.node === node);
      if (m === undefined) continue;
      if (role === 'logger') sum += m.role === 'logger' ? 1 : 0;
      else if (m.role !== 'logger') sum += load === undefined ? 1 : (load.get(s.id)?.bytes ?? 0);
    }
  }
  return sum;
}

/** `balance: n1 holds 9000 bytes, n4 0`, `… 4 copies, n4 0` or `… 3 loggers, n4 1`. */
function balanceReason(
  placement: Placement,
  load: LoadReport | undefined,
  role: 'replica' | 'logger',
  from: NodeId,
  to: NodeId,
): string {
  const unit = role === 'logger' ? 'loggers' : load === undefined ? 'copies' : 'bytes';
  const held = (node: NodeId) => heldBy(placement, node, role, load);
  return `balance: n${from} holds ${held(from)} ${unit}, n${to} ${held(to)}`;
}
