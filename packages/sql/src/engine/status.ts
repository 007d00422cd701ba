/**
 * SHOW [GLOBAL | SESSION] STATUS [LIKE 'pattern']: MySQL's status variables that Tessera really
 * counts — nothing shown here is a constant standing in for a counter we do not keep.
 *
 * The gateway keeps the counters (ProcessPort.status): Uptime, Threads_connected,
 * Threads_running, Connections, Aborted_connects, Bytes_received, Bytes_sent, Questions,
 * Queries, and the Com_xxx counter of every statement (the session names it through
 * `statementStarted(comCounter(stmt))`). SESSION scope shows this connection's Questions,
 * Queries, Bytes_* and Com_xxx, and the gateway's values for the others, as MySQL does for
 * variables without a session value. The SQL session adds its own counters to SESSION scope:
 * Tessera_plan_cache_hits / _misses (the COM_QUERY shape cache, query-shape.ts), not summed
 * gateway-wide, so absent from GLOBAL. Not kept (so not shown): Slow_queries, handler and
 * InnoDB counters, Opened_tables and the rest of MySQL's ~400 variables.
 */
import type { Show, Statement } from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlNotSupportedError } from '../errors.js';
import { varString } from '../eval/types.js';
import { str } from '../eval/value.js';
import type { EngineResult } from './ddl.js';
import { likeRegExp } from './describe.js';
import type { ProcessPort } from './processes.js';

/** MySQL's Com_xxx counter for a statement (the `SHOW GLOBAL STATUS LIKE 'Com_%'` names). */
export function comCounter(stmt: Statement): string {
  switch (stmt.kind) {
    case 'select':
    case 'union':
      return 'Com_select';
    case 'insert':
      if (stmt.replace) return stmt.source.kind === 'query' ? 'Com_replace_select' : 'Com_replace';
      return stmt.source.kind === 'query' ? 'Com_insert_select' : 'Com_insert';
    case 'update':
      return stmt.tables.length === 1 && stmt.tables[0]?.kind === 'table'
        ? 'Com_update'
        : 'Com_update_multi';
    case 'delete':
      return stmt.targets === undefined ? 'Com_delete' : 'Com_delete_multi';
    case 'createTable':
      return 'Com_create_table';
    case 'dropTable':
      return 'Com_drop_table';
    case 'truncate':
      return 'Com_truncate';
    case 'renameTable':
      return 'Com_rename_table';
    case 'alterTable':
      return 'Com_alter_table';
    case 'createIndex':
      return 'Com_create_index';
    case 'dropIndex':
      return 'Com_drop_index';
    case 'createDatabase':
      return 'Com_create_db';
    case 'dropDatabase':
      return 'Com_drop_db';
    case 'alterDatabase':
      return 'Com_alter_db';
    case 'use':
      return 'Com_change_db';
    case 'set':
    case 'setTransaction':
      return 'Com_set_option';
    case 'show':
      return showCounter(stmt);
    case 'describe':
      return 'Com_show_fields';
    case 'explain':
      return comCounter(stmt.statement);
    case 'begin':
      return 'Com_begin';
    case 'commit':
      return 'Com_commit';
    case 'rollback':
      return stmt.savepoint === undefined ? 'Com_rollback' : 'Com_rollback_to_savepoint';
    case 'savepoint':
      return 'Com_savepoint';
    case 'releaseSavepoint':
      return 'Com_release_savepoint';
    case 'lockTables':
      return 'Com_lock_tables';
    case 'unlockTables':
      return 'Com_unlock_tables';
    case 'kill':
      return 'Com_kill';
    case 'createUser':
      return 'Com_create_user';
    case 'alterUser':
      return 'Com_alter_user';
    case 'dropUser':
      return 'Com_drop_user';
    case 'grant':
      return 'Com_grant';
    case 'revoke':
      return 'Com_revoke';
    case 'flush':
      return 'Com_flush';
    case 'alterCluster':
      return 'Com_alter_cluster';
    case 'do':
      return 'Com_do';
  }
}

