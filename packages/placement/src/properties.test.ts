import { describe, expect, it } from 'vitest';
import { applyChanges } from './applyChanges';
import type { PlacementChange } from './changes';
import { hashSpaceEnd } from './hashSpace';
import { planInitialPlacement } from './initialPlacement';
import type { ClusterNode, Placement, SliceLoad } from './model';
import { planRebalance } from './rebalance';
import { planRankingRepair, planRepair } from './repair';
import { expectedMembers } from './rules';
import { sliceFor, splitSlice } from './sliceMap';
import { Prng } from './test/prng';
import { failSomeNodes, liveReplicaCounts, randomCluster, widestSlice } from './test/randomCluster';
import { validatePlacement } from './validate';

const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

function placeAll(
  nodes: readonly ClusterNode[],
  specs: ReturnType<typeof randomCluster>['specs'],
): Placement {
  let placement: Placement = { representations: [] };
  for (const spec of specs) {
    const rep = planInitialPlacement(spec, nodes, { existing: placement });
    placement = { representations: [...placement.representations, rep] };
  }
  return placement;
}

/**
 * Applies changes one at a time and checks, after every step, that no slice has fewer live
 * data replicas than it started with (or than it needs, if it started with a surplus).
 */
function applyStepwise(
  placement: Placement,
  changes: readonly PlacementChange[],
  nodes: readonly ClusterNode[],
): Placement {
  const upCount = nodes.filter((n) => n.state === 'up').length;
  const start = liveReplicaCounts(placement, nodes);
  const wanted = new Map<number, number>();
  for (const rep of placement.representations) {
    for (const s of rep.slices)
      wanted.set(s.id, expectedMembers(rep.replication, upCount).replicas);
  }
  let current = placement;
  for (const change of changes) {
    current = applyChanges(current, [change]);
    for (const [slice, live] of liveReplicaCounts(current, nodes)) {
      const floor = Math.min(start.get(slice) ?? 0, wanted.get(slice) ?? 0);
      expect(live, `slice ${slice} after ${change.kind}`).toBeGreaterThanOrEqual(floor);
    }
  }
  return current;
}

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

