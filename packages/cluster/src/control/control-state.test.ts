import type { ClusterNode } from '@tessera/placement';
import { planRepair, validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../runtime/rng';
import {
  ControlCodecError,
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control-codec';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

const fiveNodesThreeZones: ControlCommand[] = ['a', 'b', 'c', 'a', 'b'].map((zone, i) => ({
  kind: 'registerNode',
  zone,
  address: `127.0.0.1:${7000 + i}`,
  atMs: 100 + i,
}));

function clusterWithTable(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...fiveNodesThreeZones,
    { kind: 'createRepresentation', spec: { name: 'orders' } },
  ]);
  return state;
}

const valid = (state: ControlState, nodes: readonly ClusterNode[] = state.clusterNodes()) =>
  validatePlacement(state.slicePlacement, nodes);

describe('ControlState', () => {
  it('registers nodes and places a new table over them, validly and with fresh epochs', () => {
    const state = new ControlState();
    const results = applyAll(state, [
      ...fiveNodesThreeZones,
      { kind: 'createRepresentation', spec: { name: 'orders' } },
    ]);
    expect(results.slice(0, 5)).toEqual(
      [1, 2, 3, 4, 5].map((nodeId) => ({ kind: 'nodeRegistered', nodeId })),
    );
    const created = results[5];
    expect(created).toMatchObject({ kind: 'representationCreated', representationId: 1 });
    if (created?.kind !== 'representationCreated') throw new Error('not created');
    expect(created.slices).toHaveLength(5); // default slice count = up nodes
    expect(valid(state)).toEqual([]);
    for (const slice of created.slices) expect(state.sliceEpoch(slice)).toBe(1);
    expect(state.stateVersion).toBe(6);
  });

  it('gives every replica the same state for the same log', () => {
    const log: ControlCommand[] = [
      ...fiveNodesThreeZones,
      { kind: 'createRepresentation', spec: { name: 'orders', replicas: 3 } },
      { kind: 'createRepresentation', spec: { name: 'orders.by_customer', sliceCount: 3 } },
      { kind: 'reserveTsoWindow', endPhysicalMs: 5_000 },
      { kind: 'allocateIds', counter: 'group', count: 64 },
      { kind: 'setNodeState', nodeId: 2, state: 'down', atMs: 900 },
      { kind: 'splitSlice', sliceId: 1 },
    ];
    const a = new ControlState();
    const b = new ControlState();
    expect(applyAll(a, log)).toEqual(applyAll(b, log));
    expect(encodeControlSnapshot(a.snapshot())).toEqual(encodeControlSnapshot(b.snapshot()));
  });

  it('repairs a dead node through placement changes, bumping only the changed slices', () => {
    const state = clusterWithTable();
    const epochsBefore = new Map(state.snapshot().sliceEpochs);
    applyAll(state, [{ kind: 'setNodeState', nodeId: 3, state: 'down', atMs: 1_000 }]);
    expect(valid(state).length).toBeGreaterThan(0);
    const changes = planRepair(state.slicePlacement, state.clusterNodes());
    expect(changes.length).toBeGreaterThan(0);
    expect(applyAll(state, [{ kind: 'applyPlacementChanges', changes }])).toEqual([{ kind: 'ok' }]);
    expect(valid(state)).toEqual([]);
    const touched = new Set(changes.map((c) => c.slice));
    for (const [slice, epoch] of epochsBefore) {
      expect(state.sliceEpoch(slice)).toBe(
        touched.has(slice) ? epoch + changes.filter((c) => c.slice === slice).length : epoch,
      );
    }
  });

  it('rejects invalid commands with a reason and leaves the state as it was', () => {
    const state = clusterWithTable();
    const before = encodeControlSnapshot(state.snapshot());
    const results = applyAll(state, [
      { kind: 'setNodeState', nodeId: 99, state: 'down', atMs: 1 },
      { kind: 'setNodeState', nodeId: 1, state: 'removed', atMs: 1 },
      { kind: 'registerNode', zone: 'z', address: '', atMs: 1, nodeId: 1 },
      { kind: 'registerNode', zone: ' ', address: '', atMs: 1 },
      { kind: 'allocateIds', counter: 'group', count: 0 },
      { kind: 'dropRepresentation', representationId: 42 },
      { kind: 'splitSlice', sliceId: 12_345 },
      { kind: 'registerNode', zone: 'a', address: '', atMs: 1, nodeId: 0 },
      {
        kind: 'createRepresentation',
        spec: { name: state.slicePlacement.representations[0]?.name ?? '?', replicas: 2 },
      },
      {
        kind: 'applyPlacementChanges',
        changes: [{ kind: 'promote', slice: 12_345, from: 1, to: 2, reason: 'test' }],
      },
    ]);
    expect(results.map((r) => r.kind)).toEqual(Array<string>(10).fill('rejected'));
    expect(results[1]).toEqual({
      kind: 'rejected',
      reason: 'node 1 still holds 2 slice members; drain it first',
    });
    expect(encodeControlSnapshot(state.snapshot())).toEqual(before);
  });

  it('keeps a node id across a restart and refuses a zone change', () => {
    const state = clusterWithTable();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 4, state: 'down', atMs: 500 }]);
    expect(
      applyAll(state, [
        { kind: 'registerNode', zone: 'a', address: '127.0.0.1:9', atMs: 600, nodeId: 4 },
      ]),
    ).toEqual([{ kind: 'nodeRegistered', nodeId: 4 }]);
    expect(state.node(4)).toMatchObject({
      state: 'up',
      address: '127.0.0.1:9',
      joinedAtMs: 103,
      stateChangedAtMs: 600,
    });
  });

  it('node-state rules: drain only an up node, remove only an empty or down one, never return', () => {
    const state = clusterWithTable();
    const holds = (node: number) =>
      state.slicePlacement.representations
        .flatMap((r) => r.slices)
        .filter((s) => s.members.some((m) => m.node === node)).length;
    const set = (nodeId: number, to: 'up' | 'down' | 'draining' | 'removed', atMs = 1_000) =>
      applyAll(state, [{ kind: 'setNodeState', nodeId, state: to, atMs }])[0];
    expect(holds(1)).toBeGreaterThan(0);
    expect(holds(2)).toBeGreaterThan(0);

    // Draining: only from up; again is a no-op; re-registering keeps it; `up` cancels it.
    expect(set(2, 'down')).toEqual({ kind: 'ok' });
    expect(set(2, 'draining')).toEqual({
      kind: 'rejected',
      reason: 'node 2 is down; only an up node can be drained',
    });
    expect(set(1, 'draining', 2_000)).toEqual({ kind: 'ok' });
    expect(set(1, 'draining', 2_500)).toEqual({ kind: 'ok' });
    expect(state.node(1)).toMatchObject({ state: 'draining', stateChangedAtMs: 2_000 });
    applyAll(state, [
      { kind: 'registerNode', zone: 'a', address: '127.0.0.1:9', atMs: 3_000, nodeId: 1 },
    ]);
    expect(state.node(1)).toMatchObject({ state: 'draining', address: '127.0.0.1:9' });

    // Removal: refused for a live node that still holds members, with the count.
    expect(set(1, 'removed')).toEqual({
      kind: 'rejected',
      reason: `node 1 still holds ${holds(1)} slice members; drain it first`,
    });
    expect(set(1, 'up', 3_100)).toEqual({ kind: 'ok' });
    expect(set(1, 'removed')).toEqual({
      kind: 'rejected',
      reason: `node 1 still holds ${holds(1)} slice members; drain it first`,
    });
    // A down node may be removed with its members (the rebalancer replaces them at once).
    expect(set(2, 'removed', 4_000)).toEqual({ kind: 'ok' });
    expect(state.clusterNodes().some((n) => n.id === 2)).toBe(false);
    // An empty node may be removed whatever its state (here: one that never got a member).
    applyAll(state, [{ kind: 'registerNode', zone: 'c', address: '', atMs: 4_100 }]);
    expect(holds(6)).toBe(0);
    expect(set(6, 'removed')).toEqual({ kind: 'ok' });

    // Removed for good: no state change, no re-registration under the id.
    for (const to of ['up', 'down', 'draining', 'removed'] as const) {
      expect(set(2, to)).toEqual({ kind: 'rejected', reason: 'node 2 was removed' });
    }
    expect(
      applyAll(state, [{ kind: 'registerNode', zone: 'b', address: '', atMs: 5_000, nodeId: 2 }]),
    ).toEqual([{ kind: 'rejected', reason: 'node 2 was removed' }]);
    expect(state.node(2)).toMatchObject({ state: 'removed', stateChangedAtMs: 4_000 });
  });

  it('only moves the timestamp window forward', () => {
    const state = new ControlState();
    applyAll(state, [
      { kind: 'reserveTsoWindow', endPhysicalMs: 9_000 },
      { kind: 'reserveTsoWindow', endPhysicalMs: 4_000 }, // a stale leader's late reservation
    ]);
    expect(state.reservedTsoWindowEndMs).toBe(9_000);
  });

  it('hands out disjoint id ranges', () => {
    const state = new ControlState();
    const rng = new SeededRng(5);
    let next = 1;
    for (let i = 0; i < 100; i++) {
      const count = rng.int(1, 1_000);
      expect(state.apply({ kind: 'allocateIds', counter: 'group', count })).toEqual({
        kind: 'idsAllocated',
        first: next,
        count,
      });
      next += count;
    }
  });

  it('continues identically from a snapshot sent through the codec', () => {
    const state = clusterWithTable();
    applyAll(state, [
      { kind: 'splitSlice', sliceId: 2 },
      { kind: 'allocateIds', counter: 'group', count: 7 },
    ]);
    const restored = ControlState.fromSnapshot(
      decodeControlSnapshot(encodeControlSnapshot(state.snapshot())),
    );
    const more: ControlCommand[] = [
      { kind: 'registerNode', zone: 'c', address: '', atMs: 2_000 },
      { kind: 'createRepresentation', spec: { name: 'items' } },
      { kind: 'splitSlice', sliceId: 2, at: 0x2000_0000_0000_0000n },
    ];
    expect(applyAll(restored, more)).toEqual(applyAll(state, more));
    expect(encodeControlSnapshot(restored.snapshot())).toEqual(
      encodeControlSnapshot(state.snapshot()),
    );
  });

  it('refuses undecodable log records with a typed error', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(() => decodeControlCommand(bytes('{"kind":"format disk"}'))).toThrow(ControlCodecError);
    expect(() => decodeControlCommand(bytes('not json'))).toThrow(ControlCodecError);
    expect(() =>
      decodeControlCommand(bytes('{"kind":"splitSlice","sliceId":1,"at":{"$big":"xyz"}}')),
    ).toThrow(ControlCodecError);
    expect(() => decodeControlSnapshot(bytes('{"version":1}'))).toThrow(ControlCodecError);
  });
});
