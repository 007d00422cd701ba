import { planInitialPlacement, splitSlice } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { groupIdOfSlice, SliceGroupLayout } from './slice-groups';

const layout = () =>
  new SliceGroupLayout(
    planInitialPlacement({ id: 1, name: 't', replicas: 2, loggers: 1, sliceCount: 4 }, [
      { id: 1, zone: 'a', state: 'up' },
      { id: 2, zone: 'b', state: 'up' },
      { id: 3, zone: 'c', state: 'up' },
      { id: 4, zone: 'a', state: 'up' },
    ]),
  );

describe('SliceGroupLayout', () => {
  it('makes one group per slice with voters, loggers and the ranking replica', () => {
    const l = layout();
    expect(l.groupIds).toEqual([1, 2, 3, 4]);
    for (const [i, slice] of l.representation.slices.entries()) {
      const group = l.groups[i];
      expect(group?.groupId).toBe(groupIdOfSlice(slice.id));
      expect(group?.spaceId).toBe(group?.groupId);
      expect(group?.members.map((m) => m.role).sort()).toEqual(['logger', 'voter', 'voter']);
      expect(group?.rankingNode).toBe(slice.rankingReplica);
    }
  });

  it('lists data members only, the ranking replica first', () => {
    const l = layout();
    for (const group of l.groups) {
      const members = l.membersOf(group.groupId);
      expect(members[0]).toBe(group.rankingNode);
      expect(members).toHaveLength(2);
      const logger = group.members.find((m) => m.role === 'logger');
      expect(members).not.toContain(logger?.nodeId);
    }
    expect(l.membersOf(99)).toEqual([]);
  });

  it('routes every key to the group of its slice, spreading keys over all groups', () => {
    const l = layout();
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(l.groupOfKey(new TextEncoder().encode(`k${i}`)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
    expect(l.groupsOf(1).every((g) => g.members.some((m) => m.nodeId === 1))).toBe(true);
  });

  it('gives each group its range, and the groups a split left inside an old range', () => {
    const l = layout();
    const first = l.representation.slices[0];
    if (first === undefined) throw new Error('no slice');
    expect(l.boundsOf(groupIdOfSlice(first.id))).toEqual(first.range);
    expect(l.boundsOf(99)).toBeUndefined();
    const split = splitSlice({ representations: [l.representation] }, first.id);
    const after = new SliceGroupLayout(split.placement.representations[0] ?? l.representation);
    expect(after.groupsWithin(first.range)).toEqual([
      groupIdOfSlice(first.id),
      groupIdOfSlice(split.upper),
    ]);
  });
});