function showCounter(stmt: Show): string {
  switch (stmt.target) {
    case 'DATABASES':
      return 'Com_show_databases';
    case 'TABLES':
      return 'Com_show_tables';
    case 'COLUMNS':
      return 'Com_show_fields';
    case 'INDEX':
      return 'Com_show_keys';
    case 'CREATE TABLE':
      return 'Com_show_create_table';
    case 'CREATE DATABASE':
      return 'Com_show_create_db';
    case 'CREATE VIEW':
      return 'Com_show_create_table';
    case 'VARIABLES':
      return 'Com_show_variables';
    case 'STATUS':
      return 'Com_show_status';
    case 'WARNINGS':
    case 'COUNT WARNINGS':
      return 'Com_show_warnings';
    case 'ERRORS':
    case 'COUNT ERRORS':
      return 'Com_show_errors';
    case 'PROCESSLIST':
      return 'Com_show_processlist';
    case 'ENGINES':
      return 'Com_show_storage_engines';
    case 'CHARSET':
      return 'Com_show_charsets';
    case 'COLLATION':
      return 'Com_show_collations';
    case 'GRANTS':
      return 'Com_show_grants';
    case 'TABLE STATUS':
      return 'Com_show_table_status';
    case 'PRIVILEGES':
      return 'Com_show_privileges';
    case 'PLUGINS':
      return 'Com_show_plugins';
    case 'MASTER STATUS':
      return 'Com_show_master_status';
    case 'BINARY LOGS':
      return 'Com_show_binlogs';
    case 'TRIGGERS':
      return 'Com_show_triggers';
    case 'EVENTS':
      return 'Com_show_events';
    case 'FUNCTION STATUS':
      return 'Com_show_function_status';
    case 'PROCEDURE STATUS':
      return 'Com_show_procedure_status';
    case 'OPEN TABLES':
      return 'Com_show_open_tables';
  }
}

/**
 * Every Com_xxx counter a statement can move, for SHOW STATUS to list at 0 before its first
 * use (MySQL lists them all). The prepared-statement ones are counted by the gateway.
 */
const comCounterNames: readonly string[] = [
  'Com_alter_cluster',
  'Com_alter_db',
  'Com_alter_table',
  'Com_alter_user',
  'Com_begin',
  'Com_change_db',
  'Com_commit',
  'Com_create_db',
  'Com_create_index',
  'Com_create_table',
  'Com_create_user',
  'Com_delete',
  'Com_delete_multi',
  'Com_do',
  'Com_drop_db',
  'Com_drop_index',
  'Com_drop_table',
  'Com_drop_user',
  'Com_flush',
  'Com_grant',
  'Com_insert',
  'Com_insert_select',
  'Com_kill',
  'Com_lock_tables',
  'Com_release_savepoint',
  'Com_rename_table',
  'Com_replace',
  'Com_replace_select',
  'Com_revoke',
  'Com_rollback',
  'Com_rollback_to_savepoint',
  'Com_savepoint',
  'Com_select',
  'Com_set_option',
  'Com_show_binlogs',
  'Com_show_charsets',
  'Com_show_collations',
  'Com_show_create_db',
  'Com_show_create_table',
  'Com_show_databases',
  'Com_show_errors',
  'Com_show_events',
  'Com_show_fields',
  'Com_show_function_status',
  'Com_show_grants',
  'Com_show_keys',
  'Com_show_master_status',
  'Com_show_open_tables',
  'Com_show_plugins',
  'Com_show_privileges',
  'Com_show_procedure_status',
  'Com_show_processlist',
  'Com_show_status',
  'Com_show_storage_engines',
  'Com_show_table_status',
  'Com_show_tables',
  'Com_show_triggers',
  'Com_show_variables',
  'Com_show_warnings',
  'Com_stmt_close',
  'Com_stmt_execute',
  'Com_stmt_prepare',
  'Com_truncate',
  'Com_unlock_tables',
  'Com_update',
  'Com_update_multi',
];

/**
 * SHOW [GLOBAL | SESSION] STATUS [LIKE]: Variable_name, Value, sorted by name as MySQL.
 * `session`: the counters the SQL session keeps itself (Tessera_plan_cache_hits / _misses),
 * shown in SESSION scope only — no gateway-wide sum of them is kept.
 */
export function showStatus(
  stmt: Show,
  port: ProcessPort,
  session: Readonly<Record<string, number>> = {},
): EngineResult {
  if (stmt.where !== undefined) throw new SqlNotSupportedError('SHOW STATUS WHERE', stmt.pos);
  const like = stmt.like === undefined ? undefined : likeRegExp(stmt.like);
  const global = stmt.scope === 'GLOBAL';
  const counted = port.status(global ? 'global' : 'session');
  const values = new Map<string, number>(comCounterNames.map((name) => [name, 0]));
  for (const [name, value] of counted) values.set(name, value);
  if (!global) for (const [name, value] of Object.entries(session)) values.set(name, value);
  const rows = [...values]
    .filter(([name]) => like?.test(name) ?? true)
    .sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : 1))
    .map(([name, value]) => [str(name, defaultCollation), str(String(value), defaultCollation)]);
  return {
    kind: 'rows',
    columns: [
      { name: 'Variable_name', type: varString(64, defaultCollation, false) },
      { name: 'Value', type: varString(1024, defaultCollation) },
    ],
    rows,
    warnings: [],
  };
}
