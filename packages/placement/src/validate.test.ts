import { describe, expect, it } from 'vitest';
import { hashSpaceEnd } from './hashSpace';
import type { ClusterNode, Placement, Slice } from './model';
import { validatePlacement } from './validate';

const nodes: ClusterNode[] = [
  { id: 1, zone: 'a', state: 'up' },
  { id: 2, zone: 'b', state: 'up' },
  { id: 3, zone: 'c', state: 'up' },
];

const half = hashSpaceEnd / 2n;

function placementOf(...slices: Slice[]): Placement {
  return {
    representations: [
      { id: 1, name: 't', replication: { replicas: 2, loggers: 0, learners: 0 }, slices },
    ],
  };
}

const good: Slice[] = [
  {
    id: 0,
    range: { start: 0n, end: half },
    members: [
      { node: 1, zone: 'a', role: 'replica' },
      { node: 2, zone: 'b', role: 'replica' },
    ],
    rankingReplica: 1,
  },
  {
    id: 1,
    range: { start: half, end: hashSpaceEnd },
    members: [
      { node: 2, zone: 'b', role: 'replica' },
      { node: 3, zone: 'c', role: 'replica' },
    ],
    rankingReplica: 3,
  },
];

const rules = (p: Placement, n: readonly ClusterNode[] = nodes) =>
  validatePlacement(p, n).map((v) => v.rule);

describe('validatePlacement', () => {
  it('accepts a valid placement', () => {
    expect(validatePlacement(placementOf(...good), nodes)).toEqual([]);
  });

  it('reports a gap and a short end of the hash space', () => {
    const [first, second] = good as [Slice, Slice];
    const gap = { ...second, range: { start: half + 1n, end: hashSpaceEnd - 1n } };
    expect(rules(placementOf(first, gap))).toEqual(['coverage', 'coverage']);
  });

  it('reports two members on one node, and the count and spread that follow', () => {
    const [first, second] = good as [Slice, Slice];
    const doubled: Slice = {
      ...first,
      members: [
        { node: 1, zone: 'a', role: 'replica' },
        { node: 1, zone: 'a', role: 'replica' },
      ],
    };
    expect(rules(placementOf(doubled, second))).toEqual(['shared-node', 'zone-spread']);
  });

  it('reports members on nodes that are not up, and a ranking replica there', () => {
    const down = nodes.map((n) => (n.id === 3 ? { ...n, state: 'down' as const } : n));
    expect(rules(placementOf(...good), down)).toEqual(['member-not-up', 'ranking-replica']);
  });

  it('reports a ranking replica that is a logger', () => {
    const [first, second] = good as [Slice, Slice];
    const loggerRanks: Slice = {
      ...second,
      members: [
        { node: 2, zone: 'b', role: 'replica' },
        { node: 3, zone: 'c', role: 'logger' },
      ],
    };
    expect(rules(placementOf(first, loggerRanks))).toEqual([
      'member-count',
      'member-count',
      'ranking-replica',
    ]);
  });

  it('reports replicas crowded into one zone when others are available', () => {
    const sameZone = nodes.map((n) => ({ ...n, zone: n.id === 3 ? 'b' : n.zone }));
    const [first, second] = good as [Slice, Slice];
    const crowded: Slice = {
      ...second,
      members: second.members.map((m) => ({ ...m, zone: 'b' })),
    };
    expect(rules(placementOf(first, crowded), sameZone)).toEqual(['zone-spread']);
  });

  it('reports a member whose zone disagrees with its node, and reused slice ids', () => {
    const [first, second] = good as [Slice, Slice];
    const wrongZone: Slice = {
      ...second,
      id: 0,
      members: [
        { node: 2, zone: 'b', role: 'replica' },
        { node: 3, zone: 'z', role: 'replica' },
      ],
    };
    expect(rules(placementOf(first, wrongZone))).toEqual(['duplicate-slice-id', 'zone-mismatch']);
  });
});
