/**
 * What each statement needs, checked before it runs against the account's grants as of the
 * statement's start (MySQL applies a GRANT or REVOKE to open sessions at their next statement;
 * so does this, since every statement reads the catalog view afresh).
 *
 * | statement | needs |
 * | --- | --- |
 * | SELECT, UNION, subqueries, derived tables, INSERT ... SELECT sources | SELECT on every table read |
 * | INSERT / REPLACE | INSERT (REPLACE also DELETE); ON DUPLICATE KEY UPDATE also UPDATE |
 * | UPDATE / DELETE | UPDATE / DELETE on the targets; SELECT on the other tables, and on a target whose columns it reads (WHERE, SET values, ORDER BY: 1143) |
 * | CREATE TABLE | CREATE (LIKE: SELECT on the source; AS SELECT: INSERT too) |
 * | DROP / TRUNCATE TABLE | DROP |
 * | RENAME TABLE, ALTER TABLE RENAME | ALTER and DROP on the old name, CREATE and INSERT on the new |
 * | ALTER TABLE | ALTER |
 * | CREATE / DROP INDEX | INDEX |
 * | CREATE / DROP / ALTER DATABASE | CREATE / DROP / ALTER on the database (1044) |
 * | USE, COM_INIT_DB, SHOW TABLES | some privilege on the database or a table in it (1044) |
 * | SHOW COLUMNS / INDEX / CREATE TABLE, DESCRIBE | some privilege on the table |
 * | FLUSH | RELOAD; ALTER CLUSTER: SUPER (1227) |
 * | EXPLAIN | what the explained statement needs |
 *
 * Account statements (CREATE USER, GRANT, SHOW GRANTS, ...) check their own (accounts.ts).
 * `information_schema` and `system` are open to every account; what they list is filtered to
 * the account's tables (privileges.ts `visibleView`).
 *
 * Not modelled: column-level grants; the SELECT MySQL wants for columns read by
 * ON DUPLICATE KEY UPDATE expressions; database-name wildcards in grants.
 */
import type {
  ColumnRef,
  Expr,
  Query,
  Show,
  Statement,
  TableName,
  TableRef,
  TableSource,
} from '../ast.js';
import { children } from '../eval/bind.js';
import type { TableDefinition } from '../schema/definition.js';
import type { CatalogView } from './catalog-port.js';
import {
  columnAccessDenied,
  databaseAccessDenied,
  isOpenDatabase,
  privilegeRequired,
  tableAccessDenied,
} from './privileges.js';
import type { AccountPrivileges, PrivilegeName, SessionIdentity } from './privileges.js';

/** One thing a statement needs, found from its text alone. */
type Demand =
  | {
      readonly kind: 'table';
      readonly privilege: PrivilegeName;
      readonly database: string;
      readonly table: string;
    }
  /** Some privilege on the table; refused as `command` (SELECT for SHOW COLUMNS, SHOW for SHOW CREATE). */
  | {
      readonly kind: 'anyOnTable';
      readonly command: string;
      readonly database: string;
      readonly table: string;
    }
  | { readonly kind: 'database'; readonly privilege: PrivilegeName; readonly database: string }
  | { readonly kind: 'anyOnDatabase'; readonly database: string }
  | { readonly kind: 'global'; readonly privilege: PrivilegeName }
  /** Columns an UPDATE / DELETE reads of its targets: SELECT on each such target. */
  | {
      readonly kind: 'columnReads';
      readonly sources: readonly Source[];
      readonly targets: readonly Source[];
      readonly columns: readonly ColumnRef[];
    };

/** A base table named in an UPDATE / DELETE, with its alias. */
interface Source {
  readonly database: string;
  readonly table: string;
  readonly alias: string;
}

export interface StatementCheck {
  readonly view: CatalogView;
  readonly privileges: AccountPrivileges;
  readonly who: SessionIdentity;
  /** The session's current database (unqualified names). */
  readonly database: string | undefined;
}

/**
 * Throws MySQL's access-denied error when the account may not run `stmt` (the first need it
 * does not meet, in the statement's order); returns when it may.
 */
export function checkStatement(stmt: Statement, check: StatementCheck): void {
  const demands: Demand[] = [];
  collectDemands(stmt, check.database, check.view, demands);
  checkDemands(demands, check);
}

