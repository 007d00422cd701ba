import { PlacementError } from './errors';
import type { ClusterNode, NodeId, ZoneName } from './model';

/** The facts about the cluster that every planner needs, computed once per plan. */
export interface ClusterView {
  readonly byId: ReadonlyMap<NodeId, ClusterNode>;
  /** Nodes that may receive new members, sorted by id. */
  readonly up: readonly ClusterNode[];
  /** Zones that hold at least one `up` node: the zones a slice can spread over today. */
  readonly zoneCount: number;
}

export function viewCluster(nodes: readonly ClusterNode[]): ClusterView {
  const byId = new Map<NodeId, ClusterNode>();
  for (const node of nodes) {
    if (byId.has(node.id)) {
      throw new PlacementError('invalid-argument', `node ${node.id} is listed twice`);
    }
    byId.set(node.id, node);
  }
  const up = nodes.filter((n) => n.state === 'up').sort((a, b) => a.id - b.id);
  const zones = new Set<ZoneName>(up.map((n) => n.zone));
  return { byId, up, zoneCount: zones.size };
}

export function isUp(view: ClusterView, node: NodeId): boolean {
  return view.byId.get(node)?.state === 'up';
}
