import type {
  NodeId,
  NodeState,
  Placement,
  PlacementChange,
  Slice,
  SliceId,
  SliceMember,
} from '@tessera/placement';
import type { CatalogSnapshot } from './catalog';

/**
 * The rebalancer's history, kept in the replicated `ControlState` (so every member, every
 * snapshot and every restart has it) and shown as `system.rebalancer_activity`.
 *
 * An entry is written by the very command that changes the slice map (an
 * `applyPlacementChanges` with `activity`), stamped with the leader's time inside the command,
 * so the history and the map can never disagree: a decision that did not apply left no entry,
 * and one that applied cannot lose its entry. The log keeps the newest `activityLogMax`
 * entries; ids keep growing across the trim (a reader can tell it missed some).
 */

/**
 * What the rebalancer did: `rerank` (a new ranking replica: off a failed or draining node,
 * off a hot node — reason `hot: …` — or handed over by a finishing move), `add` (a
 * replacement member for one on a dead node: a learner that copies the slice, then is
 * promoted; or a new logger), `move` (a member of a live node copied to another node, for
 * balance or off a draining node: the same learner stage, then the source leaves), `remove`
 * (the old member leaves the slice once its replacement or move target has caught up) and
 * `drained` (a draining node holds no slice member any more; slice -1) and `split` (a slice
 * over the size threshold splits in two by hash range: `running` from beginSplit, `done` at
 * finishSplit with the bytes that moved; from = to = its ranking replica; see
 * split-planner.ts).
 */
export type RebalancerAction = 'rerank' | 'add' | 'remove' | 'move' | 'drained' | 'split';

/**
 * Where the task stands. A re-rank, a removal or a `drained` is one step, written `done`. An
 * `add` or `move` is written `running` when its new member enters the map, and turns `done`
 * (bytes, duration) when it has caught up (a learner is then promoted), or `failed` when it
 * is abandoned (its node died; for an add, the node it replaced came back first).
 */
export type ActivityState = 'running' | 'done' | 'failed';

export interface RebalancerActivity {
  /** 1, 2, 3… in the order applied; never reused. */
  readonly id: number;
  /** The leader's clock when it decided (ms; unix time on a real host). */
  readonly atMs: number;
  readonly action: RebalancerAction;
  readonly sliceId: SliceId;
  /**
   * What the slice stores: `db.table` for a table's primary representation, `db.table.index`
   * for a secondary index, else the placement's own name (a representation made outside SQL).
   */
  readonly representation: string;
  /**
   * rerank: the old and the new ranking replica; add / move: the node whose member is
   * replaced (moved) and the new member's node; remove: the node that left (to = its
   * replacement's node); drained: the node (to = 0).
   */
  readonly from: NodeId;
  readonly to: NodeId;
  /** Why, e.g. `node 3 down`. */
  readonly reason: string;
  readonly state: ActivityState;
  /**
   * Bytes copied (an add or move: the new member's reported size when done — 0 for a logger;
   * drained: the bytes its moves copied since the drain began).
   */
  readonly bytes: number;
  /**
   * From decision to done (an add or move: until its promotion; drained: since the node
   * started draining; a one-step change: 0).
   */
  readonly durationMs: number;
}

