/**
 * Sessions as SQL: the gateway's connections as SHOW [FULL] PROCESSLIST,
 * `information_schema.PROCESSLIST` and `system.sessions`, and KILL [CONNECTION | QUERY].
 *
 * The engine does not know connections; the gateway does. It injects a {@link ProcessPort}
 * into each session (SessionDeps.processes), bound to that session's connection:
 *
 *   SqlSession ──list / kill / status / statementStarted──► ProcessPort
 *                                                  (the gateway's ProcessRegistry over its
 *                                                   MysqlServer; the engine never imports it)
 *
 * Scope: one gateway. `list()` holds the connections of the gateway this session is on; a
 * connection on another gateway is an unknown id (1094) until gateways register their
 * sessions with the control plane (not built).
 *
 * KILL follows MySQL 8: KILL QUERY interrupts the victim's running statement (it answers
 * 1317 ER_QUERY_INTERRUPTED, its writes undone, the connection stays); KILL [CONNECTION]
 * closes the victim's connection (a running statement is interrupted and rolled back; the
 * client sees the connection lost, CR_SERVER_LOST 2013, as with MySQL 8, which sends no
 * packet). Killing your own connection answers 1317 and then closes it; KILL QUERY on your
 * own id answers 1317. An unknown id is 1094 "Unknown thread id: N".
 *
 * Statements stop cooperatively: `checkInterrupted` (DmlContext) is called between rows where
 * a statement reads from storage or writes, before an autocommit statement commits, and at every
 * pause of a statement's in-memory work (statement-work.ts: every slice of rows of a join,
 * sort or grouping lets the event loop run — so the KILL is read off its socket — then checks).
 * A correlated subquery's own loops run synchronously and do not pause. A commit already under
 * way ('waiting for handler commit') is not interrupted, as in MySQL: a KILL CONNECTION then
 * closes the connection and the commit completes.
 */
