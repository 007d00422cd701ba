/**
 * The embedded cluster's operations as the SQL engine's ClusterOpsPort (ALTER CLUSTER KILL /
 * RESTART NODE) and the API's cluster mutations use them: a crash of one in-process data node
 * (`EmbeddedCluster.stopNode`) and its restart from its own disk (`restartNode`), answered as
 * outcomes rather than exceptions for an unknown node or a node in the wrong state.
 */
import type { ClusterOpOutcome, ClusterOpsPort } from '@tessera/sql';
import type { EmbeddedCluster } from './embedded-cluster';

export function embeddedClusterOps(cluster: EmbeddedCluster): ClusterOpsPort {
  return {
    killNode: (nodeId) => {
      const running = cluster.isRunning(nodeId);
      if (running === undefined) return Promise.resolve(unknown(cluster));
      if (!running) return Promise.resolve({ kind: 'notRunning' });
      cluster.stopNode(nodeId);
      return Promise.resolve({ kind: 'done' });
    },
    restartNode: async (nodeId) => {
      const running = cluster.isRunning(nodeId);
      if (running === undefined) return unknown(cluster);
      if (running) return { kind: 'alreadyRunning' };
      await cluster.restartNode(nodeId);
      return { kind: 'done' };
    },
  };
}

function unknown(cluster: EmbeddedCluster): ClusterOpOutcome {
  return { kind: 'unknownNode', nodes: cluster.nodeIds() };
}
