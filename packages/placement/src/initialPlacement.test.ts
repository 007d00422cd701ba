import { describe, expect, it } from 'vitest';
import { applyChanges } from './applyChanges';
import { PlacementError } from './errors';
import { planInitialPlacement } from './initialPlacement';
import type { ClusterNode } from './model';
import { planRebalance } from './rebalance';

const nodes: ClusterNode[] = [
  { id: 1, zone: 'a', state: 'up' },
  { id: 2, zone: 'b', state: 'draining' },
  { id: 3, zone: 'c', state: 'up' },
  { id: 4, zone: 'c', state: 'down' },
];

describe('planInitialPlacement', () => {
  it('places only on up nodes and defaults to one slice per up node', () => {
    const rep = planInitialPlacement({ id: 1, name: 't' }, nodes);
    expect(rep.slices).toHaveLength(2);
    const used = new Set(rep.slices.flatMap((s) => s.members.map((m) => m.node)));
    expect([...used].sort()).toEqual([1, 3]);
  });

  it('caps members at one per up node', () => {
    const rep = planInitialPlacement({ id: 1, name: 't', replicas: 5, loggers: 1 }, nodes);
    for (const slice of rep.slices)
      expect(slice.members.map((m) => m.role)).toEqual(['replica', 'replica']);
  });

  it('does not reuse slice ids of the placement it joins', () => {
    const first = planInitialPlacement({ id: 1, name: 't' }, nodes);
    const second = planInitialPlacement({ id: 2, name: 'i' }, nodes, {
      existing: { representations: [first] },
    });
    expect(second.slices.map((s) => s.id)).toEqual([2, 3]);
  });

  it('rejects a cluster without up nodes and a bad replication factor', () => {
    const down = nodes.map((n) => ({ ...n, state: 'down' as const }));
    expect(() => planInitialPlacement({ id: 1, name: 't' }, down)).toThrow(PlacementError);
    expect(() => planInitialPlacement({ id: 1, name: 't', replicas: 0 }, nodes)).toThrow(
      PlacementError,
    );
    expect(() => planInitialPlacement({ id: 1, name: 't', sliceCount: 0 }, nodes)).toThrow(
      PlacementError,
    );
  });
});

describe('planRebalance budget', () => {
  it('never cuts a move in half', () => {
    const three: ClusterNode[] = [1, 2, 3].map((id) => ({ id, zone: 'a', state: 'up' }));
    const rep = planInitialPlacement({ id: 1, name: 't', sliceCount: 12 }, three);
    const grown: ClusterNode[] = [...three, { id: 4, zone: 'a', state: 'up' }];
    const placement = { representations: [rep] };
    for (const maxChanges of [0, 1, 2, 3, 4, 5, 7]) {
      const changes = planRebalance(placement, grown, { maxChanges });
      expect(changes.length).toBeLessThanOrEqual(maxChanges);
      // Every learner added is promoted and every promoted node's source removed.
      const adds = changes.filter((c) => c.kind === 'addLearner').length;
      const removes = changes.filter((c) => c.kind === 'removeMember').length;
      expect(adds).toBe(removes);
      applyChanges(placement, changes);
    }
  });
});

describe('planRebalance without swaps', () => {
  // Every slice keeps one member per zone (2 replicas + 1 logger over 3 zones), so a node that
  // joins zone a can only take zone a's members. With swaps, the planner's first move trades a
  // zone-b replica for a zone-a logger; a caller that makes add-then-remove moves only would
  // skip it and stop there, zone a unbalanced. Without swaps the plan evens zone a out.
  it('evens out the zone a node joins with add-then-remove moves only', () => {
    const three: ClusterNode[] = [
      { id: 1, zone: 'a', state: 'up' },
      { id: 2, zone: 'b', state: 'up' },
      { id: 3, zone: 'c', state: 'up' },
    ];
    const rep = planInitialPlacement(
      { id: 1, name: 't', sliceCount: 12, replicas: 2, loggers: 1 },
      three,
    );
    const grown: ClusterNode[] = [...three, { id: 4, zone: 'a', state: 'up' }];
    const placement = { representations: [rep] };
    const changes = planRebalance(placement, grown, { swaps: false });
    // Only add-then-remove moves, from zone a's node to the new one.
    for (const c of changes) {
      if (c.kind === 'removeMember') expect(c.node).toBe(1);
      if (c.kind === 'addLearner' || c.kind === 'addLogger') expect(c.node).toBe(4);
    }
    const after = applyChanges(placement, changes);
    const held = (node: number, logger: boolean) =>
      after.representations[0]!.slices.filter((s) =>
        s.members.some((m) => m.node === node && (m.role === 'logger') === logger),
      ).length;
    expect(Math.abs(held(1, false) - held(4, false))).toBeLessThanOrEqual(1);
    expect(Math.abs(held(1, true) - held(4, true))).toBeLessThanOrEqual(1);
    expect(held(4, false)).toBeGreaterThan(0);
  });
});

describe('applyChanges', () => {
  it('rejects a change that does not fit the placement', () => {
    const rep = planInitialPlacement({ id: 1, name: 't' }, nodes);
    const slice = rep.slices[0]!;
    const member = slice.members[0]!;
    const placement = { representations: [rep] };
    expect(() =>
      applyChanges(placement, [
        { kind: 'addReplica', slice: slice.id, node: member.node, zone: member.zone, reason: '' },
      ]),
    ).toThrow(PlacementError);
    expect(() =>
      applyChanges(placement, [
        { kind: 'promoteLearner', slice: slice.id, node: member.node, reason: '' },
      ]),
    ).toThrow(PlacementError);
  });
});
