import type { ClusterNode, Placement, Slice, SliceMember } from '@tessera/placement';
import { hashSpaceEnd } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import type { AppliedMap } from './slice-maps';
import {
  checkBalanced,
  checkCoverage,
  checkDrain,
  checkMembersUnchanged,
  checkNeverBelowReplicas,
  nodeLoads,
} from './slice-maps';

const zoneOf = (node: number) => ['a', 'b', 'c'][(node - 1) % 3] ?? 'a';
const replica = (node: number): SliceMember => ({ node, zone: zoneOf(node), role: 'replica' });
const logger = (node: number): SliceMember => ({ node, zone: zoneOf(node), role: 'logger' });
const learner = (node: number): SliceMember => ({ node, zone: zoneOf(node), role: 'learner' });

const half = hashSpaceEnd / 2n;

function slice(id: number, members: SliceMember[], ranking: number, range = [0n, half]): Slice {
  const [start = 0n, end = half] = range;
  return { id, range: { start, end }, members, rankingReplica: ranking };
}

function map(version: number, slices: Slice[], nodes = [1, 2, 3, 4]): AppliedMap {
  const placement: Placement = {
    representations: [
      { id: 1, name: 'sim', replication: { replicas: 2, loggers: 1, learners: 0 }, slices },
    ],
  };
  const cluster: ClusterNode[] = nodes.map((id) => ({ id, zone: zoneOf(id), state: 'up' }));
  return { version, placement, nodes: cluster };
}

const upper = [half, hashSpaceEnd];

describe('checkNeverBelowReplicas', () => {
  it('accepts a move that adds a learner, promotes it, then removes the old replica', () => {
    const maps = [
      map(1, [slice(0, [replica(1), replica(2), logger(3)], 1)]),
      map(2, [slice(0, [replica(1), replica(2), logger(3), learner(4)], 1)]),
      map(3, [slice(0, [replica(1), replica(2), logger(3), replica(4)], 1)]),
      map(4, [slice(0, [replica(1), logger(3), replica(4)], 1)]),
    ];
    expect(checkNeverBelowReplicas(maps)).toEqual([]);
  });

  it('reports a map that removed the old replica before the learner was promoted', () => {
    const maps = [
      map(1, [slice(0, [replica(1), replica(2), logger(3)], 1)]),
      map(2, [slice(0, [replica(1), logger(3), learner(4)], 1)]),
      map(3, [slice(0, [replica(1), logger(3), replica(4)], 1)]),
    ];
    expect(checkNeverBelowReplicas(maps)).toEqual([
      'map v2: slice 0 of sim lists 1 data replicas and 1 loggers (configured 2 and 1)',
    ]);
  });

  it('reports a lost logger', () => {
    expect(checkNeverBelowReplicas([map(7, [slice(0, [replica(1), replica(2)], 1)])])).toEqual([
      'map v7: slice 0 of sim lists 2 data replicas and 0 loggers (configured 2 and 1)',
    ]);
  });

  it('lists at most ten findings', () => {
    const bad = Array.from({ length: 12 }, (_, i) => map(i, [slice(0, [replica(1)], 1)]));
    const found = checkNeverBelowReplicas(bad);
    expect(found).toHaveLength(11);
    expect(found[10]).toBe('… and 2 more');
  });
});

describe('checkBalanced', () => {
  const placement = (slices: Slice[]) => map(1, slices).placement;
  const nodes = map(1, []).nodes;

  it('counts data copies and loggers per up node, an empty node included', () => {
    const p = placement([
      slice(0, [replica(1), replica(2), logger(3)], 1),
      slice(1, [replica(1), learner(3), logger(2)], 1, upper),
    ]);
    expect(nodeLoads(p, nodes)).toEqual([
      { node: 1, data: 2, loggers: 0 },
      { node: 2, data: 1, loggers: 1 },
      { node: 3, data: 1, loggers: 1 },
      { node: 4, data: 0, loggers: 0 },
    ]);
  });

  it('accepts counts within one of each other', () => {
    expect(
      checkBalanced([
        { node: 1, data: 2, loggers: 1 },
        { node: 2, data: 1, loggers: 1 },
        { node: 3, data: 2, loggers: 0 },
      ]),
    ).toEqual([]);
  });

  it('reports a new node left empty', () => {
    const found = checkBalanced([
      { node: 1, data: 3, loggers: 1 },
      { node: 2, data: 3, loggers: 1 },
      { node: 4, data: 0, loggers: 0 },
    ]);
    expect(found).toEqual([
      'data copies are not balanced (counts differ by more than 1): n1: 3 data, 1 loggers; ' +
        'n2: 3 data, 1 loggers; n4: 0 data, 0 loggers',
    ]);
  });

  it('accepts uneven counts when the bytes are within ×1.25, and not beyond', () => {
    const loads = (small: number) => [
      { node: 1, data: 4, loggers: 1, bytes: 1_000 },
      { node: 2, data: 2, loggers: 1, bytes: small },
    ];
    expect(checkBalanced(loads(800))).toEqual([]);
    expect(checkBalanced(loads(799))[0]).toMatch(/bytes by more than ×1.25/);
  });

  it('reports loggers piled on one node', () => {
    expect(
      checkBalanced([
        { node: 1, data: 2, loggers: 3 },
        { node: 2, data: 2, loggers: 1 },
      ])[0],
    ).toMatch(/^loggers are not balanced/);
  });
});

