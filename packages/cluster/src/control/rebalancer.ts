import type {
  LoadReport,
  MemberRole,
  NodeId,
  PlacementChange,
  SliceId,
  SliceLoad,
} from '@tessera/placement';
import { planRankingRepair, planRepair } from '@tessera/placement';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlResult, ControlState } from './control-state';
import {
  abandonTaskRound,
  busySlices,
  joiningMember,
  runningAdds,
  sliceOf,
} from './rebalancer-activity';
import { planHotRerank } from './rebalancer-hot';
import { planSplit } from './split-planner';
import {
  memberCaughtUp,
  planBalanceStart,
  planDrained,
  planDrainStart,
  planMoveProgress,
} from './rebalancer-moves';
import { defaultReplacementsInFlightMax, defaultReplaceAfterMs } from './rebalancer-options';
import type { RebalancerOptions } from './rebalancer-options';

export type { RebalancerOptions } from './rebalancer-options';
export {
  defaultBalanceByBytesMin,
  defaultCatchUpLagEntriesMax,
  defaultMoveCooldownMs,
  defaultHotReadMinPerSec,
  defaultHotReadRatio,
  defaultMovesInFlightMax,
  defaultReplaceAfterMs,
  defaultReplacementsInFlightMax,
  defaultRerankIntervalMs,
} from './rebalancer-options';

/**
 * The rebalancer: what the control-plane leader does by itself about the slice map (issue 5).
 * Failure handling first (here), then planned work (rebalancer-moves.ts: drains and moves
 * for balance; rebalancer-hot.ts: hot-node re-rank):
 *
 * - **Re-rank on failure** — when a node is `down` (or draining, removed), every slice whose
 *   ranking replica lives there gets a live data replica as its new ranking replica, at once
 *   (after `rerankAfterMs`, default 0). Nothing moves but leadership: the new ranking replica
 *   already holds the data, and its node's agent tells the replica
 *   (`SliceReplica.setRankingNode`), whose group's leader then hands leadership to it.
 * - **Re-replicate** — a slice whose data replica or logger lives on a node `down` for
 *   `replaceAfterMs` (or removed) gets a replacement, placed by placement's `planRepair`
 *   (same role, best up node, zone first), in map changes that never leave the slice with
 *   fewer members of the role than configured. A data replica:
 *
 * ```
 *   add round      + learner T            (activity: add X → T, running, reason `node X down`)
 *                     agents: T creates a joining replica; the group's leader proposes
 *                     addLearner T; T receives a snapshot, then the log
 *   finish round   T learner → replica, − replica X        (one command: add done + remove)
 *                     agents: leader proposes addVoter T, then removeNode X
 *   (abandon)      − learner T when T's node died or X came back (add failed)
 * ```
 *
 *   A logger the same way, without the learner stage (Raft has no non-voting logger): add
 *   round + logger T (agents: addLogger, a voter at once — until it has caught up by
 *   snapshot, commits need every other live quorum member), finish round − logger X.
 *
 *   A finish waits until T reports (heartbeat positions) that it is in the group as a
 *   learner and has applied within `catchUpLagEntriesMax` of the group leader's report. At
 *   most `replacementsInFlightMax` adds run at once. The task's state is the map (the
 *   learner) plus its `running` activity entry, both replicated: a new leader resumes from
 *   them.
 *
 * ```
 *  leader tick ──► Rebalancer.tick(now)    (serving leader only; one round in flight)
 *                    rerank due (node down/draining/removed)?      → rerank
 *                    else a running add to finish or abandon?        → finishAdd / abandonAdd
 *                    else a running move to finish or abandon?       → finishMove / abandonMove
 *                    else room for replacements of lost members?     → add
 *                    else a draining node's members to move?         → move (`node N draining`)
 *                    else a draining node now empty?                 → drained
 *                    else not balanced (bytes, loggers), all up?     → move (`balance: …`)
 *                    else a hot node (reads/s), interval over?       → hotRerank (`hot: …`)
 *   each round ONE applyPlacementChanges { changes, activity }: refused whole if stale
 *   (rebalancer-activity.ts), else map + epochs + history change together
 * ```
 *
 * Failures come first: moves start only while no replacement runs, balance only while every
 * member and ranking replica is on an up node. At most one task (add or move) per slice.
 * Moves (drains and balance) are the same add-before-remove pattern as a replacement, with
 * the source alive (rebalancer-moves.ts); at most `movesInFlightMax` (2) run at once.
 *
 * Deterministic and idempotent: a round is computed from the replicated state (plus the
 * leader's clock and its soft reports) and carried out as one conditional command, so a new
 * leader simply computes again from what it applied; a round decided twice (two leaders in a
 * row) applies once and the second is refused as stale.
 *
 * Why `replaceAfterMs` defaults to 10 s: re-ranking already restored service within a
 * second; a replacement copies the whole slice, which a node that only restarted (a deploy,
 * a crash loop, a short partition) would make wasted work and then surplus to clean up. Ten
 * seconds covers a process restart and a typical blip while keeping the window with one
 * copy short (Xpand waits minutes; CockroachDB's store-dead timeout is 5 min — both tuned
 * for larger copies than a demo cluster's).
 *
 * Not here yet: replacing configured read learners on a dead node (a drain does move them),
 * splitting large slices (see docs/ARCHITECTURE.md, "Not yet").
 */
