/**
 * The account statements: CREATE / ALTER / DROP USER, SET PASSWORD, GRANT, REVOKE and SHOW
 * GRANTS, as MySQL 8 answers them, over the control plane's accounts (catalog commands
 * createUser / alterUser / dropUser / grant / revoke, replicated before they answer).
 *
 * Who may run them:
 *   CREATE / DROP USER, ALTER USER of another account or of a plugin   CREATE USER (1227)
 *   SET PASSWORD FOR another account, SHOW GRANTS FOR another          the `mysql` database (1044)
 *   GRANT / REVOKE                                                       GRANT OPTION and every
 *                                                                        privilege given, at the
 *                                                                        level or above it
 *   REVOKE ALL PRIVILEGES, GRANT OPTION FROM u                           CREATE USER (1227)
 * Changing one's own password (ALTER USER, SET PASSWORD) needs nothing.
 *
 * Credentials are made by the host (`SessionDeps.makeCredential`: caching_sha2_password's
 * scrypt hash, mysql_native_password's `*` + SHA1(SHA1(pw))); the engine never reads them.
 *
 * Each statement validates all its accounts before it changes any (so a refused statement
 * changes nothing), then proposes one command per account; two sessions racing on the same
 * account can still interleave between those commands (MySQL 8 makes the statement atomic).
 */
import type {
  AlterUser,
  CreateUser,
  DropUser,
  Grant,
  GrantTarget,
  Privilege,
  Revoke,
  Show,
  UserSpec,
} from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { varString } from '../eval/types.js';
import { str } from '../eval/value.js';
import type {
  CatalogAccountView,
  CatalogCommand,
  CatalogPort,
  CatalogView,
} from './catalog-port.js';
import type { EngineResult, EngineWarning } from './ddl.js';
import {
  accessDenied,
  AccountPrivileges,
  accountText,
  allPrivilegesAt,
  databaseAccessDenied,
  findAccountView,
  grantableAt,
  inPrivilegeOrder,
  privilegeNamed,
  privilegeRequired,
  tableAccessDenied,
} from './privileges.js';
import type { AccountName, PrivilegeLevel, PrivilegeName, SessionIdentity } from './privileges.js';

export const CACHING_SHA2 = 'caching_sha2_password';
export const NATIVE_PASSWORD = 'mysql_native_password';
const PLUGINS: ReadonlySet<string> = new Set([CACHING_SHA2, NATIVE_PASSWORD]);

/** MySQL's limits on account names (mysql.user's columns). */
const USER_CHARS_MAX = 32;
const HOST_CHARS_MAX = 255;

export interface AccountContext {
  readonly catalog: CatalogPort;
  readonly who: SessionIdentity;
  /** The session's current database (`GRANT ... ON tbl` and `ON *`). */
  readonly database: string | undefined;
  /** The stored credential for `password` under `plugin` ('' for no password). */
  readonly makeCredential: (plugin: string, password: string) => Promise<string>;
}

// ---- CREATE / ALTER / DROP USER, SET PASSWORD -------------------------------------------

export async function createUser(stmt: CreateUser, ctx: AccountContext): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  requireAccountAdmin(privileges, 'INSERT');
  const warnings: EngineWarning[] = [];
  const failed: string[] = [];
  const planned: { account: AccountName; plugin: string; password: string }[] = [];
  for (const spec of stmt.users) {
    const account = resolve(spec.user, ctx);
    checkNameLengths(account);
    const plugin = pluginOf(spec.plugin ?? CACHING_SHA2);
    const exists =
      findAccountView(view, account) !== undefined || planned.some((p) => same(p.account, account));
    if (!exists) planned.push({ account, plugin, password: spec.password ?? '' });
    else if (stmt.ifNotExists) warnings.push(authorizationNote(account, 'already exists', 3163));
    else failed.push(accountText(account.user, account.host));
  }
  if (failed.length > 0) throw operationFailed('CREATE USER', failed);
  for (const { account, plugin, password } of planned) {
    const credential = await ctx.makeCredential(plugin, password);
    await propose(ctx, { kind: 'createUser', ...account, plugin, credential }, () =>
      operationFailed('CREATE USER', [accountText(account.user, account.host)]),
    );
  }
  return ok(warnings);
}

