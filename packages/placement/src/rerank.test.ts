import { describe, expect, it } from 'vitest';
import { applyChanges } from './applyChanges';
import { planInitialPlacement } from './initialPlacement';
import type { ClusterNode, LoadReport, Placement } from './model';
import { planRebalance, planRerank } from './rebalance';

const nodes: ClusterNode[] = ['a', 'b', 'c'].map((zone, i) => ({ id: i + 1, zone, state: 'up' }));

function placement(): Placement {
  const rep = planInitialPlacement({ id: 1, name: 't', sliceCount: 6, replicas: 2 }, nodes);
  return { representations: [rep] };
}

/** Reads/s each node serves: the reads of the slices it ranks. */
function readsPerNode(p: Placement, load: LoadReport): Map<number, number> {
  const reads = new Map(nodes.map((n) => [n.id, 0]));
  for (const s of p.representations.flatMap((r) => r.slices)) {
    reads.set(
      s.rankingReplica,
      (reads.get(s.rankingReplica) ?? 0) + (load.get(s.id)?.readsPerSec ?? 0),
    );
  }
  return reads;
}

describe('planRerank', () => {
  it('moves rankings off the node serving the most reads, promotions only, and ends', () => {
    const p = placement();
    const slices = p.representations.flatMap((r) => r.slices);
    const load: LoadReport = new Map(
      slices.map((s) => [s.id, { bytes: 1_000, readsPerSec: s.rankingReplica === 1 ? 300 : 10 }]),
    );
    const changes = planRerank(p, nodes, { load });
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.kind).toBe('promote');
    expect(changes[0]).toMatchObject({ from: 1 });
    const after = applyChanges(p, changes);
    // Members untouched; the hottest node serves less than before.
    expect(after.representations[0]?.slices.map((s) => s.members)).toEqual(
      slices.map((s) => s.members),
    );
    const before = readsPerNode(p, load);
    const now = readsPerNode(after, load);
    expect(Math.max(...now.values())).toBeLessThan(Math.max(...before.values()));
    // A fixpoint: planned again on the result, nothing more helps.
    expect(planRerank(after, nodes, { load })).toEqual([]);
  });

  it('changes nothing when reads are even', () => {
    const p = placement();
    const load: LoadReport = new Map(
      p.representations[0]?.slices.map((s) => [s.id, { bytes: 1, readsPerSec: 50 }]) ?? [],
    );
    expect(planRerank(p, nodes, { load })).toEqual([]);
  });
});

describe('fixed slices', () => {
  it('are neither moved nor re-ranked; the plans work around them', () => {
    const p = placement();
    const slices = p.representations.flatMap((r) => r.slices);
    const load: LoadReport = new Map(
      slices.map((s) => [s.id, { bytes: 1_000, readsPerSec: s.rankingReplica === 1 ? 300 : 10 }]),
    );
    const hot = slices.filter((s) => s.rankingReplica === 1).map((s) => s.id);
    const [first] = hot;
    if (first === undefined) throw new Error('n1 ranks nothing');
    const reranks = planRerank(p, nodes, { load, fixed: new Set([first]) });
    expect(reranks.length).toBeGreaterThan(0);
    expect(reranks.some((c) => c.slice === first)).toBe(false);
    expect(planRerank(p, nodes, { load, fixed: new Set(hot) })).toEqual([]);

    // A fourth node joins: every move avoids the fixed slices.
    const four: ClusterNode[] = [...nodes, { id: 4, zone: 'a', state: 'up' }];
    const fixed = new Set(slices.slice(0, 3).map((s) => s.id));
    const moves = planRebalance(p, four, { load, fixed });
    expect(moves.some((c) => c.kind === 'addLearner')).toBe(true);
    expect(moves.filter((c) => fixed.has(c.slice))).toEqual([]);
  });
});