export type PlacementCommand = Extract<ControlCommand, { kind: 'applyPlacementChanges' }>;

/**
 * The re-rank round due now, or undefined when every slice that can be ranked on a live node
 * is. A slice ranked on a node that is `down` waits until the node has been down for
 * `rerankAfterMs` (by the leader's clock against the time the leader stamped the change); one
 * ranked on a draining, removed or unknown node is due at once. Each change's reason is the
 * node's condition (`node 3 down`), which the activity history shows.
 */
export function planFailureRerank(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  load?: LoadReport,
): PlacementCommand | undefined {
  if (!rankingOffLiveNodes(state)) return undefined;
  const condition = (node: NodeId): string | undefined => {
    const registered = state.node(node);
    if (registered === undefined) return 'unknown';
    switch (registered.state) {
      case 'up':
        return undefined;
      case 'down':
        return nowMs - registered.stateChangedAtMs >= options.rerankAfterMs ? 'down' : undefined;
      case 'draining':
      case 'removed':
        return registered.state;
    }
  };
  const changes: PlacementChange[] = [];
  const planned = planRankingRepair(
    state.slicePlacement,
    state.clusterNodes(),
    load === undefined ? {} : { load },
  );
  for (const change of planned) {
    const why = condition(change.from);
    if (why !== undefined) changes.push({ ...change, reason: `node ${change.from} ${why}` });
  }
  if (changes.length === 0) return undefined;
  return { kind: 'applyPlacementChanges', changes, activity: { action: 'rerank', atMs: nowMs } };
}

/** Cheap pre-check, run every tick: is any slice ranked on a node that is not up? */
function rankingOffLiveNodes(state: ControlState): boolean {
  return state.slicePlacement.representations.some((r) =>
    r.slices.some((s) => state.node(s.rankingReplica)?.state !== 'up'),
  );
}

/** When `node` counts as lost for re-replication: down for `replaceAfterMs`, or removed. */
function lostForReplacement(
  state: ControlState,
  node: NodeId,
  nowMs: number,
  options: RebalancerOptions,
): boolean {
  const registered = state.node(node);
  if (registered === undefined) return true;
  switch (registered.state) {
    case 'up':
    case 'draining': // alive: emptied by a drain (moves), not replaced
      return false;
    case 'down':
      return (
        nowMs - registered.stateChangedAtMs >= (options.replaceAfterMs ?? defaultReplaceAfterMs)
      );
    case 'removed':
      return true;
  }
}

/** Roles the rebalancer replaces: data replicas (through a learner) and loggers. */
type ReplacedRole = 'replica' | 'logger';

