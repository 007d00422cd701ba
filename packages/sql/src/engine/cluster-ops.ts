/**
 * ALTER CLUSTER: a DBA changes the set of data nodes. The engine never touches the cluster: the
 * host injects a ClusterOpsPort and this module checks the statement, asks the port and turns
 * its outcome into an OK packet or a MySQL error. SUPER is checked before this runs
 * (statement-privileges.ts, 1227).
 *
 * | statement | what the port does | returns |
 * | --- | --- | --- |
 * | `ADD NODE [IN ZONE 'z']` | starts a new data node (embedded cluster: in process, the next free id, its own disk; without a zone, in the zone with the fewest nodes) and waits until the control plane registered it | OK, info `Node 4 added in zone 'b'` |
 * | `DRAIN NODE n` | marks the node `draining` in the control plane: the rebalancer moves its replicas away, in the background | at once; watch `system.nodes`, `system.replicas`, `system.rebalancer_activity` |
 * | `REMOVE NODE n` | marks the node `removed` — refused while it still holds slice members ("drain it first"); the embedded cluster then stops and closes the node | OK |
 * | `KILL NODE n` / `RESTART NODE n` | crash of a data node and its restart from its own disk (demos, failover tests) | OK |
 *
 * DRAIN and REMOVE are control-plane commands, so any host that reaches the control plane can
 * serve them; ADD, KILL and RESTART need the host to run the data nodes (the embedded default,
 * `tessera serve`), and elsewhere the port answers `notHosted`: 1235 (for ADD, with the hint to
 * start a `tessera data-node --join` process, which joins by itself). Without a port at all (unit
 * tests, a host that offers none) every ALTER CLUSTER answers 1235.
 *
 * Errors. MySQL has no codes for cluster nodes, so a node id that is not a positive integer or
 * a zone name that is not one (see `zoneNameProblem`) is 1210 ER_WRONG_ARGUMENTS ("Incorrect
 * arguments to ..."), and an unknown node, a node in the wrong state (killing a stopped node,
 * restarting a running one) or a change the control plane refuses (removing a node that holds
 * data) is 1105 ER_UNKNOWN_ERROR (HY000) with a message that says what happened — the code
 * MySQL itself uses for errors without a dedicated one.
 */

import type { AlterCluster } from '../ast.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import type { EngineResult } from './ddl.js';

/** What a cluster operation did, as the host reports it. */
export type ClusterOpOutcome =
  | { readonly kind: 'done' }
  /** ADD NODE: the new node runs and the control plane registered it. */
  | { readonly kind: 'added'; readonly nodeId: number; readonly zone: string }
  /** No data node has this id (or it was removed); `nodes`: the ids there are. */
  | { readonly kind: 'unknownNode'; readonly nodes: readonly number[] }
  /** KILL of a node already stopped. */
  | { readonly kind: 'notRunning' }
  /** RESTART of a node that runs. */
  | { readonly kind: 'alreadyRunning' }
  /** The control plane (or the host) refused the change; `reason` says why, for a DBA. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** This host does not run the data nodes (ADD / KILL / RESTART outside the embedded cluster). */
  | { readonly kind: 'notHosted' };

/**
 * The host's cluster operations. Contracts:
 * - `addNode` resolves once the new node runs and the control plane has registered it (`added`),
 *   placed in `zone` or, when undefined, where the host chooses (the embedded cluster: the zone
 *   with the fewest nodes). `zone` has passed `zoneNameProblem`.
 * - `drainNode` resolves once the node is `draining` in the control plane; emptying it is the
 *   rebalancer's, afterwards.
 * - `removeNode` resolves once the node is `removed` (the control plane refuses while it hosts
 *   slice members: `refused`), and the host stopped whatever of it runs here.
 * - `killNode` resolves once the node no longer serves (a crash: no heartbeats, Raft traffic or
 *   KV answers; its disk kept); `restartNode` once it runs again from its own disk (its
 *   replicas recover and catch up afterwards, in the background).
 * None throws for the outcomes above.
 */