import type { Kill, Show } from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { bind } from '../eval/bind.js';
import type { EvalContext } from '../eval/context.js';
import { toInt } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import { longlong, varString } from '../eval/types.js';
import { datetime, int, str, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { partsFromEpochMicros } from '../eval/temporal.js';
import type { ColumnSchema, ColumnType } from '../schema/definition.js';
import type { EngineResult } from './ddl.js';
import type { SystemTable } from './system-tables.js';

export type KillScope = 'query' | 'connection';

/** One connection of the gateway, as SHOW PROCESSLIST and system.sessions show it. */
export interface ProcessInfo {
  /** The connection id (CONNECTION_ID(), the handshake's thread id). */
  readonly id: number;
  /** The authenticated user; 'unauthenticated user' while the handshake runs, as MySQL. */
  readonly user: string;
  /** The client's `address:port`. */
  readonly host: string;
  readonly database: string | undefined;
  /** MySQL's command names: Sleep, Query, Execute, Prepare, Init DB, Field List, Connect, Killed. */
  readonly command: string;
  /** Whole seconds in the current command (or idle). */
  readonly timeSeconds: number;
  /**
   * '' while idle, 'executing' while a command runs, 'waiting for handler commit' while its
   * transaction commits, 'login' during the handshake.
   */
  readonly state: string;
  /** The text of the running statement (whole; SHOW PROCESSLIST cuts it to 100 chars). */
  readonly info: string | undefined;
  readonly inTransaction: boolean;
  /** When the statement that opened the transaction started (µs since the Unix epoch). */
  readonly transactionStartedMicros: bigint | undefined;
  /** Statements run on this connection (COM_QUERY statements and prepared executions). */
  readonly statements: number;
  /** When the connection was accepted (µs since the Unix epoch). */
  readonly connectedMicros: bigint;
}

/**
 * What a session reads and does about connections; implemented by the gateway, one per
 * connection. Calls are synchronous and must not throw for an unknown id.
 */
export interface ProcessPort {
  /** Every connection of this gateway (the engine filters what the session's user may see). */
  list(): readonly ProcessInfo[];
  /**
   * KILL: 'query' interrupts the connection's running command (none running: nothing
   * happens), 'connection' closes it — the session's own connection after its answer.
   */
  kill(id: number, scope: KillScope): 'killed' | 'unknown';
  /** Status counters by name: the gateway's (GLOBAL) or this connection's (SESSION). */
  status(scope: 'global' | 'session'): ReadonlyMap<string, number>;
  /** A statement starts: counts Questions, Queries and the given Com_xxx counter. */
  statementStarted(counter: string): void;
  /**
   * The running statement's State, as MySQL 8 names it: 'executing' from its start (set by
   * the gateway), 'waiting for handler commit' while it commits.
   */
  stateChanged(state: string): void;
}

/**
 * The session asking, and what its account's global privileges allow (the session computes
 * them from its grants: SqlSession.processViewer is the one place that decides).
 */
export interface ProcessViewer {
  readonly connectionId: number;
  readonly user: string;
  /** PROCESS: it sees every connection, not only its own user's. */
  readonly seesAll: boolean;
  /**
   * SUPER: it may kill any connection. (MySQL 8 also grants this with the dynamic privilege
   * CONNECTION_ADMIN; dynamic privileges are not built.)
   */
  readonly killsAny: boolean;
}

/** MySQL: a user may kill its own user's connections, and any with CONNECTION_ADMIN / SUPER. */
export function mayKill(viewer: ProcessViewer, target: ProcessInfo): boolean {
  return viewer.killsAny || viewer.user === target.user;
}

/** The connections `viewer` may see: all with PROCESS, else those of its own user. */
export function visibleProcesses(port: ProcessPort, viewer: ProcessViewer): ProcessInfo[] {
  const all = [...port.list()].sort((a, b) => a.id - b.id);
  return viewer.seesAll ? all : all.filter((p) => p.user === viewer.user);
}

/** Without a gateway (an in-process session) there are no connections to show or kill. */
export function requirePort(port: ProcessPort | undefined, what: string): ProcessPort {
  if (port === undefined) {
    throw new SqlNotSupportedError(`${what} without a gateway (no connection registry)`, 0);
  }
  return port;
}

// ---- KILL ------------------------------------------------------------------------------------

export function queryInterrupted(): SqlSemanticError {
  return new SqlSemanticError(1317, '70100', 'Query execution was interrupted');
}

/**
 * KILL [CONNECTION | QUERY] expr: MySQL takes the expression's integer value (`KILL
 * CONNECTION_ID()` works; a column is 1054). Throws 1317 when the session killed itself.
 */
export function kill(
  stmt: Kill,
  ectx: EvalContext,
  port: ProcessPort,
  viewer: ProcessViewer,
): EngineResult {
  bind(stmt.id, [], { clause: 'field list', session: { database: ectx.session.database } });
  const value = evaluate(stmt.id, ectx);
  const id = value === null ? null : toInt(value, ectx.warn.bind(ectx));
  const shown = id ?? 0n;
  const unknown = () => new SqlSemanticError(1094, 'HY000', `Unknown thread id: ${shown}`);
  const target =
    id === null || id < 0n || id > 0xffffffffn
      ? undefined
      : port.list().find((p) => BigInt(p.id) === id);
  if (target === undefined) throw unknown();
  if (!mayKill(viewer, target)) {
    throw new SqlSemanticError(1095, 'HY000', `You are not owner of thread ${shown}`);
  }
  const scope: KillScope = stmt.scope === 'QUERY' ? 'query' : 'connection';
  if (port.kill(target.id, scope) === 'unknown') throw unknown();
  // MySQL: a session that killed itself gets no OK; its statement reports the interruption.
  if (target.id === viewer.connectionId) throw queryInterrupted();
  return { kind: 'ok', affectedRows: 0, warnings: [] };
}

// ---- SHOW PROCESSLIST ------------------------------------------------------------------------

/** SHOW PROCESSLIST cuts Info to this many characters; FULL shows it whole. */
const INFO_CHARS = 100;

const text = (v: string | undefined): SqlValue =>
  v === undefined ? null : str(v, defaultCollation);

/** SHOW [FULL] PROCESSLIST: Id, User, Host, db, Command, Time, State, Info. */
export function showProcesslist(stmt: Show, processes: readonly ProcessInfo[]): EngineResult {
  const info = (p: ProcessInfo) =>
    p.info === undefined || stmt.full ? p.info : p.info.slice(0, INFO_CHARS);
  return {
    kind: 'rows',
    columns: [
      { name: 'Id', type: longlong(21, false, true) },
      { name: 'User', type: varString(32, defaultCollation, false) },
      { name: 'Host', type: varString(261, defaultCollation, false) },
      { name: 'db', type: varString(64, defaultCollation) },
      { name: 'Command', type: varString(16, defaultCollation, false) },
      { name: 'Time', type: longlong(7, false) },
      { name: 'State', type: varString(30, defaultCollation) },
      { name: 'Info', type: varString(stmt.full ? 65_535 : INFO_CHARS, defaultCollation) },
    ],
    rows: processes.map((p) => [
      uint(p.id),
      str(p.user, defaultCollation),
      str(p.host, defaultCollation),
      text(p.database),
      str(p.command, defaultCollation),
      int(p.timeSeconds),
      str(p.state, defaultCollation),
      text(info(p)),
    ]),
    warnings: [],
  };
}

// ---- information_schema.PROCESSLIST and system.sessions --------------------------------------

/** What the virtual tables read besides the catalog: the connections the session may see. */
export interface LiveState {
  readonly processes?: () => readonly ProcessInfo[];
}

function column(id: number, name: string, type: ColumnType, nullable: boolean): ColumnSchema {
  return {
    id,
    name,
    type,
    nullable,
    default: { kind: 'none' },
    autoIncrement: false,
    onUpdateCurrentTimestamp: false,
  };
}

const varchar = (length: number, collation = defaultCollation.name): ColumnType => ({
  name: 'varchar',
  family: 'varchar',
  length,
  collation,
});
const ubigint: ColumnType = { name: 'bigint', family: 'int', intBytes: 8, unsigned: true };
const intType: ColumnType = { name: 'int', family: 'int', intBytes: 4 };
const datetime6: ColumnType = { name: 'datetime', family: 'datetime', fsp: 6 };

function processesOf(live: LiveState | undefined, table: string): readonly ProcessInfo[] {
  const processes = live?.processes;
  if (processes === undefined) {
    throw new SqlNotSupportedError(`${table} without a gateway (no connection registry)`, 0);
  }
  return processes();
}

const at = (micros: bigint): SqlValue => datetime(partsFromEpochMicros(micros, 0), 6);

/** information_schema.PROCESSLIST, as MySQL 8 (INFO whole, NULL when idle). */
export const processlistTable: SystemTable = {
  columns: [
    column(1, 'ID', ubigint, false),
    column(2, 'USER', varchar(32, 'utf8mb3_general_ci'), false),
    column(3, 'HOST', varchar(261, 'utf8mb3_general_ci'), false),
    column(4, 'DB', varchar(64, 'utf8mb3_general_ci'), true),
    column(5, 'COMMAND', varchar(16, 'utf8mb3_general_ci'), false),
    column(6, 'TIME', intType, false),
    column(7, 'STATE', varchar(64, 'utf8mb3_general_ci'), true),
    column(8, 'INFO', varchar(65_535, 'utf8mb3_general_ci'), true),
  ],
  rows: (_view, live) => processesOf(live, 'information_schema.PROCESSLIST').map(processCells),
};

/** The columns PROCESSLIST and system.sessions share: id … info. */
function processCells(p: ProcessInfo): SqlValue[] {
  return [
    uint(p.id),
    str(p.user, defaultCollation),
    str(p.host, defaultCollation),
    text(p.database),
    str(p.command, defaultCollation),
    int(p.timeSeconds),
    str(p.state, defaultCollation),
    text(p.info),
  ];
}

/**
 * system.sessions: one row per connection of this gateway (per-gateway until gateways register
 * their sessions with the control plane), with its transaction and statement count.
 */
export const sessionsTable: SystemTable = {
  columns: [
    column(1, 'connection_id', ubigint, false),
    column(2, 'user', varchar(32), false),
    column(3, 'host', varchar(261), false),
    column(4, 'db', varchar(64), true),
    column(5, 'command', varchar(16), false),
    column(6, 'time', intType, false),
    column(7, 'state', varchar(64), false),
    column(8, 'info', varchar(65_535), true),
    column(9, 'in_transaction', intType, false),
    column(10, 'transaction_started', datetime6, true),
    column(11, 'statements', ubigint, false),
    column(12, 'connected_at', datetime6, false),
  ],
  rows: (_view, live) =>
    processesOf(live, 'system.sessions').map((p) => [
      ...processCells(p),
      int(p.inTransaction ? 1 : 0),
      p.transactionStartedMicros === undefined ? null : at(p.transactionStartedMicros),
      uint(p.statements),
      at(p.connectedMicros),
    ]),
};
