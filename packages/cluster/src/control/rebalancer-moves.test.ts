import type { Slice } from '@tessera/placement';
import { balancedRatioMax, validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { groupIdOfSlice } from '../layout/slice-groups';
import { decodeControlCommand, encodeControlCommand } from './control-codec';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';
import type { PlacementCommand, RebalancerOptions } from './rebalancer';
import { Rebalancer } from './rebalancer';
import { runningAdds, runningMoves } from './rebalancer-activity';
import { loadFromPositions, planFailureRerank, planReplacementStart } from './rebalancer';
import { nodeDrained, planBalanceStart, planMoveProgress } from './rebalancer-moves';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

const register = (zones: readonly string[], atMs = 100): ControlCommand[] =>
  zones.map((zone, i) => ({ kind: 'registerNode', zone, address: '', atMs: atMs + i }));

const slices = (state: ControlState): Slice[] =>
  state.slicePlacement.representations.flatMap((r) => r.slices);
const count = (s: Slice, role: string) => s.members.filter((m) => m.role === role).length;
const holds = (state: ControlState, node: number) =>
  slices(state).filter((s) => s.members.some((m) => m.node === node)).length;

const sliceBytes = 10_000;

/**
 * What the nodes would report: the ranking replica leads each group at index 50, every other
 * member applied 50 — a learner only `learnerApplied` (0: not in the group yet). Data copies
 * hold `sliceBytes`. Nodes in `silent` report nothing (dead).
 */
function positionsOf(
  state: ControlState,
  learnerApplied = 50,
  silent: ReadonlySet<number> = new Set(),
  bytesOf: (slice: number) => number = () => sliceBytes,
): NodePositions[] {
  const byNode = new Map<number, NodePositions['replicas'][number][]>();
  for (const node of state.clusterNodes()) {
    if (!silent.has(node.id) && node.state !== 'down') byNode.set(node.id, []);
  }
  for (const s of slices(state)) {
    for (const m of s.members) {
      const reports = byNode.get(m.node);
      if (reports === undefined) continue;
      reports.push({
        groupId: groupIdOfSlice(s.id),
        memberRole: m.role === 'replica' ? 'voter' : m.role,
        raftRole: m.node === s.rankingReplica ? 'leader' : 'follower',
        term: 2,
        applied: m.role === 'learner' ? learnerApplied : 50,
        appliedCommitTs: 0,
        bytes: m.role === 'logger' ? 0 : bytesOf(s.id),
        readsPerSec: 0,
      });
    }
  }
  return [...byNode].map(([nodeId, replicas]) => ({ nodeId, atMs: 0, replicas }));
}

/**
 * The leader's loop: a Rebalancer whose proposals apply at once, ticked every 100 ms.
 * `check` sees every applied round and the state after it.
 */
class Driver {
  readonly proposed: PlacementCommand[] = [];
  now: number;
  positions: (state: ControlState) => NodePositions[] = (s) => positionsOf(s);
  private readonly rebalancer: Rebalancer;

  constructor(
    readonly state: ControlState,
    options: RebalancerOptions,
    startMs: number,
    private readonly check: (command: PlacementCommand, state: ControlState) => void = () =>
      undefined,
  ) {
    this.now = startMs;
    this.rebalancer = new Rebalancer({
      state: () => state,
      propose: (command) => {
        const [result] = applyAll(state, [command]);
        if (command.kind === 'applyPlacementChanges' && result?.kind === 'ok') {
          this.proposed.push(command);
          this.check(command, state);
        }
        return Promise.resolve(result ?? { kind: 'ok' });
      },
      positions: () => this.positions(state),
      options,
    });
  }

  /** Ticks until `rounds` ticks in a row decided nothing (or `ticksMax`); rounds applied. */
  async settle(ticksMax = 500, quietTicks = 3): Promise<number> {
    const before = this.proposed.length;
    let quiet = 0;
    for (let i = 0; i < ticksMax && quiet < quietTicks; i++) {
      const was = this.rebalancer.rounds;
      await this.tick();
      quiet = this.rebalancer.rounds === was ? quiet + 1 : 0;
    }
    return this.proposed.length - before;
  }

  async tick(): Promise<void> {
    this.rebalancer.tick(this.now);
    this.now += 100;
    for (let i = 0; i < 4; i++) await Promise.resolve();
  }

  actions(): string[] {
    return this.proposed.map((c) => c.activity?.action ?? 'none');
  }
}

const options: RebalancerOptions = { rerankAfterMs: 0, replaceAfterMs: 10_000 };
/** Balance by bytes however small the slices (the default counts copies below 16 MiB a node). */
const byBytes: RebalancerOptions = { ...options, balanceByBytesMin: 0 };

/** Three nodes in three zones, `shop.orders`: 6 slices × 2 replicas (4 copies a node). */
function threeNodes(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...register(['a', 'b', 'c']),
    { kind: 'createDatabase', name: 'shop' },
    {
      kind: 'createTable',
      database: 'shop',
      name: 'orders',
      definition: null,
      representations: [{ name: 'PRIMARY', sliceCount: 6, replicas: 2 }],
    },
  ]);
  return state;
}