/**
 * Whether `stmt` reads the catalog at all (else no view is fetched for it: SET, BEGIN,
 * SELECT 1, SHOW VARIABLES ... stay as cheap as they were).
 */
export function readsCatalog(stmt: Statement): boolean {
  switch (stmt.kind) {
    // The account statements read the catalog themselves (accounts.ts).
    case 'createUser':
    case 'alterUser':
    case 'dropUser':
    case 'grant':
    case 'revoke':
    case 'setTransaction':
    case 'begin':
    case 'commit':
    case 'rollback':
    case 'savepoint':
    case 'releaseSavepoint':
    case 'unlockTables':
    case 'kill':
      return false;
    case 'set':
      return stmt.items.some((item) => item.kind === 'variable' && hasQuery(item.value));
    case 'do':
      return stmt.exprs.some(hasQuery);
    case 'select':
      return stmt.from.length > 0 || tablesOfQuery(stmt).length > 0;
    case 'show':
      return showReadsCatalog(stmt);
    case 'union':
    case 'insert':
    case 'update':
    case 'delete':
    case 'createTable':
    case 'dropTable':
    case 'truncate':
    case 'renameTable':
    case 'alterTable':
    case 'createIndex':
    case 'dropIndex':
    case 'createDatabase':
    case 'dropDatabase':
    case 'alterDatabase':
    case 'use':
    case 'describe':
    case 'explain':
    case 'lockTables':
    case 'flush':
    case 'alterCluster':
      return true;
  }
}

function hasQuery(e: Expr): boolean {
  let found = false;
  walk(
    e,
    () => undefined,
    () => {
      found = true;
    },
  );
  return found;
}

function showReadsCatalog(stmt: Show): boolean {
  switch (stmt.target) {
    case 'DATABASES':
    case 'TABLES':
    case 'COLUMNS':
    case 'INDEX':
    case 'CREATE TABLE':
    case 'CREATE DATABASE':
    case 'CREATE VIEW':
    case 'TABLE STATUS':
    case 'OPEN TABLES':
    case 'TRIGGERS':
    case 'EVENTS':
      return true;
    case 'GRANTS':
    case 'VARIABLES':
    case 'STATUS':
    case 'WARNINGS':
    case 'ERRORS':
    case 'COUNT WARNINGS':
    case 'COUNT ERRORS':
    case 'PROCESSLIST':
    case 'ENGINES':
    case 'CHARSET':
    case 'COLLATION':
    case 'PRIVILEGES':
    case 'PLUGINS':
    case 'MASTER STATUS':
    case 'BINARY LOGS':
    case 'FUNCTION STATUS':
    case 'PROCEDURE STATUS':
      return false;
  }
}

function checkDemands(demands: readonly Demand[], check: StatementCheck): void {
  const { privileges: p, who } = check;
  for (const d of demands) {
    switch (d.kind) {
      case 'table':
        if (!p.has(d.privilege, d.database, d.table)) {
          throw tableAccessDenied(who, d.privilege, d.table);
        }
        break;
      case 'anyOnTable':
        if (!p.hasAnyOnTable(d.database, d.table)) throw tableAccessDenied(who, d.command, d.table);
        break;
      case 'database':
        if (!p.has(d.privilege, d.database)) throw databaseAccessDenied(who, d.database);
        break;
      case 'anyOnDatabase':
        if (!p.hasAnyOnDatabase(d.database)) throw databaseAccessDenied(who, d.database);
        break;
      case 'global':
        if (!p.has(d.privilege)) throw privilegeRequired(d.privilege);
        break;
      case 'columnReads':
        checkColumnReads(d, check);
        break;
    }
  }
}

function checkColumnReads(
  d: Extract<Demand, { kind: 'columnReads' }>,
  { view, privileges, who }: StatementCheck,
): void {
  const unreadable = d.targets.filter((t) => !privileges.has('SELECT', t.database, t.table));
  if (unreadable.length === 0) return;
  for (const column of d.columns) {
    for (const source of sourcesOf(column, d.sources, view)) {
      if (unreadable.includes(source)) {
        throw columnAccessDenied(who, 'SELECT', column.name, source.table);
      }
    }
  }
}

