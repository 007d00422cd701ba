import type { Slice } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { groupIdOfSlice } from '../layout/slice-groups';
import { decodeControlCommand, encodeControlCommand } from './control-codec';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';
import type { RebalancerOptions } from './rebalancer';
import { planFailureRerank, planReplacementProgress, planReplacementStart } from './rebalancer';
import { runningAdds } from './rebalancer-activity';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

/** Six nodes in three zones, a SQL table `shop.orders` (6 slices × 3 replicas, no loggers). */
function cluster(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...['a', 'b', 'c', 'a', 'b', 'c'].map((zone, i): ControlCommand => ({
      kind: 'registerNode',
      zone,
      address: '',
      atMs: 100 + i,
    })),
    { kind: 'createDatabase', name: 'shop' },
    {
      kind: 'createTable',
      database: 'shop',
      name: 'orders',
      definition: null,
      representations: [{ name: 'PRIMARY', sliceCount: 6, replicas: 3 }],
    },
  ]);
  return state;
}

const slices = (state: ControlState): Slice[] =>
  state.slicePlacement.representations.flatMap((r) => r.slices);
const replicaCount = (s: Slice) => s.members.filter((m) => m.role === 'replica').length;

/**
 * What the nodes would report once every learner caught up: the ranking node leads at index
 * 50, each other member applied 50 (learners hold 4096 bytes).
 */
function caughtUpPositions(state: ControlState): NodePositions[] {
  const byNode = new Map<number, NodePositions['replicas'][number][]>();
  for (const s of slices(state)) {
    for (const m of s.members) {
      const reports = byNode.get(m.node) ?? [];
      reports.push({
        groupId: groupIdOfSlice(s.id),
        memberRole: m.role === 'replica' ? 'voter' : m.role,
        raftRole: m.node === s.rankingReplica ? 'leader' : 'follower',
        term: 2,
        applied: 50,
        appliedCommitTs: 0,
        bytes: m.role === 'learner' ? 4096 : 9000,
      });
      byNode.set(m.node, reports);
    }
  }
  return [...byNode].map(([nodeId, replicas]) => ({ nodeId, atMs: 0, replicas }));
}

const options: RebalancerOptions = {
  rerankAfterMs: 0,
  replaceAfterMs: 10_000,
  replacementsInFlightMax: 2,
};