/** Bytes of data copies per up node (learners included), by `sliceBytes` each. */
function bytesPerNode(state: ControlState): number[] {
  return state
    .clusterNodes()
    .filter((n) => n.state === 'up')
    .map(
      (n) =>
        slices(state).filter((s) => s.members.some((m) => m.node === n.id && m.role !== 'logger'))
          .length * sliceBytes,
    );
}

describe('moves for balance (rebalancer)', () => {
  it('fills a new empty node: capped moves, finished only when caught up, add before remove', async () => {
    const state = threeNodes();
    applyAll(state, register(['a'], 1_000)); // n4 joins, empty
    const seen: string[] = [];
    const driver = new Driver(
      state,
      { ...byBytes, movesInFlightMax: 2, moveCooldownMs: 60_000 },
      2_000,
      (command, s) => {
        seen.push(command.activity?.action ?? '');
        // Never below two data replicas, in any map the rounds produce; one task per slice.
        for (const x of slices(s)) expect(count(x, 'replica')).toBe(2);
        expect(runningMoves(s.rebalancerActivity).length).toBeLessThanOrEqual(2);
        if (command.activity?.action === 'finishMove') {
          const kinds = command.changes.map((c) => c.kind);
          expect(kinds[0]).toBe('promoteLearner');
          expect(kinds[kinds.length - 1]).toBe('removeMember');
        }
      },
    );

    // The learners never report (not in the group yet): two moves start, none finishes.
    driver.positions = (s) => positionsOf(s, 0);
    expect(await driver.settle()).toBe(1);
    const started = driver.proposed[0];
    expect(started?.activity).toMatchObject({ action: 'move' });
    expect(started?.changes).toHaveLength(2);
    for (const c of started?.changes ?? []) {
      expect(c).toMatchObject({ kind: 'addLearner', node: 4 });
      expect(c.reason).toMatch(/^balance: n\d holds 40000 bytes, n4 0$/);
    }
    expect(runningMoves(state.rebalancerActivity)).toHaveLength(2);
    expect(slices(state).filter((s) => count(s, 'learner') === 1)).toHaveLength(2);

    // Caught up: the moves finish (promote + remove in one round), more start, until even.
    driver.positions = (s) => positionsOf(s);
    expect(await driver.settle()).toBeGreaterThan(2);
    expect(seen.filter((a) => a === 'finishMove')).toHaveLength(3);
    expect(runningMoves(state.rebalancerActivity)).toEqual([]);
    expect(holds(state, 4)).toBe(3);
    const bytes = bytesPerNode(state);
    expect(Math.max(...bytes) / Math.min(...bytes)).toBeLessThanOrEqual(balancedRatioMax);
    expect(validatePlacement(state.slicePlacement, state.clusterNodes())).toEqual([]);

    // The history: each move done with the bytes copied and its duration; the source removed.
    const moves = state.rebalancerActivity.filter((a) => a.action === 'move');
    expect(moves).toHaveLength(3);
    for (const move of moves) {
      expect(move).toMatchObject({
        state: 'done',
        to: 4,
        bytes: sliceBytes,
        representation: 'shop.orders',
      });
      expect(move.durationMs).toBeGreaterThan(0);
      const removed = state.rebalancerActivity.find(
        (a) => a.action === 'remove' && a.sliceId === move.sliceId && a.atMs >= move.atMs,
      );
      expect(removed).toMatchObject({ from: move.from, to: 4, state: 'done' });
    }
    // Balanced now: nothing more to do.
    expect(await driver.settle(20)).toBe(0);

    // The moved slices grow tenfold: n4 is now the heaviest, but every slice it holds moved
    // within moveCooldownMs, so none of them moves again until the cooldown is over (others
    // may even out the rest).
    const moved = new Set(moves.map((m) => m.sliceId));
    driver.positions = (s) =>
      positionsOf(s, 50, new Set(), (x) => (moved.has(x) ? 100_000 : 10_000));
    const before = driver.proposed.length;
    await driver.settle(100);
    const movesOf = (from: number) =>
      driver.proposed
        .slice(from)
        .filter((c) => c.activity?.action === 'move')
        .flatMap((c) => c.changes);
    expect(movesOf(before).filter((c) => moved.has(c.slice))).toEqual([]);
    expect(holds(state, 4)).toBe(3);
    const lastEnd = Math.max(...moves.map((m) => m.atMs + m.durationMs));
    driver.now = Math.max(driver.now, lastEnd + 60_000);
    const after = driver.proposed.length;
    await driver.settle();
    const offN4 = movesOf(after).filter((c) => moved.has(c.slice));
    expect(offN4.length).toBeGreaterThan(0);
    for (const c of offN4) expect(c.reason).toMatch(/^balance: n4 holds 300000 bytes, /);
  });

  it('counts copies, not bytes, while the nodes hold little data', async () => {
    const state = threeNodesWithNewNode();
    const driver = new Driver(state, options, 2_000);
    expect(await driver.settle(1, 1)).toBe(1);
    for (const c of driver.proposed[0]?.changes ?? []) {
      expect(c.reason).toMatch(/^balance: n\d holds 4 copies, n4 0$/);
    }
    await driver.settle();
    expect(holds(state, 4)).toBe(3);
  });

  it('finishes a move onto a node the group still counts as a voter (it left the slice a moment ago)', async () => {
    const state = threeNodes();
    applyAll(state, register(['a'], 1_000));
    const driver = new Driver(state, options, 2_000);
    // Each new member reports as a voter: its node held the slice until a moment ago and the
    // group had not removed it yet when the map brought it back (a move, then a drain back).
    driver.positions = (s) =>
      positionsOf(s).map((n) => ({
        ...n,
        replicas: n.replicas.map((r) =>
          r.memberRole === 'learner' ? { ...r, memberRole: 'voter' as const } : r,
        ),
      }));
    await driver.settle();
    expect(driver.actions()).toContain('finishMove');
    expect(runningMoves(state.rebalancerActivity)).toEqual([]);
    for (const x of slices(state)) expect(count(x, 'replica')).toBe(2);
  });

  it('moves nothing in a balanced cluster, and waits for every up node to report', async () => {
    const state = threeNodes();
    const driver = new Driver(state, options, 2_000);
    expect(await driver.settle(30)).toBe(0);

    applyAll(state, register(['b'], 3_000)); // n4 joins but has not reported yet
    driver.positions = (s) => positionsOf(s).filter((p) => p.nodeId !== 4);
    expect(await driver.settle(30)).toBe(0);
    driver.positions = (s) => positionsOf(s);
    expect(await driver.settle(1)).toBe(1);
    expect(driver.actions()).toEqual(['move']);
  });

  it('abandons a move whose source or target died; failure handling then replaces', async () => {
    const state = threeNodes();
    applyAll(state, register(['a'], 1_000));
    const driver = new Driver(state, options, 2_000, (_command, s) => {
      for (const x of slices(s)) expect(count(x, 'replica')).toBe(2);
      // A slice never has a replacement and a move at once.
      const adds = new Set(runningAdds(s.rebalancerActivity).map((a) => a.sliceId));
      for (const m of runningMoves(s.rebalancerActivity)) expect(adds.has(m.sliceId)).toBe(false);
    });
    driver.positions = (s) => positionsOf(s, 0);
    await driver.settle();
    const [first, second] = runningMoves(state.rebalancerActivity);
    if (first === undefined || second === undefined) throw new Error('two moves expected');

    // The first move's source dies: the move is abandoned, its learner leaves the map.
    const dead = first.from;
    applyAll(state, [{ kind: 'setNodeState', nodeId: dead, state: 'down', atMs: driver.now }]);
    driver.positions = (s) => positionsOf(s, 50, new Set([dead]));
    await driver.settle(5, 5);
    expect(state.rebalancerActivity.find((a) => a.id === first.id)).toMatchObject({
      action: 'move',
      state: 'failed',
    });
    const abandoned = driver.proposed.find(
      (c) => c.activity?.action === 'abandonMove' && c.changes[0]?.slice === first.sliceId,
    );
    expect(abandoned?.changes).toEqual([
      expect.objectContaining({
        kind: 'removeMember',
        node: 4,
        role: 'learner',
        reason: `n${dead} is down: failure handling takes over`,
      }),
    ]);
    // After replaceAfterMs the dead node's members are replaced, that slice's included.
    await driver.settle(400, 150);
    expect(
      state.rebalancerActivity.find((a) => a.action === 'add' && a.sliceId === first.sliceId),
    ).toMatchObject({ from: dead, state: 'done' });
    expect(holds(state, dead)).toBe(0);
    expect(runningMoves(state.rebalancerActivity)).toEqual([]);

    // The target of a move dies: the move is abandoned and its learner leaves the map.
    const other = new Driver(threeNodesWithNewNode(), options, 2_000);
    other.positions = (s) => positionsOf(s, 0);
    await other.settle();
    const tasks = runningMoves(other.state.rebalancerActivity);
    expect(tasks).toHaveLength(2);
    applyAll(other.state, [{ kind: 'setNodeState', nodeId: 4, state: 'down', atMs: other.now }]);
    const abandon = planMoveProgress(other.state, other.now, options, []);
    expect(abandon?.activity).toMatchObject({ action: 'abandonMove', to: 4 });
    expect(abandon?.changes).toEqual([
      expect.objectContaining({
        kind: 'removeMember',
        node: 4,
        role: 'learner',
        reason: 'n4 is down',
      }),
    ]);
    await other.settle(10, 3);
    for (const task of tasks) {
      expect(other.state.rebalancerActivity.find((a) => a.id === task.id)).toMatchObject({
        state: 'failed',
      });
    }
    expect(holds(other.state, 4)).toBe(0);
    for (const x of slices(other.state)) expect(count(x, 'replica')).toBe(2);
  });
});