/** The sources a column reference can mean: by qualifier, else by the tables' columns. */
function sourcesOf(column: ColumnRef, sources: readonly Source[], view: CatalogView): Source[] {
  if (column.table !== undefined) {
    return sources.filter(
      (s) => s.alias === column.table && (column.db === undefined || column.db === s.database),
    );
  }
  if (sources.length === 1) return [...sources];
  const name = column.name.toLowerCase();
  return sources.filter((s) => {
    const table = view.tables.find((t) => t.database === s.database && t.name === s.table);
    const def = table?.definition as TableDefinition | undefined;
    return def?.columns.some((c) => c.name.toLowerCase() === name) ?? false;
  });
}

// ---- collecting --------------------------------------------------------------------------

function collectDemands(
  stmt: Statement,
  current: string | undefined,
  view: CatalogView,
  out: Demand[],
): void {
  const table = (privilege: PrivilegeName, name: TableName) => {
    const database = name.db ?? current;
    if (database === undefined || isOpenDatabase(database)) return;
    out.push({ kind: 'table', privilege, database, table: name.name });
  };
  const anyOnTable = (command: string, name: TableName) => {
    const database = name.db ?? current;
    if (database === undefined || isOpenDatabase(database)) return;
    out.push({ kind: 'anyOnTable', command, database, table: name.name });
  };
  const onDatabase = (privilege: PrivilegeName, database: string | undefined) => {
    if (database === undefined || isOpenDatabase(database)) return;
    out.push({ kind: 'database', privilege, database });
  };
  const reads = (names: readonly TableName[]) => {
    for (const name of names) table('SELECT', name);
  };
  switch (stmt.kind) {
    case 'select':
    case 'union':
      reads(tablesOfQuery(stmt));
      return;
    case 'insert': {
      table('INSERT', stmt.table);
      if (stmt.replace) table('DELETE', stmt.table);
      if (stmt.onDuplicateKeyUpdate !== undefined) table('UPDATE', stmt.table);
      const read: TableName[] = [];
      const source = stmt.source;
      switch (source.kind) {
        case 'values':
          for (const row of source.rows) for (const e of row) tablesOfExpr(e, read);
          break;
        case 'query':
          tablesOfQueryInto(source.query, read);
          break;
        case 'set':
          for (const a of source.assignments) tablesOfExpr(a.value, read);
          break;
      }
      for (const a of stmt.onDuplicateKeyUpdate ?? []) tablesOfExpr(a.value, read);
      reads(read);
      return;
    }
    case 'update':
    case 'delete':
      modification(stmt, current, view, out);
      return;
    case 'createTable': {
      const database = stmt.table.db ?? current;
      if (stmt.temporary) onDatabase('CREATE TEMPORARY TABLES', database);
      else table('CREATE', stmt.table);
      if (stmt.like !== undefined) table('SELECT', stmt.like);
      if (stmt.query !== undefined) {
        table('INSERT', stmt.table);
        reads(tablesOfQuery(stmt.query));
      }
      return;
    }
    case 'dropTable':
      for (const t of stmt.tables) table('DROP', t);
      return;
    case 'truncate':
      table('DROP', stmt.table);
      return;
    case 'renameTable':
      for (const { from, to } of stmt.renames) {
        table('ALTER', from);
        table('DROP', from);
        table('CREATE', to);
        table('INSERT', to);
      }
      return;
    case 'alterTable':
      table('ALTER', stmt.table);
      for (const action of stmt.actions) {
        if (action.kind !== 'renameTable') continue;
        table('DROP', stmt.table);
        // The new name's database defaults to the table's own.
        const to = { ...action.to, db: action.to.db ?? stmt.table.db ?? current };
        table('CREATE', to);
        table('INSERT', to);
      }
      return;
    case 'createIndex':
    case 'dropIndex':
      table('INDEX', stmt.table);
      return;
    case 'createDatabase':
      onDatabase('CREATE', stmt.name);
      return;
    case 'dropDatabase':
      onDatabase('DROP', stmt.name);
      return;
    case 'alterDatabase':
      onDatabase('ALTER', stmt.name ?? current);
      return;
    case 'use':
      if (!isOpenDatabase(stmt.db)) out.push({ kind: 'anyOnDatabase', database: stmt.db });
      return;
    case 'show':
      showDemands(stmt, current, out, anyOnTable);
      return;
    case 'describe':
      anyOnTable('SELECT', stmt.table);
      return;
    case 'explain':
      collectDemands(stmt.statement, current, view, out);
      return;
    case 'set': {
      const read: TableName[] = [];
      for (const item of stmt.items) if (item.kind === 'variable') tablesOfExpr(item.value, read);
      reads(read);
      return;
    }
    case 'do': {
      const read: TableName[] = [];
      for (const e of stmt.exprs) tablesOfExpr(e, read);
      reads(read);
      return;
    }
    case 'lockTables':
      for (const t of stmt.tables) {
        table('SELECT', t.table);
        onDatabase('LOCK TABLES', t.table.db ?? current);
      }
      return;
    case 'flush':
      out.push({ kind: 'global', privilege: 'RELOAD' });
      return;
    case 'alterCluster':
      out.push({ kind: 'global', privilege: 'SUPER' });
      return;
    // Nothing, or checked where they run (accounts.ts; KILL by its target's owner).
    case 'setTransaction':
    case 'begin':
    case 'commit':
    case 'rollback':
    case 'savepoint':
    case 'releaseSavepoint':
    case 'unlockTables':
    case 'kill':
    case 'createUser':
    case 'alterUser':
    case 'dropUser':
    case 'grant':
    case 'revoke':
      return;
  }
}