describe('re-replication (rebalancer)', () => {
  it('replaces every data replica of a dead node through a learner, never below three, zones kept', () => {
    const state = cluster();
    const held = slices(state).filter((s) => s.members.some((m) => m.node === 1));
    expect(held.length).toBeGreaterThan(2); // more than the in-flight limit
    applyAll(state, [{ kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 1_000 }]);
    const rerank = planFailureRerank(state, 1_000, options);
    if (rerank !== undefined) expect(applyAll(state, [rerank])).toEqual([{ kind: 'ok' }]);
    // Not before the node has been down for replaceAfterMs.
    expect(planReplacementStart(state, 10_999, options)).toBeUndefined();

    let now = 11_000;
    const seenAdds = new Set<number>();
    for (let round = 0; round < 50; round++) {
      now += 100;
      const command =
        planReplacementProgress(state, now, options, caughtUpPositions(state)) ??
        planReplacementStart(state, now, options);
      if (command === undefined) break;
      if (command.activity?.action === 'add') {
        for (const c of command.changes) {
          expect(c).toMatchObject({ kind: 'addLearner', reason: 'node 1 down' });
          // Zone first: n1 was in zone a, and its replacement goes to the other zone-a node.
          expect(c.kind === 'addLearner' ? c.zone : '').toBe('a');
          seenAdds.add(c.slice);
        }
      }
      expect(applyAll(state, [command])).toEqual([{ kind: 'ok' }]);
      expect(runningAdds(state.rebalancerActivity).length).toBeLessThanOrEqual(2);
      for (const s of slices(state)) expect(replicaCount(s)).toBe(3);
    }
    expect([...seenAdds].sort()).toEqual(held.map((s) => s.id).sort());
    for (const s of slices(state)) expect(s.members.some((m) => m.node === 1)).toBe(false);
    const nodes = state.clusterNodes();
    expect(validatePlacement(state.slicePlacement, nodes)).toEqual([]);

    const log = state.rebalancerActivity.filter((a) => a.action !== 'rerank');
    for (const s of held) {
      const add = log.find((a) => a.action === 'add' && a.sliceId === s.id);
      expect(add).toMatchObject({
        from: 1,
        state: 'done',
        bytes: 4096,
        reason: 'node 1 down',
        representation: 'shop.orders',
      });
      expect(add?.durationMs).toBeGreaterThan(0);
      expect(log.find((a) => a.action === 'remove' && a.sliceId === s.id)).toMatchObject({
        from: 1,
        to: add?.to,
        state: 'done',
      });
    }
  });

  it('replaces a logger with a logger (no learner stage) and a data replica through a learner', () => {
    const state = new ControlState();
    applyAll(state, [
      ...['a', 'b', 'c', 'a', 'b', 'c'].map((zone, i): ControlCommand => ({
        kind: 'registerNode',
        zone,
        address: '',
        atMs: 100 + i,
      })),
      {
        kind: 'createRepresentation',
        spec: { name: 't', sliceCount: 6, replicas: 2, loggers: 1 },
      },
    ]);
    const asLogger = slices(state).filter((s) =>
      s.members.some((m) => m.node === 1 && m.role === 'logger'),
    );
    const asReplica = slices(state).filter((s) =>
      s.members.some((m) => m.node === 1 && m.role === 'replica'),
    );
    expect(asLogger.length).toBeGreaterThan(0);
    expect(asReplica.length).toBeGreaterThan(0);
    applyAll(state, [{ kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 0 }]);
    const rerank = planFailureRerank(state, 0, options);
    if (rerank !== undefined) applyAll(state, [rerank]);
    const kinds = new Map<number, string>();
    const finishes = new Map<number, string[]>();
    for (let now = 10_000; now < 20_000; now += 100) {
      const command =
        planReplacementProgress(state, now, options, caughtUpPositions(state)) ??
        planReplacementStart(state, now, options);
      if (command === undefined) break;
      for (const c of command.changes) {
        if (command.activity?.action === 'add') kinds.set(c.slice, c.kind);
        if (command.activity?.action === 'finishAdd') {
          finishes.set(c.slice, [...(finishes.get(c.slice) ?? []), c.kind]);
        }
      }
      expect(applyAll(state, [command])).toEqual([{ kind: 'ok' }]);
      for (const x of slices(state)) {
        expect(x.members.filter((m) => m.role === 'replica').length).toBe(2);
        expect(x.members.filter((m) => m.role === 'logger').length).toBeGreaterThanOrEqual(1);
      }
    }
    for (const x of asLogger) {
      expect(kinds.get(x.id)).toBe('addLogger');
      expect(finishes.get(x.id)).toEqual(['removeMember']);
    }
    for (const x of asReplica) {
      expect(kinds.get(x.id)).toBe('addLearner');
      expect(finishes.get(x.id)).toEqual(['promoteLearner', 'removeMember']);
    }
    expect(validatePlacement(state.slicePlacement, state.clusterNodes())).toEqual([]);
  });

  it('waits for the learner to be in the group and caught up before promoting it', () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 2, state: 'down', atMs: 0 }]);
    const rerank = planFailureRerank(state, 0, options);
    if (rerank !== undefined) applyAll(state, [rerank]);
    const start = planReplacementStart(state, 10_000, options);
    if (start === undefined) throw new Error('no add round');
    applyAll(state, [start]);
    const task = runningAdds(state.rebalancerActivity)[0];
    if (task === undefined) throw new Error('no task');
    const full = caughtUpPositions(state);
    // Every learner (two adds run) at `applied`.
    const withLearner = (applied: number) =>
      full.map((n) => ({
        ...n,
        replicas: n.replicas.map((r) => (r.memberRole === 'learner' ? { ...r, applied } : r)),
      }));
    const progress = (positions: NodePositions[]) =>
      planReplacementProgress(state, 10_500, options, positions);
    // Never reported, not yet in the group (applied 0), or too far behind: no promotion.
    expect(progress([])).toBeUndefined();
    expect(progress(withLearner(0))).toBeUndefined();
    expect(progress(withLearner(50 - 65))).toBeUndefined();
    expect(progress(withLearner(50 - 64))?.activity).toEqual({
      action: 'finishAdd',
      atMs: 10_500,
      copiedBytes: 4096,
    });
  });

  it('abandons an add whose learner died or whose old node came back; refuses stale rounds', () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 3, state: 'down', atMs: 0 }]);
    const rerank = planFailureRerank(state, 0, options);
    if (rerank !== undefined) applyAll(state, [rerank]);
    const start = planReplacementStart(state, 10_000, options);
    if (start === undefined) throw new Error('no add round');
    expect(applyAll(state, [start])).toEqual([{ kind: 'ok' }]);
    // Decided twice (two leaders in a row): the second is refused whole.
    const [again] = applyAll(state, [start]);
    expect(again?.kind === 'rejected' ? again.reason : '').toMatch(
      /^stale add round: slice \d+ already has a replacement running/,
    );
    const [first, second] = runningAdds(state.rebalancerActivity);
    if (first === undefined || second === undefined) throw new Error('two tasks expected');
    // Zone first: both learners went to n6, zone c's other node.
    expect([first.to, second.to]).toEqual([6, 6]);

    // The learners' node dies: each add is abandoned, its learner leaves the map.
    applyAll(state, [{ kind: 'setNodeState', nodeId: 6, state: 'down', atMs: 10_100 }]);
    for (const task of [first, second]) {
      const abandon = planReplacementProgress(state, 10_200, options, []);
      expect(abandon?.activity).toEqual({
        action: 'abandonAdd',
        atMs: 10_200,
        sliceId: task.sliceId,
        to: 6,
      });
      expect(abandon?.changes[0]?.reason).toBe('n6 is down');
      expect(applyAll(state, abandon === undefined ? [] : [abandon])).toEqual([{ kind: 'ok' }]);
      expect(state.rebalancerActivity.find((a) => a.id === task.id)).toMatchObject({
        state: 'failed',
        durationMs: 200,
      });
      const s = slices(state).find((x) => x.id === task.sliceId);
      expect(s?.members.some((m) => m.node === 6)).toBe(false);
    }
    // Replanned elsewhere (zone c has no up node left).
    const restart = planReplacementStart(state, 10_300, options);
    if (restart === undefined) throw new Error('no new add round');
    for (const c of restart.changes) expect(c).toMatchObject({ kind: 'addLearner' });
    expect(restart.changes.some((c) => c.kind === 'addLearner' && c.node === 6)).toBe(false);
    expect(applyAll(state, [restart])).toEqual([{ kind: 'ok' }]);
    const [retry] = runningAdds(state.rebalancerActivity);
    if (retry === undefined) throw new Error('no running add');

    // Node 3 comes back before the learner caught up: the add is abandoned too.
    applyAll(state, [{ kind: 'registerNode', zone: 'c', address: '', atMs: 10_300, nodeId: 3 }]);
    const back = planReplacementProgress(state, 10_400, options, caughtUpPositions(state));
    expect(back?.activity).toMatchObject({ action: 'abandonAdd', sliceId: retry.sliceId });
    expect(back?.changes[0]?.reason).toBe('n3 is up again');
    const second2 = retry;
    // A finish decided before the node came back is stale now.
    const finish: ControlCommand = {
      kind: 'applyPlacementChanges',
      changes: [
        { kind: 'promoteLearner', slice: second2.sliceId, node: second2.to, reason: 'x' },
        { kind: 'removeMember', slice: second2.sliceId, node: 3, role: 'replica', reason: 'x' },
      ],
      activity: { action: 'finishAdd', atMs: 10_400, copiedBytes: 1 },
    };
    const [late] = applyAll(state, [finish]);
    expect(late?.kind === 'rejected' ? late.reason : '').toBe(
      `stale finishAdd round: n3 is no longer a lost replica of slice ${second2.sliceId}`,
    );
    for (let i = 0; i < 5; i++) {
      const next = planReplacementProgress(state, 10_500, options, []);
      if (next === undefined) break;
      expect(applyAll(state, [next])).toEqual([{ kind: 'ok' }]);
    }
    expect(runningAdds(state.rebalancerActivity)).toEqual([]);
    // Node 3 is up: nothing left to replace (n6 is not down for 10 s yet).
    expect(planReplacementStart(state, 20_000, options)).toBeUndefined();
    for (const x of slices(state)) expect(replicaCount(x)).toBe(3);
  });
});