export async function alterUser(stmt: AlterUser, ctx: AccountContext): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  const warnings: EngineWarning[] = [];
  const failed: string[] = [];
  const planned: { account: AccountName; plugin: string; password: string }[] = [];
  for (const spec of stmt.users) {
    const account = resolve(spec.user, ctx);
    const existing = findAccountView(view, account);
    const ownPassword = same(account, ctx.who.account) && spec.plugin === undefined;
    if (!ownPassword) requireAccountAdmin(privileges, 'UPDATE');
    if (existing === undefined) {
      if (stmt.ifExists) warnings.push(authorizationNote(account, 'does not exist', 3162));
      else failed.push(accountText(account.user, account.host));
      continue;
    }
    // Without IDENTIFIED there is nothing Tessera keeps to change.
    if (spec.plugin === undefined && spec.password === undefined) continue;
    const plugin = pluginOf(spec.plugin ?? existing.plugin);
    planned.push({ account, plugin, password: spec.password ?? '' });
  }
  if (failed.length > 0) throw operationFailed('ALTER USER', failed);
  for (const { account, plugin, password } of planned) {
    const credential = await ctx.makeCredential(plugin, password);
    await propose(ctx, { kind: 'alterUser', ...account, plugin, credential }, () =>
      operationFailed('ALTER USER', [accountText(account.user, account.host)]),
    );
  }
  return ok(warnings);
}

export async function dropUser(stmt: DropUser, ctx: AccountContext): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  requireAccountAdmin(privileges, 'DELETE');
  const warnings: EngineWarning[] = [];
  const failed: string[] = [];
  const planned: AccountName[] = [];
  for (const spec of stmt.users) {
    const account = resolve(spec, ctx);
    const exists =
      findAccountView(view, account) !== undefined && !planned.some((a) => same(a, account));
    if (exists) planned.push(account);
    else if (stmt.ifExists) warnings.push(authorizationNote(account, 'does not exist', 3162));
    else failed.push(accountText(account.user, account.host));
  }
  if (failed.length > 0) throw operationFailed('DROP USER', failed);
  for (const account of planned) {
    await propose(ctx, { kind: 'dropUser', ...account }, () =>
      operationFailed('DROP USER', [accountText(account.user, account.host)]),
    );
  }
  return ok(warnings);
}

/** `SET PASSWORD [FOR u] = 'pw'`: the account keeps its plugin. */
export async function setPassword(
  target: UserSpec | undefined,
  password: string,
  ctx: AccountContext,
): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  const account = target === undefined ? ctx.who.account : resolve(target, ctx);
  if (!same(account, ctx.who.account) && !mayChangeAccounts(privileges, 'UPDATE')) {
    throw databaseAccessDenied(ctx.who, 'mysql');
  }
  const existing = findAccountView(view, account);
  if (existing === undefined) {
    throw new SqlSemanticError(1133, '42000', "Can't find any matching row in the user table");
  }
  const plugin = pluginOf(existing.plugin);
  const credential = await ctx.makeCredential(plugin, password);
  await propose(ctx, { kind: 'alterUser', ...account, plugin, credential }, () => {
    return new SqlSemanticError(1133, '42000', "Can't find any matching row in the user table");
  });
  return ok([]);
}

// ---- GRANT / REVOKE ------------------------------------------------------------------------

/** A grant level with its catalog names: `*`.`*`, `db`.`*` or `db`.`tbl`. */
interface Level {
  readonly kind: PrivilegeLevel;
  readonly database: string;
  readonly table: string;
}

/** What a GRANT or REVOKE gives or takes at one level. */
interface PrivilegeChange {
  readonly privileges: readonly PrivilegeName[];
  readonly grantOption: boolean;
}

