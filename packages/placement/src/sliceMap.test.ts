import { describe, expect, it } from 'vitest';
import { PlacementError } from './errors';
import { hashSpaceEnd } from './hashSpace';
import { planInitialPlacement } from './initialPlacement';
import type { ClusterNode, Placement } from './model';
import { mergeable, sliceFor, splitSlice } from './sliceMap';
import { validatePlacement } from './validate';

const nodes: ClusterNode[] = [
  { id: 1, zone: 'a', state: 'up' },
  { id: 2, zone: 'a', state: 'up' },
  { id: 3, zone: 'a', state: 'up' },
];

function placed(sliceCount: number): Placement {
  return { representations: [planInitialPlacement({ id: 7, name: 't', sliceCount }, nodes)] };
}

describe('sliceFor', () => {
  it('finds the owner at both edges of every range', () => {
    const rep = placed(7).representations[0]!;
    for (const slice of rep.slices) {
      expect(sliceFor(rep, slice.range.start).id).toBe(slice.id);
      expect(sliceFor(rep, slice.range.end - 1n).id).toBe(slice.id);
    }
  });

  it('rejects hashes outside [0, 2^64)', () => {
    const rep = placed(2).representations[0]!;
    expect(() => sliceFor(rep, -1n)).toThrow(PlacementError);
    expect(() => sliceFor(rep, hashSpaceEnd)).toThrow(PlacementError);
  });
});

describe('splitSlice', () => {
  it('splits at the midpoint by default; the upper half gets the next id and the members', () => {
    const before = placed(1);
    const { placement, lower, upper } = splitSlice(before, 0);
    const [low, high] = placement.representations[0]!.slices;
    expect([lower, upper]).toEqual([0, 1]);
    expect(low!.range).toEqual({ start: 0n, end: hashSpaceEnd / 2n });
    expect(high!.range).toEqual({ start: hashSpaceEnd / 2n, end: hashSpaceEnd });
    expect(high!.members).toEqual(low!.members);
    expect(high!.rankingReplica).toBe(low!.rankingReplica);
    expect(validatePlacement(placement, nodes)).toEqual([]);
    expect(before.representations[0]!.slices).toHaveLength(1); // inputs are not mutated
  });

  it('rejects a split point on or outside the range', () => {
    const p = placed(2);
    const second = p.representations[0]!.slices[1]!;
    expect(() => splitSlice(p, second.id, second.range.start)).toThrow(PlacementError);
    expect(() => splitSlice(p, second.id, second.range.end)).toThrow(PlacementError);
    expect(() => splitSlice(p, 99)).toThrow(PlacementError);
  });

  it('makes halves that are mergeable again, until one of them changes', () => {
    const { placement, lower, upper } = splitSlice(placed(3), 1);
    const rep = placement.representations[0]!;
    expect(mergeable(rep, lower, upper)).toBe(true);
    expect(mergeable(rep, 0, 2)).toBe(false); // not adjacent
    const moved = {
      ...rep,
      slices: rep.slices.map((s) => (s.id === upper ? { ...s, members: s.members.slice(1) } : s)),
    };
    expect(mergeable(moved, lower, upper)).toBe(false);
  });
});