export interface ClusterOpsPort {
  addNode(zone: string | undefined): Promise<ClusterOpOutcome>;
  drainNode(nodeId: number): Promise<ClusterOpOutcome>;
  removeNode(nodeId: number): Promise<ClusterOpOutcome>;
  killNode(nodeId: number): Promise<ClusterOpOutcome>;
  restartNode(nodeId: number): Promise<ClusterOpOutcome>;
}

/** A node id's longest spelling: far above any cluster, and exact as a JS number. */
const NODE_ID_DIGITS_MAX = 9;

/** A zone name's longest spelling (a label, like a MySQL identifier's 64). */
export const ZONE_NAME_LENGTH_MAX = 64;
const zoneNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Why `zone` is not a zone name, or undefined when it is one: 1..64 characters, letters, digits,
 * `_`, `.` and `-`, starting with a letter or digit (zones appear in system tables, logs and
 * the cluster file; nothing there needs quoting).
 */
export function zoneNameProblem(zone: string): string | undefined {
  if (zone.length === 0) return 'a zone name cannot be empty';
  if (zone.length > ZONE_NAME_LENGTH_MAX) {
    return `a zone name has at most ${ZONE_NAME_LENGTH_MAX} characters`;
  }
  if (!zoneNamePattern.test(zone)) {
    return 'a zone name is letters, digits, _, . and -, starting with a letter or digit';
  }
  return undefined;
}

export async function alterCluster(
  stmt: AlterCluster,
  port: ClusterOpsPort | undefined,
): Promise<EngineResult> {
  if (port === undefined) throw notHosted(stmt.action);
  // Arguments are checked (1210) before the port hears of the statement.
  const node = stmt.action === 'ADD NODE' ? 'a data node' : `data node ${parseNodeId(stmt)}`;
  const outcome = await ask(stmt, port);
  switch (outcome.kind) {
    case 'done':
      return { kind: 'ok', affectedRows: 0, warnings: [] };
    case 'added':
      return {
        kind: 'ok',
        affectedRows: 0,
        warnings: [],
        info: `Node ${outcome.nodeId} added in zone '${outcome.zone}'`,
      };
    case 'unknownNode':
      throw new SqlSemanticError(
        1105,
        'HY000',
        `Unknown ${node} (the data nodes are ${outcome.nodes.join(', ') || 'none'})`,
      );
    case 'notRunning':
      throw new SqlSemanticError(1105, 'HY000', `${capitalized(node)} is not running`);
    case 'alreadyRunning':
      throw new SqlSemanticError(1105, 'HY000', `${capitalized(node)} is already running`);
    case 'refused': {
      const verb = stmt.action.slice(0, stmt.action.indexOf(' ')).toLowerCase();
      throw new SqlSemanticError(1105, 'HY000', `Cannot ${verb} ${node}: ${outcome.reason}`);
    }
    case 'notHosted':
      throw notHosted(stmt.action);
  }
}

function ask(stmt: AlterCluster, port: ClusterOpsPort): Promise<ClusterOpOutcome> {
  switch (stmt.action) {
    case 'ADD NODE':
      return port.addNode(stmt.zone === undefined ? undefined : checkZone(stmt.zone));
    case 'DRAIN NODE':
      return port.drainNode(parseNodeId(stmt));
    case 'REMOVE NODE':
      return port.removeNode(parseNodeId(stmt));
    case 'KILL NODE':
      return port.killNode(parseNodeId(stmt));
    case 'RESTART NODE':
      return port.restartNode(parseNodeId(stmt));
  }
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function notHosted(action: AlterCluster['action']): SqlNotSupportedError {
  const hint =
    action === 'ADD NODE'
      ? '; start a data-node process (tessera data-node --join), it joins the cluster by itself'
      : '';
  return new SqlNotSupportedError(
    `ALTER CLUSTER ${action} outside the embedded cluster (this server does not run the data nodes${hint})`,
    0,
  );
}

function checkZone(zone: string): string {
  const problem = zoneNameProblem(zone);
  if (problem !== undefined) {
    throw new SqlSemanticError(
      1210,
      'HY000',
      `Incorrect arguments to ALTER CLUSTER ADD NODE: '${zone.slice(0, ZONE_NAME_LENGTH_MAX + 1)}' is not a zone name (${problem})`,
    );
  }
  return zone;
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