describe('move rounds as conditional commands', () => {
  it('refuses a move decided twice, a replayed finish, a malformed round; no replacement beside a move', () => {
    const state = threeNodesWithNewNode();
    const reports = positionsOf(state, 0);
    const start = planBalanceStart(state, 3_000, byBytes, reports, loadFromPositions(reports));
    if (start === undefined) throw new Error('no move round');
    expect(applyAll(state, [start])).toEqual([{ kind: 'ok' }]);
    const [twice] = applyAll(state, [start]);
    expect(twice?.kind === 'rejected' ? twice.reason : '').toMatch(
      /^stale move round: slice \d+ already has a task running$/,
    );
    const malformed: ControlCommand = {
      ...start,
      activity: { action: 'move', atMs: 3_000, moving: [] },
    };
    expect(state.apply(malformed)).toEqual({
      kind: 'rejected',
      reason: 'a move round names the node each change moves off',
    });

    // One move finishes; the same finish decided again is refused.
    const finish = planMoveProgress(state, 3_500, options, positionsOf(state));
    if (finish === undefined) throw new Error('no finish');
    expect(finish.activity?.action).toBe('finishMove');
    expect(applyAll(state, [finish])).toEqual([{ kind: 'ok' }]);
    const [replayed] = applyAll(state, [finish]);
    expect(replayed?.kind === 'rejected' ? replayed.reason : '').toMatch(
      /^stale finishMove round: slice \d+ has no running move off n\d+ to match$/,
    );

    // The other move's source is down long enough to be replaced: its other slices get
    // replacements, the moving slice does not until the move is abandoned.
    const [task] = runningMoves(state.rebalancerActivity);
    if (task === undefined) throw new Error('no running move');
    applyAll(state, [{ kind: 'setNodeState', nodeId: task.from, state: 'down', atMs: 4_000 }]);
    const rerank = planFailureRerank(state, 4_000, options);
    if (rerank !== undefined) applyAll(state, [rerank]);
    const replace = planReplacementStart(state, 14_000, options);
    expect(replace?.changes.length).toBeGreaterThan(0);
    for (const c of replace?.changes ?? []) expect(c.slice).not.toBe(task.sliceId);
    const abandon = planMoveProgress(state, 14_000, options, positionsOf(state));
    expect(abandon?.activity).toEqual({
      action: 'abandonMove',
      atMs: 14_000,
      sliceId: task.sliceId,
      to: task.to,
    });
    expect(applyAll(state, abandon === undefined ? [] : [abandon])).toEqual([{ kind: 'ok' }]);
    const [again] = applyAll(state, abandon === undefined ? [] : [abandon]);
    expect(again).toEqual({
      kind: 'rejected',
      reason: `stale abandonMove round: slice ${task.sliceId} has no running task to n${task.to}`,
    });
    const replaceNow = planReplacementStart(state, 14_000, options);
    expect(replaceNow?.changes.some((c) => c.slice === task.sliceId)).toBe(true);
  });
});

