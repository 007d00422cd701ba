/**
 * MySQL privileges: their names and the levels each can be granted at, one account's grants
 * as the checker every statement asks (`AccountPrivileges`), what an account may see of the
 * catalog (`visibleView`), and the access-denied errors MySQL answers with.
 *
 * Levels, as MySQL 8 has them (no column or routine level here):
 *
 *   *.*        global     every privilege
 *   db.*       database   the database and table privileges (no RELOAD, PROCESS, SUPER, ...)
 *   db.tbl     table      SELECT INSERT UPDATE DELETE CREATE DROP REFERENCES INDEX ALTER
 *                         CREATE VIEW SHOW VIEW TRIGGER
 *
 * A privilege on a table is held when it is granted at any level above or at it (global, its
 * database, the table). Database names compare exactly (lower_case_table_names = 0; no `%`
 * wildcards in database grants). Grants are stored expanded: GRANT ALL becomes the level's
 * whole list, so REVOKE of one of them works as in MySQL.
 *
 * Every static privilege of MySQL 8 can be granted, shown and revoked; the ones Tessera
 * enforces are those of the statements it runs (statement-privileges.ts): SELECT, INSERT,
 * UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, GRANT OPTION, CREATE USER, RELOAD (FLUSH),
 * SUPER (ALTER CLUSTER, KILL of another user's connection), PROCESS and SHOW DATABASES. The
 * rest (LOCK TABLES, EXECUTE, CREATE VIEW, ...) guard statements Tessera refuses anyway (1235).
 * Dynamic privileges (CONNECTION_ADMIN, ...) are not registered: granting one answers 3929.
 */
import { SqlSemanticError } from '../errors.js';
import type { CatalogAccountView, CatalogGrantView, CatalogView } from './catalog-port.js';

export type PrivilegeLevel = 'global' | 'database' | 'table';

/** MySQL 8's static privileges in its own order (SHOW GRANTS lists them so). */
const PRIVILEGE_TABLE: readonly (readonly [string, PrivilegeLevel])[] = [
  ['SELECT', 'table'],
  ['INSERT', 'table'],
  ['UPDATE', 'table'],
  ['DELETE', 'table'],
  ['CREATE', 'table'],
  ['DROP', 'table'],
  ['RELOAD', 'global'],
  ['SHUTDOWN', 'global'],
  ['PROCESS', 'global'],
  ['FILE', 'global'],
  ['REFERENCES', 'table'],
  ['INDEX', 'table'],
  ['ALTER', 'table'],
  ['SHOW DATABASES', 'global'],
  ['SUPER', 'global'],
  ['CREATE TEMPORARY TABLES', 'database'],
  ['LOCK TABLES', 'database'],
  ['EXECUTE', 'database'],
  ['REPLICATION SLAVE', 'global'],
  ['REPLICATION CLIENT', 'global'],
  ['CREATE VIEW', 'table'],
  ['SHOW VIEW', 'table'],
  ['CREATE ROUTINE', 'database'],
  ['ALTER ROUTINE', 'database'],
  ['CREATE USER', 'global'],
  ['EVENT', 'database'],
  ['TRIGGER', 'table'],
  ['CREATE TABLESPACE', 'global'],
  ['CREATE ROLE', 'global'],
  ['DROP ROLE', 'global'],
];

/** A static privilege's name, upper case (GRANT OPTION is a flag of its own). */
export type PrivilegeName = string;

const rank = new Map(PRIVILEGE_TABLE.map(([name], i) => [name, i]));
/** The deepest level each privilege can be granted at. */
const deepest = new Map(PRIVILEGE_TABLE);
/** MySQL 8.0.22's synonyms. */
const SYNONYMS: Readonly<Record<string, string>> = {
  'REPLICATION REPLICA': 'REPLICATION SLAVE',
};

const depth: Readonly<Record<PrivilegeLevel, number>> = { global: 0, database: 1, table: 2 };

/** The privilege `name` names (synonyms folded), or undefined when MySQL has no such one. */
export function privilegeNamed(name: string): PrivilegeName | undefined {
  const upper = SYNONYMS[name.toUpperCase()] ?? name.toUpperCase();
  return deepest.has(upper) ? upper : undefined;
}

/** Whether `privilege` can be granted at `level`. */
export function grantableAt(privilege: PrivilegeName, level: PrivilegeLevel): boolean {
  const deepestLevel = deepest.get(privilege);
  return deepestLevel !== undefined && depth[level] <= depth[deepestLevel];
}