export async function grant(stmt: Grant, ctx: AccountContext): Promise<EngineResult> {
  const level = levelOf(stmt.on, ctx.database);
  const change = changeOf(stmt.privileges, level, stmt.withGrantOption);
  const { view, privileges } = await state(ctx);
  requireGrantor(privileges, level, change, ctx.who);
  requireTableExists(view, level);
  const grantees = stmt.to.map((spec) => resolve(spec, ctx));
  if (grantees.some((a) => findAccountView(view, a) === undefined)) {
    throw new SqlSemanticError(1410, '42000', 'You are not allowed to create a user with GRANT');
  }
  if (change.privileges.length === 0 && !change.grantOption) return ok([]); // GRANT USAGE
  for (const account of grantees) {
    await propose(
      ctx,
      {
        kind: 'grant',
        ...account,
        database: level.database,
        table: level.table,
        privileges: change.privileges,
        grantOption: change.grantOption,
      },
      () => new SqlSemanticError(1410, '42000', 'You are not allowed to create a user with GRANT'),
    );
  }
  return ok([]);
}

export async function revoke(stmt: Revoke, ctx: AccountContext): Promise<EngineResult> {
  if (stmt.on === undefined) return revokeEverything(stmt, ctx);
  const level = levelOf(stmt.on, ctx.database);
  const change = changeOf(stmt.privileges, level, false);
  const { view, privileges } = await state(ctx);
  requireGrantor(privileges, level, change, ctx.who);
  const planned: { account: AccountName; held: boolean }[] = [];
  for (const spec of stmt.from) {
    const account = resolve(spec, ctx);
    const existing = findAccountView(view, account);
    const held = existing?.grants.some(
      (g) => g.database === level.database && g.table === level.table,
    );
    // Every account has a global row in MySQL: revoking from it is never "no such grant".
    if (existing === undefined || (held !== true && level.kind !== 'global')) {
      throw noSuchGrant(account, level);
    }
    planned.push({ account, held: held === true });
  }
  for (const { account, held } of planned) {
    if (!held) continue;
    await propose(
      ctx,
      {
        kind: 'revoke',
        ...account,
        database: level.database,
        table: level.table,
        privileges: change.privileges,
        grantOption: change.grantOption,
      },
      () => noSuchGrant(account, level),
    );
  }
  return ok([]);
}

/** `REVOKE ALL PRIVILEGES, GRANT OPTION FROM u`: every grant of the account, at every level. */
async function revokeEverything(stmt: Revoke, ctx: AccountContext): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  requireAccountAdmin(privileges, 'UPDATE');
  const accounts: CatalogAccountView[] = [];
  for (const spec of stmt.from) {
    const found = findAccountView(view, resolve(spec, ctx));
    if (found === undefined) {
      throw new SqlSemanticError(
        1269,
        'HY000',
        "Can't revoke all privileges for one or more of the requested users",
      );
    }
    accounts.push(found);
  }
  for (const account of accounts) {
    for (const g of account.grants) {
      await propose(
        ctx,
        {
          kind: 'revoke',
          user: account.user,
          host: account.host,
          database: g.database,
          table: g.table,
          privileges: g.privileges,
          grantOption: true,
        },
        () =>
          new SqlSemanticError(
            1269,
            'HY000',
            "Can't revoke all privileges for one or more of the requested users",
          ),
      );
    }
  }
  return ok([]);
}

function levelOf(on: GrantTarget, current: string | undefined): Level {
  const database = on.db ?? current;
  if (on.db === '*') return { kind: 'global', database: '*', table: '*' };
  // `ON *` and `ON tbl` mean the current database's.
  if (database === undefined) throw new SqlSemanticError(1046, '3D000', 'No database selected');
  return on.table === '*'
    ? { kind: 'database', database, table: '*' }
    : { kind: 'table', database, table: on.table };
}

