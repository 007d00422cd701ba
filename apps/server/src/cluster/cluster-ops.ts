/**
 * Cluster operations as the SQL engine's ClusterOpsPort (ALTER CLUSTER ... NODE) and the API's
 * cluster mutations use them, answered as outcomes rather than exceptions for an unknown node,
 * a node in the wrong state or a change the control plane refuses.
 *
 * - `embeddedClusterOps`: the embedded cluster runs the data nodes, so it does everything — ADD
 *   (`EmbeddedCluster.addNode`: a new in-process node), DRAIN / REMOVE (control-plane commands;
 *   a removed node is stopped and closed here), KILL (`stopNode`: a crash) and RESTART (from
 *   its own disk).
 * - `controlPlaneClusterOps`: a host that reaches the control plane but runs no data nodes
 *   (a gateway in front of `tessera data-node` processes): DRAIN / REMOVE only; ADD, KILL and
 *   RESTART answer `notHosted` (a new node joins by starting a `tessera data-node --join` process).
 */
import type { ControlClient } from '@tessera/cluster';
import type { ClusterOpOutcome, ClusterOpsPort } from '@tessera/sql';
import type { EmbeddedCluster } from './embedded-cluster';
import { changeNodeState } from './node-state';

export function embeddedClusterOps(cluster: EmbeddedCluster): ClusterOpsPort {
  return {
    addNode: async (zone) => {
      try {
        const added = await cluster.addNode(zone);
        return { kind: 'added', nodeId: added.id, zone: added.zone };
      } catch (error) {
        return { kind: 'refused', reason: error instanceof Error ? error.message : String(error) };
      }
    },
    drainNode: (nodeId) => cluster.drainNode(nodeId),
    removeNode: (nodeId) => cluster.removeNode(nodeId),
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

export function controlPlaneClusterOps(control: ControlClient): ClusterOpsPort {
  const notHosted = (): Promise<ClusterOpOutcome> => Promise.resolve({ kind: 'notHosted' });
  return {
    addNode: notHosted,
    drainNode: (nodeId) => changeNodeState(control, nodeId, 'draining'),
    removeNode: (nodeId) => changeNodeState(control, nodeId, 'removed'),
    killNode: notHosted,
    restartNode: notHosted,
  };
}

function unknown(cluster: EmbeddedCluster): ClusterOpOutcome {
  return { kind: 'unknownNode', nodes: cluster.nodeIds() };
}