function threeNodesWithNewNode(): ControlState {
  const state = threeNodes();
  applyAll(state, register(['a'], 1_000));
  return state;
}

describe('drains (rebalancer)', () => {
  it('empties a draining node (rankings first, copies, then removal) and reports it drained', async () => {
    const state = new ControlState();
    applyAll(state, [
      ...register(['a', 'b', 'c', 'a', 'b']),
      { kind: 'createRepresentation', spec: { name: 't', sliceCount: 5, replicas: 2, loggers: 1 } },
      // One copy only: the drain itself must hand the ranking over.
      { kind: 'createRepresentation', spec: { name: 'solo', sliceCount: 5, replicas: 1 } },
    ]);
    const victim = 1;
    const heldBefore = holds(state, victim);
    expect(heldBefore).toBeGreaterThan(2);
    expect(
      slices(state).some((s) => s.rankingReplica === victim && count(s, 'replica') === 1),
    ).toBe(true);
    expect(
      slices(state).some((s) => s.members.some((m) => m.node === victim && m.role === 'logger')),
    ).toBe(true);
    applyAll(state, [{ kind: 'setNodeState', nodeId: victim, state: 'draining', atMs: 5_000 }]);
    const expected = (s: Slice, role: string) =>
      state.slicePlacement.representations.find((r) => r.slices.some((x) => x.id === s.id))
        ?.replication[role === 'replica' ? 'replicas' : 'loggers'] ?? 0;

    let drainedYet = false;
    const driver = new Driver(state, options, 5_000, (command, s) => {
      drainedYet ||= command.activity?.action === 'drained';
      for (const x of slices(s)) {
        expect(count(x, 'replica')).toBe(expected(x, 'replica'));
        expect(count(x, 'logger')).toBeGreaterThanOrEqual(expected(x, 'logger'));
      }
      if (command.activity?.action === 'move') {
        // Drain first; once it is over, balance may even out what the drain left.
        for (const c of command.changes) {
          if (drainedYet) expect(c.reason).toMatch(/^balance: /);
          else expect(c.reason).toBe(`node ${victim} draining`);
        }
      }
      if (command.activity?.action === 'finishMove' && !drainedYet) {
        // The draining node's member leaves last, after its replacement was promoted.
        const last = command.changes[command.changes.length - 1];
        expect(last).toMatchObject({ kind: 'removeMember', node: victim });
      }
    });
    expect(nodeDrained(state, victim)).toBe(false);
    await driver.settle();
    const actions = driver.actions();
    expect(actions[0]).toBe('rerank'); // rankings leave the draining node at once
    expect(actions).toContain('move');
    expect(actions.filter((a) => a === 'drained')).toHaveLength(1);

    expect(holds(state, victim)).toBe(0);
    expect(nodeDrained(state, victim)).toBe(true);
    const handOvers = driver.proposed
      .slice(0, actions.indexOf('drained'))
      .filter((c) => c.activity?.action === 'finishMove')
      .flatMap((c) => c.changes)
      .filter((c) => c.kind === 'promote');
    expect(handOvers.length).toBeGreaterThan(0); // the solo slices' rankings, handed over live
    for (const c of handOvers) expect(c).toMatchObject({ from: victim });
    const moves = state.rebalancerActivity.filter(
      (a) => a.action === 'move' && a.reason === `node ${victim} draining`,
    );
    expect(moves).toHaveLength(heldBefore);
    for (const m of moves) expect(m).toMatchObject({ from: victim, state: 'done' });
    const drained = state.rebalancerActivity.find((a) => a.action === 'drained');
    expect(drained).toMatchObject({
      action: 'drained',
      sliceId: -1,
      from: victim,
      to: 0,
      state: 'done',
      bytes: moves.reduce((sum, m) => sum + m.bytes, 0),
    });
    expect(drained?.durationMs).toBe((drained?.atMs ?? 0) - 5_000);
    const others = state.clusterNodes().filter((n) => n.id !== victim);
    expect(validatePlacement(state.slicePlacement, others)).toEqual([]);

    // Drained: nothing more to do (a drained round decided again is refused), and the node
    // may now be removed.
    expect(await driver.settle(20)).toBe(0);
    const drainedRound = driver.proposed.find((c) => c.activity?.action === 'drained');
    const [again] = applyAll(state, drainedRound === undefined ? [] : [drainedRound]);
    expect(again).toEqual({
      kind: 'rejected',
      reason: `stale drained round: n${victim} was reported drained`,
    });
    expect(
      applyAll(state, [{ kind: 'setNodeState', nodeId: victim, state: 'removed', atMs: 90_000 }]),
    ).toEqual([{ kind: 'ok' }]);
  });

  it('starts no move while a replacement runs, and replaces a removed node at once', async () => {
    const state = threeNodesWithNewNode();
    applyAll(state, register(['b', 'c'], 1_500)); // n5, n6: room for replacements
    applyAll(state, [{ kind: 'setNodeState', nodeId: 2, state: 'down', atMs: 2_000 }]);
    const driver = new Driver(state, options, 2_000);
    driver.positions = (s) => positionsOf(s, 0);
    // Down, not yet lost: only the re-rank (balance waits while a node holds members down).
    await driver.settle(20);
    expect(driver.actions()).toEqual(['rerank']);
    // Removed: replaced at once, without waiting replaceAfterMs; no move meanwhile.
    applyAll(state, [{ kind: 'setNodeState', nodeId: 2, state: 'removed', atMs: driver.now }]);
    await driver.settle(5);
    expect(driver.actions().slice(1)).toEqual(['add']);
    expect(driver.proposed[1]?.changes[0]?.reason).toBe('node 2 removed');
    expect(runningMoves(state.rebalancerActivity)).toEqual([]);
  });
});