/** The privilege list of a GRANT / REVOKE at `level`: ALL expanded, names checked. */
function changeOf(
  list: readonly Privilege[],
  level: Level,
  withGrantOption: boolean,
): PrivilegeChange {
  const privileges: PrivilegeName[] = [];
  let grantOption = withGrantOption;
  for (const p of list) {
    if (p.columns !== undefined) {
      throw new SqlNotSupportedError('column-level privileges', 0);
    }
    switch (p.name) {
      case 'ALL':
        privileges.push(...allPrivilegesAt(level.kind));
        continue;
      case 'USAGE':
        continue;
      case 'GRANT OPTION':
        grantOption = true;
        continue;
      default:
        break;
    }
    const name = privilegeNamed(p.name);
    if (name === undefined) {
      // MySQL reads an unknown word as a dynamic privilege; none is registered here.
      if (level.kind === 'global') {
        throw new SqlSemanticError(
          3929,
          'HY000',
          `Dynamic privilege '${p.name}' is not registered with the server.`,
        );
      }
      throw new SqlSemanticError(3619, 'HY000', `Illegal privilege level specified for ${p.name}`);
    }
    if (!grantableAt(name, level.kind)) {
      if (level.kind === 'database') {
        throw new SqlSemanticError(
          1221,
          'HY000',
          'Incorrect usage of DB GRANT and GLOBAL PRIVILEGES',
        );
      }
      throw new SqlSemanticError(
        1144,
        '42000',
        'Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used',
      );
    }
    privileges.push(name);
  }
  return { privileges: inPrivilegeOrder(privileges), grantOption };
}

/** GRANT and REVOKE: the grantor holds GRANT OPTION and every privilege given, at the level. */
function requireGrantor(
  privileges: AccountPrivileges,
  level: Level,
  change: PrivilegeChange,
  who: SessionIdentity,
): void {
  const database = level.kind === 'global' ? undefined : level.database;
  const table = level.kind === 'table' ? level.table : undefined;
  const holds =
    privileges.hasGrantOption(database, table) &&
    change.privileges.every((p) => privileges.has(p, database, table));
  if (holds) return;
  switch (level.kind) {
    case 'global':
      throw accessDenied(who);
    case 'database':
      throw databaseAccessDenied(who, level.database);
    case 'table':
      throw tableAccessDenied(who, 'GRANT', level.table);
  }
}

function requireTableExists(view: CatalogView, level: Level): void {
  if (level.kind !== 'table') return;
  if (!view.tables.some((t) => t.database === level.database && t.name === level.table)) {
    throw new SqlSemanticError(
      1146,
      '42S02',
      `Table '${level.database}.${level.table}' doesn't exist`,
    );
  }
}

function noSuchGrant(account: AccountName, level: Level): SqlSemanticError {
  if (level.kind === 'table') {
    return new SqlSemanticError(
      1147,
      '42000',
      `There is no such grant defined for user '${account.user}' on host '${account.host}' on table '${level.table}'`,
    );
  }
  return new SqlSemanticError(
    1141,
    '42000',
    `There is no such grant defined for user '${account.user}' on host '${account.host}'`,
  );
}

// ---- SHOW GRANTS -------------------------------------------------------------------------

/** `SHOW GRANTS [FOR u]`: one GRANT statement per level, as MySQL 8 prints them. */
export async function showGrants(stmt: Show, ctx: AccountContext): Promise<EngineResult> {
  const { view, privileges } = await state(ctx);
  const account = stmt.user === undefined ? ctx.who.account : resolve(stmt.user, ctx);
  if (!same(account, ctx.who.account) && !privileges.has('SELECT', 'mysql')) {
    throw databaseAccessDenied(ctx.who, 'mysql');
  }
  const found = findAccountView(view, account);
  if (found === undefined) {
    throw new SqlSemanticError(
      1141,
      '42000',
      `There is no such grant defined for user '${account.user}' on host '${account.host}'`,
    );
  }
  return {
    kind: 'rows',
    columns: [
      {
        name: `Grants for ${account.user}@${account.host}`,
        type: varString(1024, defaultCollation, false),
      },
    ],
    rows: grantStatements(found).map((line) => [str(line, defaultCollation)]),
    warnings: [],
  };
}

