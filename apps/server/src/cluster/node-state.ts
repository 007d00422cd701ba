/**
 * ALTER CLUSTER DRAIN / REMOVE NODE as control-plane commands: `setNodeState` through a
 * ControlClient, answered as ClusterOpOutcomes. Any process that reaches the control plane can
 * run them — the embedded cluster (embedded-cluster.ts) and a host that runs no data nodes
 * (`controlPlaneClusterOps` in cluster-ops.ts) alike.
 *
 * What the control plane decides (control-state.ts): `draining` is accepted for any node not
 * removed (the rebalancer then moves its replicas away); `removed` is refused while the node
 * still hosts slice members ("drain it first"); a removed node stays removed (its id is never
 * reused). The command is idempotent, so an attempt whose outcome is unknown (the leader
 * changed under it) is simply sent again.
 */
import type { ControlClient } from '@tessera/cluster';
import { ControlCallError } from '@tessera/cluster';
import type { ClusterOpOutcome } from '@tessera/sql';

/** Attempts of one command whose outcome stayed unknown (a leader change each). */
const ambiguousAttemptsMax = 3;

export async function changeNodeState(
  control: ControlClient,
  nodeId: number,
  state: 'draining' | 'removed',
): Promise<ClusterOpOutcome> {
  let registry;
  try {
    registry = (await control.state())?.nodes ?? [];
  } catch (error) {
    return unavailable(error);
  }
  const known = registry.find((n) => n.id === nodeId);
  if (known === undefined || known.state === 'removed') {
    const nodes = registry.filter((n) => n.state !== 'removed').map((n) => n.id);
    return { kind: 'unknownNode', nodes: nodes.sort((a, b) => a - b) };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      // atMs: the control service stamps the leader's time into node-state commands.
      const result = await control.command({ kind: 'setNodeState', nodeId, state, atMs: 0 });
      return result.kind === 'rejected'
        ? { kind: 'refused', reason: result.reason }
        : { kind: 'done' };
    } catch (error) {
      const ambiguous = error instanceof ControlCallError && error.kind === 'ambiguous';
      if (!ambiguous || attempt >= ambiguousAttemptsMax) return unavailable(error);
    }
  }
}

function unavailable(error: unknown): ClusterOpOutcome {
  const why = error instanceof Error ? error.message : String(error);
  return { kind: 'refused', reason: `the control plane did not answer (${why})` };
}