/** ALL [PRIVILEGES] at `level`: every privilege grantable there, in MySQL's order. */
export function allPrivilegesAt(level: PrivilegeLevel): readonly PrivilegeName[] {
  return PRIVILEGE_TABLE.filter(([name]) => grantableAt(name, level)).map(([name]) => name);
}

/** `privileges` in MySQL's order (SHOW GRANTS, error texts). */
export function inPrivilegeOrder(privileges: Iterable<PrivilegeName>): PrivilegeName[] {
  return [...new Set(privileges)].sort(
    (a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER),
  );
}

/** `'user'@'host'`, as MySQL's messages write an account. */
export function accountText(user: string, host: string): string {
  return `'${user}'@'${host}'`;
}

/** The databases every account may read: information_schema and Tessera's `system`. */
export function isOpenDatabase(database: string): boolean {
  const lower = database.toLowerCase();
  return lower === 'information_schema' || lower === 'system';
}

/** The account a session authenticated as (the catalog's `user` and `host` pattern). */
export interface AccountName {
  readonly user: string;
  readonly host: string;
}

interface LevelGrant {
  readonly privileges: ReadonlySet<PrivilegeName>;
  readonly grantOption: boolean;
}

const tableKey = (database: string, table: string) => `${database}\u0000${table}`;

/**
 * One account's grants, indexed for the checks a statement makes. An account that does not
 * exist (dropped while its session stays open) holds nothing: every check fails.
 */
export class AccountPrivileges {
  private readonly global: LevelGrant;
  private readonly databases = new Map<string, LevelGrant>();
  private readonly tables = new Map<string, LevelGrant>();
  /** Databases with at least one table-level grant. */
  private readonly databasesWithTableGrants = new Set<string>();
  /** A global privilege that applies to every database and table (SELECT, ...). */
  private readonly globalOnData: boolean;

  constructor(
    readonly account: AccountName,
    readonly grants: readonly CatalogGrantView[],
  ) {
    let global: LevelGrant = { privileges: new Set(), grantOption: false };
    for (const g of grants) {
      const level = { privileges: new Set(g.privileges), grantOption: g.grantOption };
      if (g.database === '*') global = level;
      else if (g.table === '*') this.databases.set(g.database, level);
      else {
        this.tables.set(tableKey(g.database, g.table), level);
        this.databasesWithTableGrants.add(g.database);
      }
    }
    this.global = global;
    this.globalOnData = [...global.privileges].some((p) => grantableAt(p, 'database'));
  }

  /** The grants of `account` in `view` (none when it no longer exists). */
  static of(view: CatalogView, account: AccountName): AccountPrivileges {
    const found = findAccountView(view, account);
    return new AccountPrivileges(account, found?.grants ?? []);
  }

  /** Whether `privilege` is held globally, or (with `database`) on it, or on its `table`. */
  has(privilege: PrivilegeName, database?: string, table?: string): boolean {
    if (this.global.privileges.has(privilege)) return true;
    if (database === undefined) return false;
    if (this.databases.get(database)?.privileges.has(privilege) === true) return true;
    if (table === undefined) return false;
    return this.tables.get(tableKey(database, table))?.privileges.has(privilege) === true;
  }

  /** GRANT OPTION at the level given (or any above it). */
  hasGrantOption(database?: string, table?: string): boolean {
    if (this.global.grantOption) return true;
    if (database === undefined) return false;
    if (this.databases.get(database)?.grantOption === true) return true;
    if (table === undefined) return false;
    return this.tables.get(tableKey(database, table))?.grantOption === true;
  }

  /**
   * Some privilege on the database or on a table in it (USE, SHOW TABLES, SHOW DATABASES): a
   * global privilege that applies to databases counts, global-only ones (PROCESS...) do not.
   */
  hasAnyOnDatabase(database: string): boolean {
    if (this.global.privileges.has('SHOW DATABASES')) return true;
    if (this.hasDatabaseLevelGlobal()) return true;
    const level = this.databases.get(database);
    if (level !== undefined && (level.privileges.size > 0 || level.grantOption)) return true;
    return this.databasesWithTableGrants.has(database);
  }