/** The account's grants as GRANT statements: `*.*` first, then databases, then tables. */
export function grantStatements(account: CatalogAccountView): string[] {
  const to = `TO ${quote(account.user)}@${quote(account.host)}`;
  const global = account.grants.find((g) => g.database === '*');
  const line = (privileges: string, on: string, grantOption: boolean) =>
    `GRANT ${privileges} ON ${on} ${to}${grantOption ? ' WITH GRANT OPTION' : ''}`;
  // MySQL 8 lists global privileges one by one (ALL PRIVILEGES only below *.*).
  const lines = [
    line(
      global === undefined || global.privileges.length === 0
        ? 'USAGE'
        : inPrivilegeOrder(global.privileges).join(', '),
      '*.*',
      global?.grantOption ?? false,
    ),
  ];
  const below = account.grants
    .filter((g) => g.database !== '*')
    .sort(
      (a, b) =>
        Number(a.table !== '*') - Number(b.table !== '*') ||
        a.database.localeCompare(b.database) ||
        a.table.localeCompare(b.table),
    );
  for (const g of below) {
    const level: PrivilegeLevel = g.table === '*' ? 'database' : 'table';
    const all = allPrivilegesAt(level).every((p) => g.privileges.includes(p));
    const list = all
      ? 'ALL PRIVILEGES'
      : g.privileges.length === 0
        ? 'USAGE'
        : inPrivilegeOrder(g.privileges).join(', ');
    const on = `${quote(g.database)}.${g.table === '*' ? '*' : quote(g.table)}`;
    lines.push(line(list, on, g.grantOption));
  }
  return lines;
}

// ---- shared --------------------------------------------------------------------------------

async function state(
  ctx: AccountContext,
): Promise<{ view: CatalogView; privileges: AccountPrivileges }> {
  const view = await ctx.catalog.view();
  return { view, privileges: AccountPrivileges.of(view, ctx.who.account) };
}

/**
 * CREATE USER, or the matching privilege on MySQL's `mysql` database (which MySQL accepts
 * instead: INSERT for CREATE USER, UPDATE for ALTER, DELETE for DROP).
 */
function mayChangeAccounts(privileges: AccountPrivileges, onMysql: PrivilegeName): boolean {
  return privileges.has('CREATE USER') || privileges.has(onMysql, 'mysql');
}

function requireAccountAdmin(privileges: AccountPrivileges, onMysql: PrivilegeName): void {
  if (!mayChangeAccounts(privileges, onMysql)) throw privilegeRequired('CREATE USER');
}

function resolve(spec: UserSpec, ctx: AccountContext): AccountName {
  return spec.current === true ? ctx.who.account : { user: spec.user, host: spec.host };
}

function same(a: AccountName, b: AccountName): boolean {
  return a.user === b.user && a.host === b.host;
}

function checkNameLengths(account: AccountName): void {
  if (account.user.length > USER_CHARS_MAX) {
    throw new SqlSemanticError(
      1470,
      'HY000',
      `String '${account.user}' is too long for user name (should be no longer than ${USER_CHARS_MAX})`,
    );
  }
  if (account.host.length > HOST_CHARS_MAX) {
    throw new SqlSemanticError(
      1470,
      'HY000',
      `String '${account.host}' is too long for host name (should be no longer than ${HOST_CHARS_MAX})`,
    );
  }
}

/** A plugin the gateway speaks (MySQL answers any other with 1524). */
function pluginOf(name: string): string {
  const plugin = name.toLowerCase();
  if (!PLUGINS.has(plugin)) {
    throw new SqlSemanticError(1524, 'HY000', `Plugin '${name}' is not loaded`);
  }
  return plugin;
}

function operationFailed(operation: string, accounts: readonly string[]): SqlSemanticError {
  return new SqlSemanticError(
    1396,
    'HY000',
    `Operation ${operation} failed for ${accounts.join(',')}`,
  );
}

function authorizationNote(account: AccountName, what: string, code: number): EngineWarning {
  return {
    level: 'Note',
    code,
    message: `Authorization ID ${accountText(account.user, account.host)} ${what}.`,
  };
}

/** Proposes one account command; a refusal (a concurrent change) answers `refused()`. */
async function propose(
  ctx: AccountContext,
  command: CatalogCommand,
  refused: () => SqlSemanticError,
): Promise<void> {
  const outcome = await ctx.catalog.propose(command);
  if (outcome.kind !== 'rejected') return;
  if (outcome.code === undefined || outcome.code === 'BAD_NAME') {
    throw new SqlSemanticError(1105, 'HY000', outcome.reason);
  }
  throw refused();
}

/** A backquoted name as SHOW GRANTS prints it. */
function quote(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

function ok(warnings: readonly EngineWarning[]): EngineResult {
  return { kind: 'ok', affectedRows: 0, warnings };
}
