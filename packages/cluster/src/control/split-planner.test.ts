import { validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import {
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control-codec';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';
import { formatBytes, parseByteSize, planSplit } from './split-planner';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

/** Three nodes in three zones, a table of two slices with three replicas each. */
function cluster(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...['a', 'b', 'c'].map((zone, i): ControlCommand => ({
      kind: 'registerNode',
      zone,
      address: '',
      atMs: 10 + i,
    })),
    { kind: 'createRepresentation', spec: { name: 'orders', replicas: 3, sliceCount: 2 } },
  ]);
  return state;
}

const slices = (state: ControlState) =>
  state.slicePlacement.representations.flatMap((r) => r.slices);

/** Every node reports every group, with `bytes` for group `groupId` and `leader` leading. */
function reports(
  atMs: number,
  groups: readonly { groupId: number; bytes: number; leader?: number }[],
): NodePositions[] {
  return [1, 2, 3].map((nodeId) => ({
    nodeId,
    atMs,
    replicas: groups.map((g) => ({
      groupId: g.groupId,
      memberRole: 'voter',
      raftRole: g.leader === nodeId ? 'leader' : 'follower',
      term: 6,
      applied: 10,
      appliedCommitTs: 0,
      bytes: g.bytes,
    })),
  }));
}

const options = { rerankAfterMs: 0, splitThresholdBytes: 1_000 };

describe('slice split in the control state', () => {
  it('begins with the id reserved and the map unchanged, finishes with the map split and the history done', () => {
    const state = cluster();
    const [first] = slices(state);
    if (first === undefined) throw new Error('no slice');
    const mapBefore = state.slicePlacement;
    const epoch = state.sliceEpoch(first.id);
    const at = first.range.start + (first.range.end - first.range.start) / 2n;
    const [begun] = applyAll(state, [
      { kind: 'beginSplit', sliceId: first.id, at, atMs: 1_000, reason: 'split: 2 KB > 1000 B' },
    ]);
    expect(begun).toEqual({ kind: 'sliceSplit', lower: first.id, upper: 2 });
    expect(state.slicePlacement).toBe(mapBefore);
    expect(state.sliceEpoch(first.id)).toBe(epoch + 1);
    expect(state.pendingSplits).toEqual([
      { sliceId: first.id, at, upper: 2, activityId: 1, startedAtMs: 1_000 },
    ]);
    expect(state.rebalancerActivity).toEqual([
      expect.objectContaining({
        action: 'split',
        sliceId: first.id,
        representation: 'orders',
        reason: 'split: 2 KB > 1000 B',
        state: 'running',
      }),
    ]);
    // Twice is refused, and so is the map-only split of a splitting slice.
    expect(
      applyAll(state, [
        { kind: 'beginSplit', sliceId: first.id, at, atMs: 1_001, reason: 'again' },
        { kind: 'splitSlice', sliceId: first.id },
      ]).map((r) => r.kind),
    ).toEqual(['rejected', 'rejected']);
    // A table created meanwhile never takes the reserved id.
    const [created] = applyAll(state, [
      { kind: 'createRepresentation', spec: { name: 'items', replicas: 3, sliceCount: 2 } },
    ]);
    expect(created?.kind === 'representationCreated' && created.slices).toEqual([3, 4]);
    // The snapshot carries the pending split through the codec.
    const restored = ControlState.fromSnapshot(
      decodeControlSnapshot(encodeControlSnapshot(state.snapshot())),
    );
    expect(restored.pendingSplits).toEqual(state.pendingSplits);
    const finish: ControlCommand = {
      kind: 'finishSplit',
      sliceId: first.id,
      atMs: 1_750,
      movedBytes: 1_234,
    };
    expect(applyAll(state, [finish])).toEqual([{ kind: 'sliceSplit', lower: first.id, upper: 2 }]);
    expect(applyAll(restored, [finish])).toEqual([
      { kind: 'sliceSplit', lower: first.id, upper: 2 },
    ]);
    expect(encodeControlSnapshot(restored.snapshot())).toEqual(
      encodeControlSnapshot(state.snapshot()),
    );
    const lower = slices(state).find((s) => s.id === first.id);
    const upper = slices(state).find((s) => s.id === 2);
    expect(lower?.range).toEqual({ start: first.range.start, end: at });
    expect(upper?.range).toEqual({ start: at, end: first.range.end });
    expect(upper?.members).toEqual(first.members);
    expect(upper?.rankingReplica).toBe(first.rankingReplica);
    expect(validatePlacement(state.slicePlacement, state.clusterNodes())).toEqual([]);
    expect(state.pendingSplits).toEqual([]);
    expect(state.rebalancerActivity[0]).toMatchObject({
      action: 'split',
      state: 'done',
      bytes: 1_234,
      durationMs: 750,
    });
    expect(applyAll(state, [finish])[0]?.kind).toBe('rejected');
  });

  it('refuses malformed splits and leaves the state as it was', () => {
    const state = cluster();
    const [first] = slices(state);
    if (first === undefined) throw new Error('no slice');
    const before = encodeControlSnapshot(state.snapshot());
    const results = applyAll(state, [
      { kind: 'beginSplit', sliceId: 99, at: 5n, atMs: 1, reason: 'x' },
      { kind: 'beginSplit', sliceId: first.id, at: first.range.start, atMs: 1, reason: 'x' },
      { kind: 'beginSplit', sliceId: first.id, at: first.range.end, atMs: 1, reason: 'x' },
      { kind: 'beginSplit', sliceId: first.id, at: 5n, atMs: -1, reason: 'x' },
      { kind: 'beginSplit', sliceId: first.id, at: 5n, atMs: 1, reason: 'x'.repeat(1_001) },
      { kind: 'finishSplit', sliceId: first.id, atMs: 1, movedBytes: 0 },
    ]);
    expect(results.every((r) => r.kind === 'rejected')).toBe(true);
    expect(encodeControlSnapshot(state.snapshot())).toEqual(before);
  });

  it('drops the pending split of a dropped table (its history entry fails)', () => {
    const state = cluster();
    const [first] = slices(state);
    if (first === undefined) throw new Error('no slice');
    const at = first.range.start + 1_000n;
    applyAll(state, [
      { kind: 'beginSplit', sliceId: first.id, at, atMs: 5, reason: 'split' },
      { kind: 'dropRepresentation', representationId: 1 },
    ]);
    expect(state.pendingSplits).toEqual([]);
    expect(state.rebalancerActivity[0]?.state).toBe('failed');
  });
});