describe('placement properties over random clusters', () => {
  it.each(seeds)('seed %i: initial placement is valid and ranking-balanced', (seed) => {
    const rng = new Prng(seed);
    const { nodes, specs } = randomCluster(rng);
    const placement = placeAll(nodes, specs);
    expect(validatePlacement(placement, nodes)).toEqual([]);
    const rankings = nodes.map(
      (n) =>
        placement.representations.flatMap((r) => r.slices).filter((s) => s.rankingReplica === n.id)
          .length,
    );
    expect(spread(rankings)).toBeLessThanOrEqual(1);
    expect(placeAll(nodes, specs)).toEqual(placement);
  });

  it.each(seeds)(
    'seed %i: repair after failures is valid, safe step by step, idempotent',
    (seed) => {
      const rng = new Prng(seed);
      const { nodes, specs } = randomCluster(rng);
      const placement = placeAll(nodes, specs);
      const failed = failSomeNodes(rng, nodes, widestSlice(specs));
      const changes = planRepair(placement, failed);
      const repaired = applyStepwise(placement, changes, failed);
      expect(validatePlacement(repaired, failed)).toEqual([]);
      expect(planRepair(repaired, failed)).toEqual([]);
      expect(planRepair(placement, failed)).toEqual(changes);
    },
  );

  it.each(seeds)(
    'seed %i: ranking repair only promotes live data replicas, heals every ranking it can, is a fixpoint',
    (seed) => {
      const rng = new Prng(seed);
      const { nodes, specs } = randomCluster(rng);
      const placement = placeAll(nodes, specs);
      // Any number of nodes out, even every replica of a slice: those slices stay as they are.
      const failed = failSomeNodes(rng, nodes, rng.int(1, nodes.length));
      const up = new Set(failed.filter((n) => n.state === 'up').map((n) => n.id));
      const changes = planRankingRepair(placement, failed);
      const before = new Map(
        placement.representations.flatMap((r) => r.slices).map((s) => [s.id, s]),
      );
      for (const change of changes) {
        const slice = before.get(change.slice);
        expect(slice?.rankingReplica).toBe(change.from);
        expect(up.has(change.from)).toBe(false);
        expect(up.has(change.to)).toBe(true);
        expect(slice?.members.find((m) => m.node === change.to)?.role).toBe('replica');
      }
      // At most one promotion per slice, and no member moves: only rankings change.
      expect(new Set(changes.map((c) => c.slice)).size).toBe(changes.length);
      const reranked = applyChanges(placement, changes);
      for (const slice of reranked.representations.flatMap((r) => r.slices)) {
        expect(slice.members).toEqual(before.get(slice.id)?.members);
        const live = slice.members.filter((m) => m.role === 'replica' && up.has(m.node));
        if (live.length > 0) expect(up.has(slice.rankingReplica), `slice ${slice.id}`).toBe(true);
      }
      expect(planRankingRepair(reranked, failed)).toEqual([]);
      // The slices planRepair's first step promotes (a surviving replica takes over). Which
      // survivor may differ: planRepair's later steps for earlier slices change the tallies.
      const firstStep = planRepair(placement, failed).filter(
        (c) =>
          c.kind === 'promote' &&
          !up.has(c.from) &&
          before.get(c.slice)?.members.some((m) => m.node === c.to && m.role === 'replica'),
      );
      const promoted = (list: readonly PlacementChange[]) =>
        list.map((c) => (c.kind === 'promote' ? [c.slice, c.from] : []));
      expect(promoted(changes)).toEqual(promoted(firstStep));
    },
  );

  it.each(seeds)(
    'seed %i: rebalance after growth is valid, safe, bounded, and a fixpoint',
    (seed) => {
      const rng = new Prng(seed);
      const { nodes, specs } = randomCluster(rng);
      let placement = placeAll(nodes, specs);
      const zones = [...new Set(nodes.map((n) => n.zone)), 'e'];
      const grown = [...nodes];
      for (let i = rng.int(1, 4); i > 0; i--) {
        grown.push({ id: grown.length + 1, zone: rng.pick(zones), state: 'up' });
      }
      // A new zone can make slices under-spread; that is repair's job, before rebalancing.
      placement = applyChanges(placement, planRepair(placement, grown));
      const load =
        rng.int(0, 1) === 0
          ? undefined
          : new Map<number, SliceLoad>(
              placement.representations
                .flatMap((r) => r.slices)
                .map((s) => [s.id, { bytes: rng.int(1, 1000), readsPerSec: rng.int(0, 500) }]),
            );
      const options = load === undefined ? {} : { load };
      const limited = planRebalance(placement, grown, { ...options, maxChanges: 10 });
      expect(limited.length).toBeLessThanOrEqual(10);
      const changes = planRebalance(placement, grown, { ...options, maxChanges: 100_000 });
      const balanced = applyStepwise(placement, changes, grown);
      expect(validatePlacement(balanced, grown)).toEqual([]);
      expect(planRebalance(balanced, grown, { ...options, maxChanges: 100_000 })).toEqual([]);
      if (load === undefined && new Set(grown.map((n) => n.zone)).size === 1) {
        // One zone imposes no spread constraint, so counts can always even out.
        const copies = grown.map(
          (n) =>
            balanced.representations
              .flatMap((r) => r.slices)
              .filter((s) => s.members.some((m) => m.node === n.id && m.role !== 'logger')).length,
        );
        expect(spread(copies)).toBeLessThanOrEqual(1);
      }
    },
  );

  it.each(seeds)('seed %i: splits keep the hash space covered and sliceFor exact', (seed) => {
    const rng = new Prng(seed);
    const { nodes, specs } = randomCluster(rng);
    let placement = placeAll(nodes, specs);
    for (let i = 0; i < 20; i++) {
      const slices = placement.representations.flatMap((r) => r.slices);
      const victim = rng.pick(slices);
      if (victim.range.end - victim.range.start < 2n) continue;
      placement = splitSlice(placement, victim.id).placement;
    }
    expect(validatePlacement(placement, nodes)).toEqual([]);
    for (const rep of placement.representations) {
      for (let i = 0; i < 50; i++) {
        const hash = (BigInt(rng.int(0, 0xffff_ffff)) << 32n) | BigInt(rng.int(0, 0xffff_ffff));
        const owner = sliceFor(rep, hash);
        expect(owner.range.start <= hash && hash < owner.range.end).toBe(true);
      }
      expect(sliceFor(rep, 0n).range.start).toBe(0n);
      expect(sliceFor(rep, hashSpaceEnd - 1n).range.end).toBe(hashSpaceEnd);
    }
  });
});
