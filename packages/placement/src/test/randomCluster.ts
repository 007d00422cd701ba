import type { ClusterNode, NodeState, Placement, RepresentationSpec } from '../model';
import type { Prng } from './prng';

export interface RandomCluster {
  readonly nodes: ClusterNode[];
  readonly specs: RepresentationSpec[];
}

/** A cluster of 3..12 nodes over 1..4 zones, with 1..3 tables or indexes to place. */
export function randomCluster(rng: Prng): RandomCluster {
  const zones = ['a', 'b', 'c', 'd'].slice(0, rng.int(1, 4));
  const nodes: ClusterNode[] = [];
  const count = rng.int(3, 12);
  for (let id = 1; id <= count; id++) nodes.push({ id, zone: rng.pick(zones), state: 'up' });
  const specs: RepresentationSpec[] = [];
  const reps = rng.int(1, 3);
  for (let id = 1; id <= reps; id++) {
    specs.push({
      id,
      name: `rep${id}`,
      replicas: rng.int(1, 3),
      loggers: rng.int(0, 3) === 0 ? 1 : 0,
      learners: rng.int(0, 4) === 0 ? 1 : 0,
      ...(rng.int(0, 1) === 0 ? { sliceCount: rng.int(1, 16) } : {}),
    });
  }
  return { nodes, specs };
}

/** Most members any slice of the placement asks for. */
export function widestSlice(specs: readonly RepresentationSpec[]): number {
  return Math.max(...specs.map((s) => (s.replicas ?? 2) + (s.loggers ?? 0) + (s.learners ?? 0)));
}

/**
 * Takes some up nodes out (down, draining or removed), but leaves at least `keepUp` up, so
 * that repair can restore every slice in full.
 */
export function failSomeNodes(
  rng: Prng,
  nodes: readonly ClusterNode[],
  keepUp: number,
): ClusterNode[] {
  const states: NodeState[] = ['down', 'draining', 'removed'];
  let up = nodes.filter((n) => n.state === 'up').length;
  return nodes.map((n) => {
    if (n.state !== 'up' || up <= keepUp || rng.int(0, 3) !== 0) return n;
    up -= 1;
    return { ...n, state: rng.pick(states) };
  });
}

export function liveReplicaCounts(
  placement: Placement,
  nodes: readonly ClusterNode[],
): Map<number, number> {
  const up = new Set(nodes.filter((n) => n.state === 'up').map((n) => n.id));
  const counts = new Map<number, number>();
  for (const rep of placement.representations) {
    for (const s of rep.slices) {
      counts.set(s.id, s.members.filter((m) => m.role === 'replica' && up.has(m.node)).length);
    }
  }
  return counts;
}