describe('checkDrain', () => {
  const start = map(1, [
    slice(0, [replica(1), replica(2), logger(3)], 1),
    slice(1, [replica(2), replica(3), logger(1)], 2, upper),
  ]);
  const reranked = map(2, [
    slice(0, [replica(1), replica(2), logger(3)], 2),
    slice(1, [replica(2), replica(3), logger(1)], 2, upper),
  ]);
  const moving = map(3, [
    slice(0, [replica(1), replica(2), logger(3), learner(4)], 2),
    slice(1, [replica(2), replica(3), logger(1)], 2, upper),
  ]);
  const moved = map(4, [
    slice(0, [replica(2), logger(3), replica(4)], 2),
    slice(1, [replica(2), replica(3), logger(1)], 2, upper),
  ]);
  const empty = map(5, [
    slice(0, [replica(2), logger(3), replica(4)], 2),
    slice(1, [replica(2), replica(3), logger(4)], 2, upper),
  ]);

  it('accepts ranking off first, then the members moved away', () => {
    expect(checkDrain([start, reranked, moving, moved, empty], 1)).toEqual([]);
  });

  it('reports members leaving while the node still ranks a slice', () => {
    const early = map(2, [
      slice(0, [replica(1), replica(2), replica(4)], 1),
      slice(1, [replica(2), replica(3), logger(4)], 2, upper),
    ]);
    expect(checkDrain([start, early], 1)).toEqual([
      'drain of n1: its members started leaving at map v2 while it still ranked slices ' +
        '(it ranked none from no map)',
      'drain of n1: the last map (v2) still places it in slices 0',
    ]);
  });

  it('reports a node that is not empty at the end', () => {
    expect(checkDrain([start, reranked, moving, moved], 1)).toEqual([
      'drain of n1: the last map (v4) still places it in slices 1',
    ]);
  });

  it('reports a new member placed on the draining node', () => {
    const onto = map(3, [
      slice(0, [replica(2), logger(3), replica(4)], 2),
      slice(1, [replica(2), replica(3), logger(1)], 2, upper),
      slice(2, [replica(1), replica(2), logger(3)], 2, [hashSpaceEnd, hashSpaceEnd]),
    ]);
    expect(checkDrain([start, reranked, onto, empty], 1)[0]).toBe(
      'drain of n1: map v3 places new members on it (slices 2)',
    );
  });
});

describe('checkMembersUnchanged', () => {
  const before = map(1, [slice(0, [replica(1), replica(2), logger(3)], 1)]);

  it('accepts a re-rank', () => {
    const after = map(2, [slice(0, [replica(1), replica(2), logger(3)], 2)]);
    expect(checkMembersUnchanged([before, after])).toEqual([]);
  });

  it('reports a member that moved, and a slice that appeared', () => {
    const after = map(2, [
      slice(0, [replica(1), replica(4), logger(3)], 1),
      slice(1, [replica(1), replica(2), logger(3)], 1, upper),
    ]);
    expect(checkMembersUnchanged([before, after])).toEqual([
      'map v2: slice 0 members [n1:replica,n3:logger,n4:replica], were [n1:replica,n2:replica,n3:logger]',
      'map v2: slice 1 is new',
    ]);
  });

  it('reports a slice that vanished', () => {
    expect(checkMembersUnchanged([before, map(2, [])])).toEqual(['map v2: slice 0 is gone']);
  });
});

describe('checkCoverage', () => {
  const members = [replica(1), replica(2), logger(3)];

  it('accepts a split into two halves', () => {
    const whole = map(1, [slice(0, members, 1, [0n, hashSpaceEnd])]);
    const split = map(2, [slice(0, members, 1), slice(1, members, 1, upper)]);
    expect(checkCoverage([whole, split])).toEqual([]);
  });

  it('reports a gap, an overlap and a short end', () => {
    const gap = map(2, [slice(0, members, 1, [0n, half - 1n]), slice(1, members, 1, upper)]);
    const overlap = map(3, [slice(0, members, 1), slice(1, members, 1, [half - 1n, hashSpaceEnd])]);
    const short = map(4, [slice(0, members, 1)]);
    const found = checkCoverage([gap, overlap, short]);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^map v2: sim slice 1 covers .* expected it to start at/);
    expect(found[1]).toMatch(/^map v3: sim slice 1 covers/);
    expect(found[2]).toMatch(/^map v4: sim slices end at .* not at the end of the hash space$/);
  });
});
