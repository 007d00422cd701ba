import type { ClusterView } from './cluster';
import type { ClusterNode, MemberRole, NodeId, SliceId, ZoneName } from './model';
import type { NodeTally, WorkingPlacement } from './workingPlacement';

export interface ChooseOptions {
  readonly role: MemberRole;
  /** Nodes that may not be chosen (besides the slice's own members). */
  readonly exclude?: ReadonlySet<NodeId>;
  /** Members about to leave the slice: their zones no longer count as covered. */
  readonly leaving?: ReadonlySet<NodeId>;
  /** The new member will be the ranking replica: balance ranking counts first. */
  readonly forRanking?: boolean;
}

/**
 * The best `up` node for a new member of a slice, or undefined when every up node already
 * holds one. Preference, in order: a zone where the slice has the fewest data replicas (for a
 * data replica) and the fewest members; the node with the fewest ranking replicas (when the
 * member will rank); the lightest node for the role; the fewest members; the lowest id.
 */
export function chooseNode(
  work: WorkingPlacement,
  view: ClusterView,
  sliceId: SliceId,
  options: ChooseOptions,
): ClusterNode | undefined {
  const slice = work.slice(sliceId);
  const taken = new Set(slice.members.map((m) => m.node));
  const replicasIn = new Map<ZoneName, number>();
  const membersIn = new Map<ZoneName, number>();
  for (const m of slice.members) {
    if (options.leaving?.has(m.node)) continue;
    membersIn.set(m.zone, (membersIn.get(m.zone) ?? 0) + 1);
    if (m.role === 'replica') replicasIn.set(m.zone, (replicasIn.get(m.zone) ?? 0) + 1);
  }
  let best: ClusterNode | undefined;
  let bestKey: number[] = [];
  for (const node of view.up) {
    if (taken.has(node.id) || options.exclude?.has(node.id)) continue;
    const key = [
      options.role === 'replica' ? (replicasIn.get(node.zone) ?? 0) : 0,
      membersIn.get(node.zone) ?? 0,
      options.forRanking === true ? work.tally(node.id).rankings : 0,
      ...loadKey(work.tally(node.id), options.role),
      node.id,
    ];
    if (best === undefined || compareKeys(key, bestKey) < 0) {
      best = node;
      bestKey = key;
    }
  }
  return best;
}

function loadKey(t: NodeTally, role: MemberRole): number[] {
  const total = t.replicas + t.loggers + t.learners;
  switch (role) {
    case 'replica':
      return [t.data, t.replicas, total];
    case 'learner':
      return [t.data, t.learners, total];
    case 'logger':
      return [t.loggers, total];
  }
}

/** Lexicographic order of equal-length number keys. */
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
