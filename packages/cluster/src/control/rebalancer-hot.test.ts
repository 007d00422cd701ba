import type { Slice } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { groupIdOfSlice } from '../layout/slice-groups';
import { decodeControlCommand, encodeControlCommand } from './control-codec';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';
import type { RebalancerOptions } from './rebalancer';
import { loadFromPositions } from './rebalancer';
import { planHotRerank } from './rebalancer-hot';

function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

/** Three nodes in three zones, 6 slices × 2 replicas: each node ranks two slices. */
function cluster(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...['a', 'b', 'c'].map((zone, i): ControlCommand => ({
      kind: 'registerNode',
      zone,
      address: '',
      atMs: i,
    })),
    { kind: 'createRepresentation', spec: { name: 't', sliceCount: 6, replicas: 2 } },
  ]);
  return state;
}

const slices = (state: ControlState): Slice[] =>
  state.slicePlacement.representations.flatMap((r) => r.slices);

/** Each ranking replica reports `readsOf(slice)` reads/s; other replicas none. */
function positions(state: ControlState, readsOf: (s: Slice) => number): NodePositions[] {
  const byNode = new Map<number, NodePositions['replicas'][number][]>(
    state.clusterNodes().map((n) => [n.id, []]),
  );
  for (const s of slices(state)) {
    for (const m of s.members) {
      byNode.get(m.node)?.push({
        groupId: groupIdOfSlice(s.id),
        memberRole: 'voter',
        raftRole: m.node === s.rankingReplica ? 'leader' : 'follower',
        term: 1,
        applied: 10,
        appliedCommitTs: 0,
        bytes: 1_000,
        readsPerSec: m.node === s.rankingReplica ? readsOf(s) : 0,
      });
    }
  }
  return [...byNode].map(([nodeId, replicas]) => ({ nodeId, atMs: 0, replicas }));
}

const options: RebalancerOptions = { rerankAfterMs: 0 };

function plan(state: ControlState, nowMs: number, reports: NodePositions[]) {
  return planHotRerank(state, nowMs, options, reports, loadFromPositions(reports));
}

describe('hot-node re-rank (rebalancer)', () => {
  it('moves ranking off a hot node onto a cooler replica, then not again within the interval', () => {
    const state = cluster();
    const hot = slices(state).filter((s) => s.rankingReplica === 1);
    expect(hot).toHaveLength(2);
    // n1 serves 600 reads/s, n2 and n3 20 each: 600 > 1.5 × mean (213).
    const reads = (s: Slice) => (s.rankingReplica === 1 ? 300 : 10);
    const before = positions(state, reads);
    const round = plan(state, 50_000, before);
    expect(round?.activity).toEqual({ action: 'hotRerank', atMs: 50_000 });
    expect(round?.changes).toHaveLength(1);
    const [change] = round?.changes ?? [];
    if (change?.kind !== 'promote') throw new Error('a promotion expected');
    expect(change.from).toBe(1);
    expect(change.reason).toBe(`hot: n1 serves 600 reads/s, n${change.to} 20`);
    expect(applyAll(state, round === undefined ? [] : [round])).toEqual([{ kind: 'ok' }]);
    expect(slices(state).find((s) => s.id === change.slice)?.rankingReplica).toBe(change.to);
    expect(state.rebalancerActivity).toEqual([
      expect.objectContaining({
        action: 'rerank',
        from: 1,
        to: change.to,
        reason: change.reason,
        state: 'done',
        bytes: 0,
        durationMs: 0,
      }),
    ]);
    // Evened out: the fresh reports show no hot node.
    expect(plan(state, 70_000, positions(state, reads))).toBeUndefined();
    // Another node turns hot right away: no new round within rerankIntervalMs of the last…
    const n3Hot = positions(state, (s) => (s.rankingReplica === 3 ? 400 : 10));
    expect(plan(state, 59_999, n3Hot)).toBeUndefined();
    // …and one once it is over.
    const next = plan(state, 60_000, n3Hot);
    expect(next?.activity).toEqual({ action: 'hotRerank', atMs: 60_000 });
    for (const c of next?.changes ?? []) expect(c).toMatchObject({ kind: 'promote', from: 3 });
    // Decided twice (two leaders): the second is refused whole.
    const [again] = applyAll(state, round === undefined ? [] : [round]);
    expect(again?.kind === 'rejected' ? again.reason : '').toMatch(/^stale hotRerank round: /);
  });

  it('leaves small differences and quiet clusters alone', () => {
    const state = cluster();
    // 60 / 50 / 40 reads/s per node: the hottest is 1.2 × the mean.
    const mild = (s: Slice) => ({ 1: 30, 2: 25, 3: 20 })[s.rankingReplica] ?? 0;
    expect(plan(state, 1_000, positions(state, mild))).toBeUndefined();
    // 40 / 2 / 2: very uneven, but below hotReadMinPerSec (50).
    const quiet = (s: Slice) => (s.rankingReplica === 1 ? 20 : 1);
    expect(plan(state, 1_000, positions(state, quiet))).toBeUndefined();
    // A node that has not reported: its reads are unknown, no round.
    const hot = (s: Slice) => (s.rankingReplica === 1 ? 300 : 10);
    const partial = positions(state, hot).filter((p) => p.nodeId !== 3);
    expect(plan(state, 1_000, partial)).toBeUndefined();
    expect(plan(state, 1_000, positions(state, hot))).toBeDefined();
    // A configured ratio the node does not exceed: no round.
    const reports = positions(state, hot);
    const lenient = { ...options, hotReadRatio: 3 };
    expect(
      planHotRerank(state, 1_000, lenient, reports, loadFromPositions(reports)),
    ).toBeUndefined();
  });

  it('refuses a hot round whose ranking replica went down meanwhile', () => {
    const state = cluster();
    const reports = positions(state, (s) => (s.rankingReplica === 1 ? 300 : 10));
    const round = plan(state, 1_000, reports);
    if (round === undefined) throw new Error('no round');
    applyAll(state, [{ kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 1_001 }]);
    const [late] = applyAll(state, [round]);
    expect(late?.kind === 'rejected' ? late.reason : '').toMatch(
      /^stale hotRerank round: slice \d+ is not ranked by up node n1$/,
    );
    // And a hot round whose reasons do not say so is malformed.
    const fresh = cluster();
    const unlabeled: ControlCommand = {
      ...round,
      changes: round.changes.map((c) => ({ ...c, reason: 'because' })),
    };
    expect(fresh.apply(unlabeled)).toEqual({
      kind: 'rejected',
      reason: "a hot re-rank's reasons begin with 'hot: '",
    });
  });
});