function showDemands(
  stmt: Show,
  current: string | undefined,
  out: Demand[],
  anyOnTable: (command: string, name: TableName) => void,
): void {
  switch (stmt.target) {
    case 'TABLES':
    case 'TABLE STATUS':
    case 'OPEN TABLES':
    case 'TRIGGERS':
    case 'EVENTS': {
      const database = stmt.db ?? current;
      if (database !== undefined && !isOpenDatabase(database)) {
        out.push({ kind: 'anyOnDatabase', database });
      }
      return;
    }
    case 'CREATE DATABASE':
      if (stmt.db !== undefined && !isOpenDatabase(stmt.db)) {
        out.push({ kind: 'anyOnDatabase', database: stmt.db });
      }
      return;
    case 'COLUMNS':
    case 'INDEX':
      if (stmt.table !== undefined) {
        anyOnTable('SELECT', stmt.db === undefined ? stmt.table : { ...stmt.table, db: stmt.db });
      }
      return;
    case 'CREATE TABLE':
    case 'CREATE VIEW':
      if (stmt.table !== undefined) anyOnTable('SHOW', stmt.table);
      return;
    // SHOW DATABASES is filtered, SHOW GRANTS checks itself (accounts.ts), the rest read no
    // table (SHOW PROCESSLIST decides per row by PROCESS).
    case 'DATABASES':
    case 'GRANTS':
    case 'VARIABLES':
    case 'STATUS':
    case 'WARNINGS':
    case 'ERRORS':
    case 'COUNT WARNINGS':
    case 'COUNT ERRORS':
    case 'PROCESSLIST':
    case 'ENGINES':
    case 'CHARSET':
    case 'COLLATION':
    case 'PRIVILEGES':
    case 'PLUGINS':
    case 'MASTER STATUS':
    case 'BINARY LOGS':
    case 'FUNCTION STATUS':
    case 'PROCEDURE STATUS':
      return;
  }
}