describe('planSplit', () => {
  it('splits the largest slice over the threshold at the middle of its range, with a reason', () => {
    const state = cluster();
    const [s0, s1] = slices(state);
    if (s0 === undefined || s1 === undefined) throw new Error('no slices');
    expect(planSplit(state, 100, options, reports(90, [{ groupId: 1, bytes: 1_000 }]))).toBe(
      undefined,
    );
    const command = planSplit(
      state,
      100,
      options,
      reports(90, [
        { groupId: 1, bytes: 1_500 },
        { groupId: 2, bytes: 9_800 },
      ]),
    );
    expect(command).toEqual({
      kind: 'beginSplit',
      sliceId: s1.id,
      at: s1.range.start + (s1.range.end - s1.range.start) / 2n,
      atMs: 100,
      reason: 'split: 9.6 KB > 1000 B',
    });
  });

  it('waits for a member on a node that is not up, and for a running task', () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 2, state: 'down', atMs: 50 }]);
    expect(planSplit(state, 100, options, reports(90, [{ groupId: 1, bytes: 5_000 }]))).toBe(
      undefined,
    );
  });

  it('finishes a pending split once the new group reports a leader, with the bytes it holds', () => {
    const state = cluster();
    const [s0] = slices(state);
    if (s0 === undefined) throw new Error('no slice');
    const begin = planSplit(state, 100, options, reports(90, [{ groupId: 1, bytes: 5_000 }]));
    if (begin === undefined) throw new Error('no split planned');
    const [begun] = applyAll(state, [begin]);
    expect(begun?.kind).toBe('sliceSplit');
    // No new group yet, or one without a leader: nothing to do (one split at a time).
    expect(planSplit(state, 200, options, reports(190, [{ groupId: 1, bytes: 5_000 }]))).toBe(
      undefined,
    );
    expect(planSplit(state, 200, options, reports(190, [{ groupId: 3, bytes: 2_400 }]))).toBe(
      undefined,
    );
    const finish = planSplit(
      state,
      300,
      options,
      reports(290, [{ groupId: 3, bytes: 2_400, leader: 2 }]),
    );
    expect(finish).toEqual({ kind: 'finishSplit', sliceId: s0.id, atMs: 300, movedBytes: 2_400 });
    if (finish === undefined) throw new Error('no finish');
    applyAll(state, [finish]);
    // Reports from before the finish (the parent's old size) never start another split.
    expect(planSplit(state, 400, options, reports(290, [{ groupId: 1, bytes: 5_000 }]))).toBe(
      undefined,
    );
    expect(planSplit(state, 400, options, reports(350, [{ groupId: 1, bytes: 5_000 }]))?.kind).toBe(
      'beginSplit',
    );
  });

  it('formats and parses sizes the way operators write them', () => {
    expect(formatBytes(9.1 * 1024 ** 3)).toBe('9.1 GB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GB');
    expect(formatBytes(640 * 1024)).toBe('640 KB');
    expect(formatBytes(12)).toBe('12 B');
    expect(parseByteSize('64MB')).toBe(64 * 1024 ** 2);
    expect(parseByteSize('8 GiB')).toBe(8 * 1024 ** 3);
    expect(parseByteSize('1.5k')).toBe(1_536);
    expect(parseByteSize('4096')).toBe(4_096);
    for (const bad of ['', '0', '-5MB', 'MB', '5 XB', '1e9'])
      expect(parseByteSize(bad)).toBe(undefined);
  });
});