function isReplacedRole(role: MemberRole): role is ReplacedRole {
  return role === 'replica' || role === 'logger';
}

/**
 * The round that starts replacements now, or undefined. For each slice with no add running
 * whose ranking replica is up (it sends the copy), placement's `planRepair` gives the
 * replacement of a data replica or logger on a lost node (its `addReplica` / `addLogger`
 * right before the `removeMember` of that member). A data replica's replacement enters the
 * map as a learner (promoted when caught up); a logger's as a logger (a voter at once: Raft
 * has no non-voting logger). Up to `replacementsInFlightMax` run at once, one per slice.
 */
export function planReplacementStart(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  load?: LoadReport,
): PlacementCommand | undefined {
  const running = runningAdds(state.rebalancerActivity);
  let room = (options.replacementsInFlightMax ?? defaultReplacementsInFlightMax) - running.length;
  if (room <= 0) return undefined;
  const busy = busySlices(state.rebalancerActivity); // a running move finishes first
  const isLost = (node: NodeId) => lostForReplacement(state, node, nowMs, options);
  const candidates = new Set<SliceId>();
  for (const r of state.slicePlacement.representations) {
    for (const s of r.slices) {
      if (busy.has(s.id) || state.node(s.rankingReplica)?.state !== 'up') continue;
      if (s.members.some((m) => isReplacedRole(m.role) && isLost(m.node))) candidates.add(s.id);
    }
  }
  if (candidates.size === 0) return undefined;
  const planned = planRepair(
    state.slicePlacement,
    state.clusterNodes(),
    load === undefined ? {} : { load },
  );
  const changes: PlacementChange[] = [];
  const replacing: NodeId[] = [];
  for (const [i, change] of planned.entries()) {
    if (room === 0) break;
    if (change.kind !== 'removeMember' || !isReplacedRole(change.role)) continue;
    if (!candidates.has(change.slice) || !isLost(change.node)) continue;
    const add = planned[i - 1];
    const addKind = change.role === 'replica' ? 'addReplica' : 'addLogger';
    if (add?.kind !== addKind || add.slice !== change.slice) continue;
    candidates.delete(change.slice); // one replacement per slice at a time
    changes.push({
      kind: change.role === 'replica' ? 'addLearner' : 'addLogger',
      slice: change.slice,
      node: add.node,
      zone: add.zone,
      reason: `node ${change.node} ${state.node(change.node)?.state ?? 'unknown'}`,
    });
    replacing.push(change.node);
    room--;
  }
  if (changes.length === 0) return undefined;
  return {
    kind: 'applyPlacementChanges',
    changes,
    activity: { action: 'add', atMs: nowMs, replacing },
  };
}

/**
 * The round that moves one running add on, or undefined when none can move: abandoned when
 * its new member left the map or its node is not up, or the node it replaces is up again (or
 * no longer holds the member); finished once the new member reports it is in the group and
 * caught up with the leader's report — a learner is promoted and the lost replica removed, a
 * new logger stays and the lost logger is removed.
 */