/**
 * How a decision round asks to be logged (part of the `applyPlacementChanges` command), one
 * kind per round the rebalancer carries out:
 *
 * - `rerank`: promotions only (each `promote` change is one `done` entry);
 * - `add`: the start of replacements — each change an `addLearner` (replacing the data
 *   replica on `replacing[i]`) or `addLogger` (replacing the logger there); one `running`
 *   entry each;
 * - `finishAdd`: one slice's new member has caught up — `[promoteLearner T, removeMember
 *   X replica]`, or `[removeMember X logger]`; the running `add` X → T turns `done`
 *   (`copiedBytes`, duration) and a `remove` of X is logged;
 * - `abandonAdd`: one slice's running add is given up — changes empty (its new member is
 *   gone from the map) or `[removeMember T]`; the entry turns `failed`.
 * - `move`: the start of moves off live (up or draining) nodes — each change an
 *   `addLearner` (moving the data replica or read learner on `moving[i]`) or `addLogger`;
 *   one `running` entry each;
 * - `finishMove`: one slice's move target has caught up — `[promoteLearner T, (promote X→T
 *   when X ranks the slice,) removeMember X replica]`, `[removeMember X learner]` or
 *   `[removeMember X logger]`; the move turns `done` and a `remove` (and `rerank`) is logged;
 * - `abandonMove`: as `abandonAdd`, for a running move;
 * - `hotRerank`: promotions off a hot node (each a `done` `rerank` entry, reason `hot: …`);
 * - `drained`: no changes; node `node`, draining since `since`, holds no member any more.
 */
export type ActivityRequest =
  | { readonly action: 'rerank'; readonly atMs: number }
  | { readonly action: 'add'; readonly atMs: number; readonly replacing: readonly NodeId[] }
  | {
      readonly action: 'finishAdd';
      readonly atMs: number;
      readonly copiedBytes: number;
    }
  | {
      readonly action: 'abandonAdd';
      readonly atMs: number;
      readonly sliceId: SliceId;
      readonly to: NodeId;
    }
  | { readonly action: 'move'; readonly atMs: number; readonly moving: readonly NodeId[] }
  | { readonly action: 'finishMove'; readonly atMs: number; readonly copiedBytes: number }
  | {
      readonly action: 'abandonMove';
      readonly atMs: number;
      readonly sliceId: SliceId;
      readonly to: NodeId;
    }
  | { readonly action: 'hotRerank'; readonly atMs: number }
  | {
      readonly action: 'drained';
      readonly atMs: number;
      readonly node: NodeId;
      /** When the node started draining (its `stateChangedAtMs`). */
      readonly since: number;
    };

/** How a hot-node re-rank's reasons begin (and how the history tells them apart). */
export const hotReasonPrefix = 'hot: ';

export const activityLogMax = 1_000;

const reasonLengthMax = 1_000;

const requestActions: readonly string[] = [
  'rerank',
  'add',
  'finishAdd',
  'abandonAdd',
  'move',
  'finishMove',
  'abandonMove',
  'hotRerank',
  'drained',
];

/**
 * What is wrong with a logged round as it came in, if anything: commands reach the log from
 * any control-plane client, and the history must hold only what `system.rebalancer_activity`
 * can show (a known action, a time, a short text reason per change, whole numbers).
 */
