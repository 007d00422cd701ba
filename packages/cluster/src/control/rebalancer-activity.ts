import type { NodeId, Placement, PlacementChange, Slice, SliceId } from '@tessera/placement';
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
 * What the rebalancer did: `rerank` (a new ranking replica), `add` (a replacement member for
 * one on a dead node: a learner that copies the slice, then is promoted; or a new logger)
 * and `remove` (the dead node's member leaves the slice once its replacement has caught up).
 * Split and move come later.
 */
export type RebalancerAction = 'rerank' | 'add' | 'remove';

/**
 * Where the task stands. A re-rank or a removal is one map change, written `done`. An `add`
 * is written `running` when its new member enters the map, and turns `done` (bytes,
 * duration) when it has caught up (a learner is then promoted), or `failed` when it is
 * abandoned (its node died, or the node it replaced came back first).
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
   * rerank: the old and the new ranking replica; add: the node whose member is replaced and
   * the new member's node; remove: the node that left (to = its replacement's node).
   */
  readonly from: NodeId;
  readonly to: NodeId;
  /** Why, e.g. `node 3 down`. */
  readonly reason: string;
  readonly state: ActivityState;
  /** Bytes copied (an add: the new member's reported size when done — 0 for a logger). */
  readonly bytes: number;
  /** From decision to done (an add: until its promotion; a one-step change: 0). */
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
    };

export const activityLogMax = 1_000;

const reasonLengthMax = 1_000;

const requestActions: readonly string[] = ['rerank', 'add', 'finishAdd', 'abandonAdd'];

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
    case 'finishAdd':
      return isWhole(request.copiedBytes) ? undefined : 'copiedBytes must be whole bytes ≥ 0';
    case 'abandonAdd':
      return isWhole(request.sliceId) && isWhole(request.to)
        ? undefined
        : 'an abandoned add names its slice and node';
  }
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The facts a round's conditions are checked against (the state it is about to change). */
export interface RoundContext {
  readonly placement: Placement;
  readonly isUp: (node: NodeId) => boolean;
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
      return staleAbandon(request.sliceId, request.to, changes, context);
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
  const busy = new Set(runningAdds(activity).map((a) => a.sliceId));
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

/** An abandon applies when the add is running and removes its new member if still listed. */
function staleAbandon(
  sliceId: SliceId,
  to: NodeId,
  changes: readonly PlacementChange[],
  { placement, activity }: RoundContext,
): string | undefined {
  const task = runningAdds(activity).find((a) => a.sliceId === sliceId);
  if (task?.to !== to) return `slice ${sliceId} has no running add to n${to}`;
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
  return ok ? undefined : `an abandoned add removes its new member n${to} and nothing else`;
}

/** The `add` tasks under way (at most one per slice), oldest first. */
export function runningAdds(activity: readonly RebalancerActivity[]): RebalancerActivity[] {
  return activity.filter((a) => a.action === 'add' && a.state === 'running');
}

type RemoveMember = Extract<PlacementChange, { kind: 'removeMember' }>;

function sliceOf(placement: Placement, sliceId: SliceId): Slice | undefined {
  for (const r of placement.representations) {
    const found = r.slices.find((s) => s.id === sliceId);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The history after a round (call before applying its changes: the representation names
 * come from the placement and catalog as they are), and how many new ids it used from
 * `firstId`. A `rerank` or `add` round appends one entry per change; a `finishAdd` turns its
 * running add `done` and appends the `remove`; an `abandonAdd` turns its add `failed`.
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
  switch (request.action) {
    case 'rerank': {
      const added = changes.map((c, i) =>
        c.kind === 'promote' ? entry(i, c, 'rerank', c.from, c.to, 'done') : undefined,
      );
      return appended(log, added);
    }
    case 'add': {
      const added = changes.map((c, i) =>
        c.kind === 'addLearner' || c.kind === 'addLogger'
          ? entry(i, c, 'add', request.replacing[i] ?? 0, c.node, 'running')
          : undefined,
      );
      return appended(log, added);
    }
    case 'finishAdd': {
      const remove = changes.find((c) => c.kind === 'removeMember');
      if (remove?.kind !== 'removeMember') return { log, added: 0 };
      const to = runningAdds(log).find((a) => a.sliceId === remove.slice)?.to ?? 0;
      const updated = settleRunningAdd(log, remove.slice, (a) => ({
        ...a,
        state: 'done',
        bytes: request.copiedBytes,
        durationMs: Math.max(0, request.atMs - a.atMs),
      }));
      return appended(updated, [entry(0, remove, 'remove', remove.node, to, 'done')]);
    }
    case 'abandonAdd':
      return {
        log: settleRunningAdd(log, request.sliceId, (a) => ({
          ...a,
          state: 'failed',
          durationMs: Math.max(0, request.atMs - a.atMs),
        })),
        added: 0,
      };
  }
}

function settleRunningAdd(
  log: readonly RebalancerActivity[],
  sliceId: SliceId,
  settle: (entry: RebalancerActivity) => RebalancerActivity,
): readonly RebalancerActivity[] {
  return log.map((a) =>
    a.action === 'add' && a.state === 'running' && a.sliceId === sliceId ? settle(a) : a,
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

function representationOfSlice(
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