export function planReplacementProgress(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
): PlacementCommand | undefined {
  for (const task of runningAdds(state.rebalancerActivity)) {
    const slice = sliceOf(state.slicePlacement, task.sliceId);
    const joined = joiningMember(slice, task);
    const replacedRole: ReplacedRole = joined?.role === 'logger' ? 'logger' : 'replica';
    const old = slice?.members.find((m) => m.node === task.from && m.role === replacedRole);
    const abandon = (why: string): PlacementCommand =>
      abandonTaskRound('abandonAdd', task, joined, why, nowMs);
    if (slice === undefined || joined === undefined) return abandon('the new member left the map');
    const joinedNode = state.node(task.to)?.state ?? 'unknown';
    if (joinedNode !== 'up') return abandon(`n${task.to} is ${joinedNode}`);
    if (old === undefined) return abandon(`n${task.from} no longer holds a ${replacedRole}`);
    if (state.node(task.from)?.state === 'up') return abandon(`n${task.from} is up again`);
    if (slice.rankingReplica === task.from) continue; // re-rank first (it is due or will be)
    const caughtUp = memberCaughtUp(task, joined.role, positions, options);
    if (caughtUp === undefined) continue;
    const remove: PlacementChange = {
      kind: 'removeMember',
      slice: task.sliceId,
      node: task.from,
      role: replacedRole,
      reason: task.reason,
    };
    const promote: PlacementChange = {
      kind: 'promoteLearner',
      slice: task.sliceId,
      node: task.to,
      reason: `caught up (applied ${caughtUp.applied})`,
    };
    return {
      kind: 'applyPlacementChanges',
      changes: replacedRole === 'replica' ? [promote, remove] : [remove],
      activity: { action: 'finishAdd', atMs: nowMs, copiedBytes: caughtUp.bytes ?? 0 },
    };
  }
  return undefined;
}

/**
 * Each slice's size and read rate from the nodes' latest reports (the leader's soft state):
 * bytes of its largest copy, reads/s summed over its replicas (reads are served by the
 * leader, so that is the leader's). Lets the planner pick the coolest surviving replica.
 */
export function loadFromPositions(positions: readonly NodePositions[]): LoadReport {
  const bySlice = new Map<SliceId, SliceLoad>();
  for (const node of positions) {
    for (const r of node.replicas) {
      const slice = r.groupId - 1; // layout/slice-groups: group id = slice id + 1
      const was = bySlice.get(slice) ?? { bytes: 0, readsPerSec: 0 };
      bySlice.set(slice, {
        bytes: Math.max(was.bytes, r.bytes ?? 0),
        readsPerSec: was.readsPerSec + (r.readsPerSec ?? 0),
      });
    }
  }
  return bySlice;
}

export interface RebalancerDeps {
  readonly state: () => ControlState;
  /** Replicates a command (the leader's `propose`); resolves once applied here. */
  readonly propose: (command: ControlCommand) => Promise<ControlResult>;
  /** The nodes' latest load reports, if any (for choosing among survivors). */
  readonly load?: () => LoadReport | undefined;
  /** The nodes' latest replica reports (a learner's catch-up; none: no add finishes). */
  readonly positions?: () => readonly NodePositions[];
  readonly options: RebalancerOptions;
}

/**
 * Runs decision rounds on the serving leader's tick, one at a time: while a round's command
 * is in the log, no other is decided (the next tick after it settles sees its effect). A
 * refused (stale) or lost round is simply decided again from the state of the next tick.
 */
export class Rebalancer {
  private inFlight = false;
  private roundsValue = 0;

  constructor(private readonly deps: RebalancerDeps) {}

  /** Rounds proposed by this member since it started. */
  get rounds(): number {
    return this.roundsValue;
  }

  /** Call on the serving leader only. */
  tick(nowMs: number): void {
    if (this.inFlight) return;
    const state = this.deps.state();
    const { options } = this.deps;
    const positions = this.deps.positions?.() ?? [];
    const load = loadFromPositions(positions);
    const command =
      planFailureRerank(state, nowMs, options, this.deps.load?.()) ??
      planReplacementProgress(state, nowMs, options, positions) ??
      planMoveProgress(state, nowMs, options, positions) ??
      planReplacementStart(state, nowMs, options, this.deps.load?.()) ??
      planDrainStart(state, nowMs, options, this.deps.load?.()) ??
      planDrained(state, nowMs) ??
      planSplit(state, nowMs, options, positions) ??
      planBalanceStart(state, nowMs, options, positions, load) ??
      planHotRerank(state, nowMs, options, positions, load);
    if (command === undefined) return;
    this.inFlight = true;
    this.roundsValue++;
    this.deps
      .propose(command)
      .catch(() => undefined) // not leading any more, or ambiguous: the state will tell
      .finally(() => {
        this.inFlight = false;
      });
  }
}