export function malformedActivityRound(
  request: ActivityRequest,
  changes: readonly PlacementChange[],
): string | undefined {
  const action: unknown = request.action;
  if (typeof action !== 'string' || !requestActions.includes(action)) {
    return `unknown rebalancer action ${JSON.stringify(action)}`;
  }
  if (!isWhole(request.atMs)) return 'a logged round needs its time as whole ms ≥ 0';
  for (const change of changes) {
    const reason: unknown = change.reason;
    if (typeof reason !== 'string' || reason.length > reasonLengthMax) {
      return `a logged change needs a reason of at most ${reasonLengthMax} characters`;
    }
  }
  switch (request.action) {
    case 'rerank':
      return undefined;
    case 'add': {
      const replacing: unknown = request.replacing;
      const ok =
        Array.isArray(replacing) &&
        replacing.length === changes.length &&
        replacing.every((n) => isWhole(n));
      return ok ? undefined : 'an add round names the node each change replaces';
    }
    case 'move': {
      const moving: unknown = request.moving;
      const ok =
        Array.isArray(moving) &&
        moving.length === changes.length &&
        moving.every((n) => isWhole(n));
      return ok ? undefined : 'a move round names the node each change moves off';
    }
    case 'finishAdd':
    case 'finishMove':
      return isWhole(request.copiedBytes) ? undefined : 'copiedBytes must be whole bytes ≥ 0';
    case 'abandonAdd':
    case 'abandonMove':
      return isWhole(request.sliceId) && isWhole(request.to)
        ? undefined
        : 'an abandoned task names its slice and node';
    case 'hotRerank':
      return changes.every((c) => c.reason.startsWith(hotReasonPrefix))
        ? undefined
        : `a hot re-rank's reasons begin with '${hotReasonPrefix}'`;
    case 'drained':
      if (!isWhole(request.node) || !isWhole(request.since)) {
        return 'a drained round names its node and when the drain began';
      }
      return changes.length === 0 ? undefined : 'a drained round changes nothing';
  }
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The facts a round's conditions are checked against (the state it is about to change). */
export interface RoundContext {
  readonly placement: Placement;
  readonly isUp: (node: NodeId) => boolean;
  /** A registered node's state and when it last changed (undefined: unknown node). */
  readonly node: (
    node: NodeId,
  ) => { readonly state: NodeState; readonly stateChangedAtMs: number } | undefined;
  readonly activity: readonly RebalancerActivity[];
}

/**
 * Why a logged round no longer fits the state it is about to change, or undefined when it
 * does. Every round is a conditional update, refused whole — the leader decides again from
 * the new state — when the state moved under it (a node came back, another leader decided
 * first): applying it then would change what no longer needs changing.
 */
export function staleActivityRound(
  request: ActivityRequest,
  changes: readonly PlacementChange[],
  context: RoundContext,
): string | undefined {
  switch (request.action) {
    case 'rerank':
      return staleRerank(changes, context);
    case 'add':
      return staleAdd(request.replacing, changes, context);
    case 'finishAdd':
      return staleFinish(changes, context);
    case 'abandonAdd':
      return staleAbandon(
        runningAdds(context.activity),
        request.sliceId,
        request.to,
        changes,
        context,
      );
    case 'move':
      return staleMove(request.moving, changes, context);
    case 'finishMove':
      return staleFinishMove(changes, context);
    case 'abandonMove':
      return staleAbandon(
        runningMoves(context.activity),
        request.sliceId,
        request.to,
        changes,
        context,
      );
    case 'hotRerank':
      return staleHotRerank(changes, context);
    case 'drained':
      return staleDrained(request.node, request.since, context);
  }
}

/**
 * A re-rank applies unless some change is not a promotion whose `from` still ranks the slice
 * and is still not up, and whose `to` is a data replica of it on a node that is `up`.
 */
function staleRerank(
  changes: readonly PlacementChange[],
  { placement, isUp }: RoundContext,
): string | undefined {
  if (changes.length === 0) return 'a re-rank round without changes';
  const seen = new Set<SliceId>();
  for (const change of changes) {
    if (change.kind !== 'promote') return `a re-rank round cannot ${change.kind}`;
    if (seen.has(change.slice)) return `slice ${change.slice} is re-ranked twice in one round`;
    seen.add(change.slice);
    const slice = sliceOf(placement, change.slice);
    if (slice === undefined) return `no slice ${change.slice}`;
    if (slice.rankingReplica !== change.from) {
      return `slice ${change.slice} is ranked by n${slice.rankingReplica}, not n${change.from}`;
    }
    if (isUp(change.from)) return `n${change.from} is up again`;
    const to = slice.members.find((m) => m.node === change.to);
    if (to?.role !== 'replica' || !isUp(change.to)) {
      return `n${change.to} is not a data replica of slice ${change.slice} on an up node`;
    }
  }
  return undefined;
}

/**
 * The start of replacements applies unless some change is not an `addLearner` (replacing a
 * data replica) or `addLogger` (replacing a logger) onto an up node outside the slice, the
 * slice already has a replacement running, or the member it replaces is no longer of that
 * role on a node that is not up (a data replica that still ranks the slice cannot be
 * replaced: the ranking replica must live, it sends the copy).
 */
function staleAdd(
  replacing: readonly NodeId[],
  changes: readonly PlacementChange[],
  { placement, isUp, activity }: RoundContext,
): string | undefined {
  if (changes.length === 0) return 'an add round without changes';
  const busy = busySlices(activity);
  for (const [i, change] of changes.entries()) {
    if (change.kind !== 'addLearner' && change.kind !== 'addLogger') {
      return `an add round cannot ${change.kind}`;
    }
    if (busy.has(change.slice)) return `slice ${change.slice} already has a replacement running`;
    busy.add(change.slice);
    const slice = sliceOf(placement, change.slice);
    if (slice === undefined) return `no slice ${change.slice}`;
    if (!isUp(change.node)) return `n${change.node} is not up`;
    const old = replacing[i] ?? 0;
    const role = change.kind === 'addLearner' ? 'replica' : 'logger';
    const member = slice.members.find((m) => m.node === old);
    if (member?.role !== role || isUp(old) || slice.rankingReplica === old) {
      return `slice ${change.slice} has no ${role} to replace on n${old}`;
    }
  }
  return undefined;
}

/**
 * A finish applies when it is exactly [promoteLearner T, removeMember X replica] (a data
 * replica's replacement) or [removeMember X logger] (a logger's) of one slice whose running
 * add is X → T, T is still a learner (logger) of it on an up node, and X is still a data
 * replica (logger) on a node that is not up and does not rank the slice.
 */
function staleFinish(
  changes: readonly PlacementChange[],
  { placement, isUp, activity }: RoundContext,
): string | undefined {
  const [first, second, ...rest] = changes;
  const promote = first?.kind === 'promoteLearner' ? first : undefined;
  const remove = promote === undefined ? first : second;
  const shapeOk = (r: PlacementChange | undefined): r is RemoveMember =>
    r?.kind === 'removeMember' &&
    rest.length === 0 &&
    (promote === undefined
      ? second === undefined && r.role === 'logger'
      : r.role === 'replica' && r.slice === promote.slice);
  if (!shapeOk(remove)) {
    return 'a finished add is [promoteLearner, removeMember replica] or [removeMember logger] of one slice';
  }
  const task = runningAdds(activity).find((a) => a.sliceId === remove.slice);
  if (
    task === undefined ||
    task.from !== remove.node ||
    (promote !== undefined && task.to !== promote.node)
  ) {
    return `slice ${remove.slice} has no running add off n${remove.node} to match`;
  }
  const slice = sliceOf(placement, remove.slice);
  const joinedRole = remove.role === 'replica' ? 'learner' : 'logger';
  const joined = slice?.members.find((m) => m.node === task.to);
  if (joined?.role !== joinedRole || !isUp(task.to)) {
    return `n${task.to} is not a ${joinedRole} of slice ${remove.slice} on an up node`;
  }
  const old = slice?.members.find((m) => m.node === remove.node);
  if (old?.role !== remove.role || isUp(remove.node) || slice?.rankingReplica === remove.node) {
    return `n${remove.node} is no longer a lost ${remove.role} of slice ${remove.slice}`;
  }
  return undefined;
}

/**
 * An abandon applies when the task (an add or a move, from `running`) is running and removes
 * its new member if still listed.
 */
function staleAbandon(
  running: readonly RebalancerActivity[],
  sliceId: SliceId,
  to: NodeId,
  changes: readonly PlacementChange[],
  { placement }: RoundContext,
): string | undefined {
  const task = running.find((a) => a.sliceId === sliceId);
  if (task?.to !== to) return `slice ${sliceId} has no running task to n${to}`;
  const joined = sliceOf(placement, sliceId)?.members.find(
    (m) => m.node === to && (m.role === 'learner' || m.role === 'logger'),
  );
  const [remove, ...rest] = changes;
  if (joined === undefined) return changes.length === 0 ? undefined : 'nothing to remove';
  const ok =
    remove?.kind === 'removeMember' &&
    remove.slice === sliceId &&
    remove.node === to &&
    remove.role === joined.role &&
    rest.length === 0;
  return ok ? undefined : `an abandoned task removes its new member n${to} and nothing else`;
}

/** Whether a node is alive and serving: the source of a move may be up or draining. */
function isAlive(context: RoundContext, node: NodeId): boolean {
  const state = context.node(node)?.state;
  return state === 'up' || state === 'draining';
}

/**
 * The start of moves applies unless some change is not an `addLearner` (moving a data
 * replica or read learner) or `addLogger` (moving a logger) onto an up node outside the
 * slice, the slice already has a task running, or the member it moves is not of that role
 * on a live (up or draining) node.
 */
function staleMove(
  moving: readonly NodeId[],
  changes: readonly PlacementChange[],
  context: RoundContext,
): string | undefined {
  const { placement, isUp, activity } = context;
  if (changes.length === 0) return 'a move round without changes';
  const busy = busySlices(activity);
  for (const [i, change] of changes.entries()) {
    if (change.kind !== 'addLearner' && change.kind !== 'addLogger') {
      return `a move round cannot ${change.kind}`;
    }
    if (busy.has(change.slice)) return `slice ${change.slice} already has a task running`;
    busy.add(change.slice);
    const slice = sliceOf(placement, change.slice);
    if (slice === undefined) return `no slice ${change.slice}`;
    if (!isUp(change.node)) return `n${change.node} is not up`;
    if (slice.members.some((m) => m.node === change.node)) {
      return `n${change.node} already holds a member of slice ${change.slice}`;
    }
    const source = moving[i] ?? 0;
    const member = slice.members.find((m) => m.node === source);
    const roleOk =
      change.kind === 'addLogger'
        ? member?.role === 'logger'
        : member?.role === 'replica' || member?.role === 'learner';
    if (!roleOk || !isAlive(context, source)) {
      return `slice ${change.slice} has no member to move off live n${source}`;
    }
  }
  return undefined;
}

/**
 * A finished move applies when it is `[promoteLearner T, (promote X→T,) removeMember X
 * replica]`, `[removeMember X learner]` or `[removeMember X logger]` of one slice whose
 * running move is X → T, T is still a learner (logger) of it on an up node, X still holds
 * the member on a live (up or draining) node, and X ranks the slice exactly when the round
 * hands its ranking to T.
 */
function staleFinishMove(
  changes: readonly PlacementChange[],
  context: RoundContext,
): string | undefined {
  const { placement, isUp, activity } = context;
  const remove = changes[changes.length - 1];
  const promoteLearner = changes.length > 1 ? changes[0] : undefined;
  const handOver = changes.length === 3 ? changes[1] : undefined;
  const shape =
    remove?.kind === 'removeMember' &&
    changes.length <= 3 &&
    (remove.role === 'replica'
      ? promoteLearner?.kind === 'promoteLearner' &&
        promoteLearner.slice === remove.slice &&
        (handOver === undefined ||
          (handOver.kind === 'promote' &&
            handOver.slice === remove.slice &&
            handOver.from === remove.node &&
            handOver.to === promoteLearner.node))
      : changes.length === 1);
  if (!shape) {
    return 'a finished move is [promoteLearner, (promote,) removeMember replica], [removeMember learner] or [removeMember logger] of one slice';
  }
  const task = runningMoves(activity).find((a) => a.sliceId === remove.slice);
  if (
    task?.from !== remove.node ||
    (promoteLearner?.kind === 'promoteLearner' && task.to !== promoteLearner.node)
  ) {
    return `slice ${remove.slice} has no running move off n${remove.node} to match`;
  }
  const slice = sliceOf(placement, remove.slice);
  const joinedRole = remove.role === 'logger' ? 'logger' : 'learner';
  const joined = slice?.members.find((m) => m.node === task.to);
  if (joined?.role !== joinedRole || !isUp(task.to)) {
    return `n${task.to} is not a ${joinedRole} of slice ${remove.slice} on an up node`;
  }
  if (slice?.members.find((m) => m.node === remove.node)?.role !== remove.role) {
    return `n${remove.node} no longer holds a ${remove.role} of slice ${remove.slice}`;
  }
  const ranks = slice.rankingReplica === remove.node;
  if (!isAlive(context, remove.node)) return `n${remove.node} is no longer alive`;
  if (ranks !== (handOver !== undefined)) {
    return ranks
      ? `n${remove.node} ranks slice ${remove.slice}: the round must hand it over`
      : `n${remove.node} does not rank slice ${remove.slice}`;
  }
  return undefined;
}

/**
 * A hot-node re-rank applies unless some change is not a promotion whose `from` still ranks
 * the slice on an up node (a failed ranking replica is the failure re-rank's), and whose
 * `to` is a data replica of it on an up node.
 */
function staleHotRerank(
  changes: readonly PlacementChange[],
  { placement, isUp }: RoundContext,
): string | undefined {
  if (changes.length === 0) return 'a hot re-rank round without changes';
  const seen = new Set<SliceId>();
  for (const change of changes) {
    if (change.kind !== 'promote') return `a hot re-rank round cannot ${change.kind}`;
    if (seen.has(change.slice)) return `slice ${change.slice} is re-ranked twice in one round`;
    seen.add(change.slice);
    const slice = sliceOf(placement, change.slice);
    if (slice === undefined) return `no slice ${change.slice}`;
    if (slice.rankingReplica !== change.from || !isUp(change.from)) {
      return `slice ${change.slice} is not ranked by up node n${change.from}`;
    }
    const to = slice.members.find((m) => m.node === change.to);
    if (to?.role !== 'replica' || !isUp(change.to)) {
      return `n${change.to} is not a data replica of slice ${change.slice} on an up node`;
    }
  }
  return undefined;
}

/**
 * A drained round applies when the node is draining since `since`, holds no member of any
 * slice, and this drain was not reported drained yet.
 */
function staleDrained(node: NodeId, since: number, context: RoundContext): string | undefined {
  const registered = context.node(node);
  if (registered?.state !== 'draining' || registered.stateChangedAtMs !== since) {
    return `n${node} is not draining since ${since}`;
  }
  if (membersOn(context.placement, node) > 0) return `n${node} still holds slice members`;
  if (drainedSince(context.activity, node, since)) return `n${node} was reported drained`;
  return undefined;
}

/** How many slice members `node` holds, every role counted. */
export function membersOn(placement: Placement, node: NodeId): number {
  let count = 0;
  for (const r of placement.representations) {
    for (const s of r.slices) if (s.members.some((m) => m.node === node)) count++;
  }
  return count;
}

/** Whether the history has a `drained` entry for `node` stamped at or after `since`. */
export function drainedSince(
  activity: readonly RebalancerActivity[],
  node: NodeId,
  since: number,
): boolean {
  return activity.some((a) => a.action === 'drained' && a.from === node && a.atMs >= since);
}

/** The `add` tasks under way (at most one per slice), oldest first. */
export function runningAdds(activity: readonly RebalancerActivity[]): RebalancerActivity[] {
  return activity.filter((a) => a.action === 'add' && a.state === 'running');
}

/** The `move` tasks under way (at most one per slice, and none beside an add), oldest first. */
export function runningMoves(activity: readonly RebalancerActivity[]): RebalancerActivity[] {
  return activity.filter((a) => a.action === 'move' && a.state === 'running');
}

/** Slices with an add, a move or a split running: no other task starts on them. */
export function busySlices(activity: readonly RebalancerActivity[]): Set<SliceId> {
  return new Set(
    activity
      .filter(
        (a) =>
          (a.action === 'add' || a.action === 'move' || a.action === 'split') &&
          a.state === 'running',
      )
      .map((a) => a.sliceId),
  );
}

/** When the newest hot-node re-rank was decided (undefined: none in the history). */
export function lastHotRerankAtMs(activity: readonly RebalancerActivity[]): number | undefined {
  for (let i = activity.length - 1; i >= 0; i--) {
    const a = activity[i];
    if (a?.action === 'rerank' && a.reason.startsWith(hotReasonPrefix)) return a.atMs;
  }
  return undefined;
}

type RemoveMember = Extract<PlacementChange, { kind: 'removeMember' }>;

/** The slice `sliceId` of a placement, if it has one. */
export function sliceOf(placement: Placement, sliceId: SliceId): Slice | undefined {
  for (const r of placement.representations) {
    const found = r.slices.find((s) => s.id === sliceId);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The member a running add or move task brought into its slice: a learner (a data replica
 * until promoted) or a logger on the task's `to` node; undefined once it left the map.
 */
export function joiningMember(
  slice: Slice | undefined,
  task: RebalancerActivity,
): SliceMember | undefined {
  return slice?.members.find(
    (m) => m.node === task.to && (m.role === 'learner' || m.role === 'logger'),
  );
}

/**
 * The round that gives up a running add or move: its new member (`joined`, when still in the
 * map) leaves the slice, and the task turns `failed` with `why` as the removal's reason.
 */
export function abandonTaskRound(
  action: 'abandonAdd' | 'abandonMove',
  task: RebalancerActivity,
  joined: SliceMember | undefined,
  why: string,
  nowMs: number,
): {
  readonly kind: 'applyPlacementChanges';
  readonly changes: readonly PlacementChange[];
  readonly activity: ActivityRequest;
} {
  const remove: readonly RemoveMember[] =
    joined === undefined
      ? []
      : [
          {
            kind: 'removeMember',
            slice: task.sliceId,
            node: task.to,
            role: joined.role,
            reason: why,
          },
        ];
  return {
    kind: 'applyPlacementChanges',
    changes: remove,
    activity: { action, atMs: nowMs, sliceId: task.sliceId, to: task.to },
  };
}

/**
 * The history after a round (call before applying its changes: the representation names
 * come from the placement and catalog as they are), and how many new ids it used from
 * `firstId`. A `rerank`, `hotRerank`, `add` or `move` round appends one entry per change; a
 * `finishAdd` / `finishMove` turns its running task `done` and appends the `remove` (and a
 * move's ranking hand-over as a `rerank`); an abandon turns its task `failed`; `drained`
 * appends one entry for the node.
 */
export function recordRound(
  log: readonly RebalancerActivity[],
  request: ActivityRequest,
  changes: readonly PlacementChange[],
  placement: Placement,
  catalog: CatalogSnapshot,
  firstId: number,
): { readonly log: readonly RebalancerActivity[]; readonly added: number } {
  const entry = (
    i: number,
    change: PlacementChange,
    action: RebalancerAction,
    from: NodeId,
    to: NodeId,
    state: ActivityState,
  ): RebalancerActivity => ({
    id: firstId + i,
    atMs: request.atMs,
    action,
    sliceId: change.slice,
    representation: representationOfSlice(placement, catalog, change.slice),
    from,
    to,
    reason: change.reason,
    state,
    bytes: 0,
    durationMs: 0,
  });
  const settled = (a: RebalancerActivity, state: ActivityState): RebalancerActivity => ({
    ...a,
    state,
    durationMs: Math.max(0, request.atMs - a.atMs),
  });
  switch (request.action) {
    case 'rerank':
    case 'hotRerank': {
      const added = changes.map((c, i) =>
        c.kind === 'promote' ? entry(i, c, 'rerank', c.from, c.to, 'done') : undefined,
      );
      return appended(log, added);
    }
    case 'add':
    case 'move': {
      const sources = request.action === 'add' ? request.replacing : request.moving;
      const added = changes.map((c, i) =>
        c.kind === 'addLearner' || c.kind === 'addLogger'
          ? entry(i, c, request.action, sources[i] ?? 0, c.node, 'running')
          : undefined,
      );
      return appended(log, added);
    }
    case 'finishAdd':
    case 'finishMove': {
      const action = request.action === 'finishAdd' ? 'add' : 'move';
      const remove = changes.find((c) => c.kind === 'removeMember');
      if (remove?.kind !== 'removeMember') return { log, added: 0 };
      const task = log.find(
        (a) => a.action === action && a.state === 'running' && a.sliceId === remove.slice,
      );
      const to = task?.to ?? 0;
      const updated = settleRunning(log, action, remove.slice, (a) => ({
        ...settled(a, 'done'),
        bytes: request.copiedBytes,
      }));
      const handOver = changes.find((c) => c.kind === 'promote');
      return appended(updated, [
        handOver?.kind === 'promote'
          ? entry(0, handOver, 'rerank', handOver.from, handOver.to, 'done')
          : undefined,
        entry(handOver === undefined ? 0 : 1, remove, 'remove', remove.node, to, 'done'),
      ]);
    }
    case 'abandonAdd':
    case 'abandonMove': {
      const action = request.action === 'abandonAdd' ? 'add' : 'move';
      return {
        log: settleRunning(log, action, request.sliceId, (a) => settled(a, 'failed')),
        added: 0,
      };
    }
    case 'drained': {
      // What the drain copied: its moves off the node that finished since it began.
      const bytes = log
        .filter(
          (a) =>
            a.action === 'move' &&
            a.state === 'done' &&
            a.from === request.node &&
            a.atMs >= request.since,
        )
        .reduce((sum, a) => sum + a.bytes, 0);
      const drained: RebalancerActivity = {
        id: firstId,
        atMs: request.atMs,
        action: 'drained',
        sliceId: -1,
        representation: '',
        from: request.node,
        to: 0,
        reason: `node ${request.node} drained: it holds no slice member any more`,
        state: 'done',
        bytes,
        durationMs: Math.max(0, request.atMs - request.since),
      };
      return appended(log, [drained]);
    }
  }
}

function settleRunning(
  log: readonly RebalancerActivity[],
  action: 'add' | 'move',
  sliceId: SliceId,
  settle: (entry: RebalancerActivity) => RebalancerActivity,
): readonly RebalancerActivity[] {
  return log.map((a) =>
    a.action === action && a.state === 'running' && a.sliceId === sliceId ? settle(a) : a,
  );
}

function appended(
  log: readonly RebalancerActivity[],
  entries: readonly (RebalancerActivity | undefined)[],
): { readonly log: readonly RebalancerActivity[]; readonly added: number } {
  const added = entries.filter((e): e is RebalancerActivity => e !== undefined);
  return { log: appendActivity(log, added), added: added.length };
}

/** The log with `added` at its end, trimmed to the newest `activityLogMax` entries. */
export function appendActivity(
  log: readonly RebalancerActivity[],
  added: readonly RebalancerActivity[],
): readonly RebalancerActivity[] {
  const all = [...log, ...added];
  return all.length > activityLogMax ? all.slice(all.length - activityLogMax) : all;
}

/** What a slice stores, as the history names it (`db.table`, `db.table.index`, or the map's name). */
export function representationOfSlice(
  placement: Placement,
  catalog: CatalogSnapshot,
  sliceId: SliceId,
): string {
  const representation = placement.representations.find((r) =>
    r.slices.some((s) => s.id === sliceId),
  );
  if (representation === undefined) return '';
  for (const table of catalog.tables) {
    const found = table.representations.find((r) => r.representationId === representation.id);
    if (found === undefined) continue;
    const name = `${table.database}.${table.name}`;
    return found.name === 'PRIMARY' ? name : `${name}.${found.name}`;
  }
  return representation.name;
}
