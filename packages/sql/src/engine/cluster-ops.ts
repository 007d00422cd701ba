/**
 * ALTER CLUSTER KILL NODE n / RESTART NODE n: a DBA simulates the crash of a data node and
 * brings it back (demos, failover tests). The engine never touches the cluster: the host that
 * runs the data nodes in its own process (the embedded default, `tessera serve`) injects a
 * ClusterOpsPort; without one (a gateway in front of other processes, unit tests) the statement
 * answers 1235. SUPER is checked before this runs (statement-privileges.ts, 1227).
 *
 * Errors. MySQL has no codes for cluster nodes, so a node id that is not a positive integer is
 * 1210 ER_WRONG_ARGUMENTS ("Incorrect arguments to ..."), and an unknown node or a node in the
 * wrong state (killing a stopped node, restarting a running one) is 1105 ER_UNKNOWN_ERROR
 * (HY000) with a message that says what happened — the code MySQL itself uses for errors
 * without a dedicated one.
 *
 * Not built: ALTER CLUSTER ADD NODE, DRAIN NODE and REMOVE NODE answer 1235.
 */

import type { AlterCluster } from '../ast.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import type { EngineResult } from './ddl.js';

/** What a cluster operation did, as the host reports it. */
export type ClusterOpOutcome =
  | { readonly kind: 'done' }
  /** No data node has this id; `nodes`: the ids there are. */
  | { readonly kind: 'unknownNode'; readonly nodes: readonly number[] }
  /** KILL of a node already stopped. */
  | { readonly kind: 'notRunning' }
  /** RESTART of a node that runs. */
  | { readonly kind: 'alreadyRunning' };

/**
 * The host's data nodes, for ALTER CLUSTER KILL / RESTART NODE. Contract: `killNode` returns
 * once the node no longer serves (a crash: no heartbeats, Raft traffic or KV answers; its disk
 * kept); `restartNode` returns once the node runs again from its own disk (its replicas
 * recover and catch up afterwards, in the background). Neither throws for the outcomes above.
 */
export interface ClusterOpsPort {
  killNode(nodeId: number): Promise<ClusterOpOutcome>;
  restartNode(nodeId: number): Promise<ClusterOpOutcome>;
}

/** A node id's longest spelling: far above any cluster, and exact as a JS number. */
const NODE_ID_DIGITS_MAX = 9;

export async function alterCluster(
  stmt: AlterCluster,
  port: ClusterOpsPort | undefined,
): Promise<EngineResult> {
  switch (stmt.action) {
    case 'ADD NODE':
    case 'DRAIN NODE':
    case 'REMOVE NODE':
      throw new SqlNotSupportedError(`ALTER CLUSTER ${stmt.action} (not built yet)`, 0);
    case 'KILL NODE':
    case 'RESTART NODE':
      break;
  }
  if (port === undefined) {
    throw new SqlNotSupportedError(
      `ALTER CLUSTER ${stmt.action} outside the embedded cluster (this server does not run the data nodes)`,
      0,
    );
  }
  const nodeId = parseNodeId(stmt);
  const outcome =
    stmt.action === 'KILL NODE' ? await port.killNode(nodeId) : await port.restartNode(nodeId);
  switch (outcome.kind) {
    case 'done':
      return { kind: 'ok', affectedRows: 0, warnings: [] };
    case 'unknownNode':
      throw new SqlSemanticError(
        1105,
        'HY000',
        `Unknown data node ${nodeId} (the data nodes are ${outcome.nodes.join(', ') || 'none'})`,
      );
    case 'notRunning':
      throw new SqlSemanticError(1105, 'HY000', `Data node ${nodeId} is not running`);
    case 'alreadyRunning':
      throw new SqlSemanticError(1105, 'HY000', `Data node ${nodeId} is already running`);
  }
}

function parseNodeId(stmt: AlterCluster): number {
  const text = stmt.node ?? '';
  if (!/^[0-9]+$/.test(text) || text.length > NODE_ID_DIGITS_MAX || Number(text) === 0) {
    throw new SqlSemanticError(
      1210,
      'HY000',
      `Incorrect arguments to ALTER CLUSTER ${stmt.action}: '${text}' is not a node id (a positive integer)`,
    );
  }
  return Number(text);
}