  /** Some privilege on the table (it is visible: SHOW TABLES, information_schema, DESCRIBE). */
  hasAnyOnTable(database: string, table: string): boolean {
    if (this.hasDatabaseLevelGlobal()) return true;
    const db = this.databases.get(database);
    if (db !== undefined && (db.privileges.size > 0 || db.grantOption)) return true;
    const t = this.tables.get(tableKey(database, table));
    return t !== undefined && (t.privileges.size > 0 || t.grantOption);
  }

  /** Whether every database and table is visible (no filtering needed). */
  seesEverything(): boolean {
    return this.hasDatabaseLevelGlobal();
  }

  private hasDatabaseLevelGlobal(): boolean {
    return this.globalOnData;
  }
}

/** The account `'user'@'host'` exactly as stored. */
export function findAccountView(
  view: CatalogView,
  account: AccountName,
): CatalogAccountView | undefined {
  return view.accounts.find((a) => a.user === account.user && a.host === account.host);
}

/**
 * Whether `account` holds `privilege` as of `view` — globally, or on `database` / its `table`
 * when given. For statements that decide by privilege outside this module (KILL of another
 * user's connection: SUPER; SHOW PROCESSLIST of every connection: PROCESS).
 */
export function hasPrivilege(
  view: CatalogView,
  account: AccountName,
  privilege: PrivilegeName,
  database?: string,
  table?: string,
): boolean {
  return AccountPrivileges.of(view, account).has(privilege, database, table);
}

/**
 * `view` as `privileges` may see it: the databases and tables it holds some privilege on.
 * Slices, nodes and replicas stay (the `system` database is cluster state, open to all). The
 * view itself when everything is visible.
 */
export function visibleView(view: CatalogView, privileges: AccountPrivileges): CatalogView {
  if (privileges.seesEverything()) return view;
  return {
    ...view,
    databases: view.databases.filter((d) => privileges.hasAnyOnDatabase(d.name)),
    tables: view.tables.filter((t) => privileges.hasAnyOnTable(t.database, t.name)),
  };
}

// ---- the errors --------------------------------------------------------------------------

/** Who the session is, as the access-denied messages name it. */
export interface SessionIdentity {
  /** The account (its host may be a pattern): 1044, 1045, 1227 name it. */
  readonly account: AccountName;
  /** The login and the client's address: 1142 and 1143 name these, as MySQL does. */
  readonly user: string;
  readonly clientHost: string;
  /** Whether the login proved a password (1045's "using password"). */
  readonly usedPassword: boolean;
}

/** ER_TABLEACCESS_DENIED_ERROR: `SELECT command denied to user 'u'@'h' for table 't'`. */
export function tableAccessDenied(
  who: SessionIdentity,
  command: string,
  table: string,
): SqlSemanticError {
  return new SqlSemanticError(
    1142,
    '42000',
    `${command} command denied to user ${accountText(who.user, who.clientHost)} for table '${table}'`,
  );
}

/** ER_COLUMNACCESS_DENIED_ERROR: a column read without SELECT (UPDATE / DELETE ... WHERE). */
export function columnAccessDenied(
  who: SessionIdentity,
  command: string,
  column: string,
  table: string,
): SqlSemanticError {
  return new SqlSemanticError(
    1143,
    '42000',
    `${command} command denied to user ${accountText(who.user, who.clientHost)} for column '${column}' in table '${table}'`,
  );
}

/** ER_DBACCESS_DENIED_ERROR. */
export function databaseAccessDenied(who: SessionIdentity, database: string): SqlSemanticError {
  return new SqlSemanticError(
    1044,
    '42000',
    `Access denied for user ${accountText(who.account.user, who.account.host)} to database '${database}'`,
  );
}

/** ER_SPECIFIC_ACCESS_DENIED_ERROR: a global privilege is missing. */
export function privilegeRequired(...privileges: readonly string[]): SqlSemanticError {
  return new SqlSemanticError(
    1227,
    '42000',
    `Access denied; you need (at least one of) the ${privileges.join(', ')} privilege(s) for this operation`,
  );
}

/** ER_ACCESS_DENIED_ERROR, which MySQL also answers a global GRANT without the privileges. */
export function accessDenied(who: SessionIdentity): SqlSemanticError {
  return new SqlSemanticError(
    1045,
    '28000',
    `Access denied for user ${accountText(who.account.user, who.account.host)} (using password: ${who.usedPassword ? 'YES' : 'NO'})`,
  );
}