/** UPDATE / DELETE: the targets' privilege, SELECT on what is only read, column reads. */
function modification(
  stmt: Extract<Statement, { kind: 'update' | 'delete' }>,
  current: string | undefined,
  view: CatalogView,
  out: Demand[],
): void {
  const refs = stmt.kind === 'update' ? stmt.tables : stmt.from;
  const sources: Source[] = [];
  const read: TableName[] = [];
  const columns: ColumnRef[] = [];
  const exprs: Expr[] = [];
  const flatten = (r: TableRef) => {
    switch (r.kind) {
      case 'table': {
        const database = r.table.db ?? current;
        if (database !== undefined) {
          sources.push({ database, table: r.table.name, alias: r.alias ?? r.table.name });
        }
        return;
      }
      case 'derived':
        tablesOfQueryInto(r.query, read);
        return;
      case 'join':
        flatten(r.left);
        flatten(r.right);
        if (r.on !== undefined) exprs.push(r.on);
        return;
    }
  };
  for (const r of refs) flatten(r);
  if (stmt.where !== undefined) exprs.push(stmt.where);
  for (const o of stmt.orderBy) exprs.push(o.expr);
  let targets: Source[];
  if (stmt.kind === 'update') {
    for (const a of stmt.set) exprs.push(a.value);
    const assigned = new Set(stmt.set.flatMap((a) => sourcesOf(a.column, sources, view)));
    targets = sources.filter((s) => assigned.has(s));
  } else {
    const named = stmt.targets;
    targets =
      named === undefined
        ? sources.slice(0, 1)
        : sources.filter((s) =>
            named.some((t) =>
              t.db === undefined ? t.name === s.alias : t.db === s.database && t.name === s.table,
            ),
          );
  }
  for (const e of exprs) {
    walk(
      e,
      (c) => {
        columns.push(c);
      },
      (q) => {
        tablesOfQueryInto(q, read);
      },
    );
  }
  const privilege = stmt.kind === 'update' ? 'UPDATE' : 'DELETE';
  const open = (s: Source) => isOpenDatabase(s.database);
  for (const t of targets) {
    if (!open(t)) out.push({ kind: 'table', privilege, database: t.database, table: t.table });
  }
  for (const s of sources) {
    if (!targets.includes(s) && !open(s)) {
      out.push({ kind: 'table', privilege: 'SELECT', database: s.database, table: s.table });
    }
  }
  for (const name of read) {
    const database = name.db ?? current;
    if (database !== undefined && !isOpenDatabase(database)) {
      out.push({ kind: 'table', privilege: 'SELECT', database, table: name.name });
    }
  }
  const checked = targets.filter((t) => !open(t));
  if (columns.length > 0 && checked.length > 0) {
    out.push({ kind: 'columnReads', sources, targets: checked, columns });
  }
}

// ---- tables read by queries --------------------------------------------------------------

function tablesOfQuery(query: Query): TableName[] {
  const out: TableName[] = [];
  tablesOfQueryInto(query, out);
  return out;
}

function tablesOfQueryInto(query: Query, out: TableName[]): void {
  if (query.kind === 'union') {
    tablesOfQueryInto(query.left, out);
    tablesOfQueryInto(query.right, out);
    for (const o of query.orderBy) tablesOfExpr(o.expr, out);
    return;
  }
  for (const r of query.from) tablesOfRef(r, out);
  for (const c of query.columns) if (c.kind === 'expr') tablesOfExpr(c.expr, out);
  if (query.where !== undefined) tablesOfExpr(query.where, out);
  for (const g of query.groupBy) tablesOfExpr(g, out);
  if (query.having !== undefined) tablesOfExpr(query.having, out);
  for (const o of query.orderBy) tablesOfExpr(o.expr, out);
}

function tablesOfRef(r: TableRef, out: TableName[]): void {
  switch (r.kind) {
    case 'table':
      out.push((r satisfies TableSource).table);
      return;
    case 'derived':
      tablesOfQueryInto(r.query, out);
      return;
    case 'join':
      tablesOfRef(r.left, out);
      tablesOfRef(r.right, out);
      if (r.on !== undefined) tablesOfExpr(r.on, out);
      return;
  }
}

function tablesOfExpr(e: Expr, out: TableName[]): void {
  walk(
    e,
    () => undefined,
    (q) => {
      tablesOfQueryInto(q, out);
    },
  );
}

/** Every column reference of `e` outside subqueries, and every subquery (not entered). */
function walk(e: Expr, onColumn: (c: ColumnRef) => void, onQuery: (q: Query) => void): void {
  if (e.kind === 'column') {
    onColumn(e);
    return;
  }
  // children() does not enter subqueries: their tables are read, their columns their own.
  if (
    e.kind === 'subquery' ||
    e.kind === 'exists' ||
    e.kind === 'inSubquery' ||
    e.kind === 'quantified'
  ) {
    onQuery(e.query);
  }
  for (const c of children(e)) walk(c, onColumn, onQuery);
}
