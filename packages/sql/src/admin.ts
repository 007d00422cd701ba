// Session and administration statements: USE, SET, SHOW, DESCRIBE, EXPLAIN, transactions,
// LOCK TABLES, KILL, users and privileges, FLUSH, DO, and Tessera's ALTER CLUSTER.

import type {
  AlterCluster,
  Begin,
  Describe,
  Explain,
  Expr,
  Flush,
  GrantTarget,
  IsolationLevel,
  Kill,
  LockTables,
  Privilege,
  SetItem,
  SetStatement,
  SetTransaction,
  Show,
  ShowTarget,
  Statement,
  UserAuth,
  UserSpec,
  VarScope,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { charsetName, parseExpr, sysVar } from './expr.js';
import { Tok } from './lexer.js';
import type { Token } from './lexer.js';
import { parseLimit, parseQuery, startsQuery } from './query.js';
import { parseDelete, parseInsert, parseUpdate } from './dml.js';

// ---------------------------------------------------------------------------------------------
// SET

const SCOPE_WORDS: Readonly<Record<string, VarScope>> = {
  SESSION: 'session',
  LOCAL: 'session',
  GLOBAL: 'global',
  PERSIST: 'persist',
  PERSIST_ONLY: 'persist_only',
};

export function parseSet(p: Cursor, kw: Token): SetStatement | SetTransaction {
  const first = p.peek();
  const scopeWord = first.kind === Tok.WORD ? SCOPE_WORDS[first.upper] : undefined;
  if (p.isWord('TRANSACTION') || (scopeWord !== undefined && p.isWordAt(1, 'TRANSACTION'))) {
    if (scopeWord !== undefined) p.next();
    p.next();
    const scope =
      scopeWord === 'global' ? 'GLOBAL' : scopeWord === undefined ? undefined : 'SESSION';
    return parseTransactionCharacteristics(p, kw, scope);
  }
  const items: SetItem[] = [];
  do items.push(parseSetItem(p));
  while (p.acceptOp(','));
  return { kind: 'set', items, pos: kw.start };
}

function parseTransactionCharacteristics(
  p: Cursor,
  kw: Token,
  scope: 'SESSION' | 'GLOBAL' | undefined,
): SetTransaction {
  let isolationLevel: IsolationLevel | undefined;
  let accessMode: 'READ ONLY' | 'READ WRITE' | undefined;
  do {
    if (p.acceptWord('ISOLATION')) {
      p.expectWord('LEVEL');
      isolationLevel = parseIsolationLevel(p);
    } else {
      p.expectWord('READ');
      if (p.acceptWord('ONLY')) accessMode = 'READ ONLY';
      else {
        p.expectWord('WRITE');
        accessMode = 'READ WRITE';
      }
    }
  } while (p.acceptOp(','));
  return {
    kind: 'setTransaction',
    ...(scope === undefined ? {} : { scope }),
    ...(isolationLevel === undefined ? {} : { isolationLevel }),
    ...(accessMode === undefined ? {} : { accessMode }),
    pos: kw.start,
  };
}

function parseIsolationLevel(p: Cursor): IsolationLevel {
  if (p.acceptWord('SERIALIZABLE')) return 'SERIALIZABLE';
  if (p.acceptWord('REPEATABLE')) {
    p.expectWord('READ');
    return 'REPEATABLE READ';
  }
  p.expectWord('READ');
  if (p.acceptWord('COMMITTED')) return 'READ COMMITTED';
  p.expectWord('UNCOMMITTED');
  return 'READ UNCOMMITTED';
}

function parseSetItem(p: Cursor): SetItem {
  const t = p.peek();
  if (t.kind === Tok.WORD) {
    switch (t.upper) {
      case 'NAMES': {
        if (p.isOpAt(1, '=')) break;
        p.next();
        const charset = charsetName(p);
        if (p.acceptWord('COLLATE')) return { kind: 'names', charset, collation: charsetName(p) };
        return { kind: 'names', charset };
      }
      case 'CHARSET':
        if (p.isOpAt(1, '=')) break;
        p.next();
        return { kind: 'charset', charset: charsetName(p) };
      case 'CHARACTER':
        if (!p.isWordAt(1, 'SET')) break;
        p.next();
        p.next();
        return { kind: 'charset', charset: charsetName(p) };
      case 'PASSWORD': {
        if (p.isOpAt(1, '=') || p.isWordAt(1, 'FOR')) {
          p.next();
          const user = p.acceptWord('FOR') ? parseUserSpec(p) : undefined;
          p.expectOp('=');
          const password = p.string();
          return { kind: 'password', ...(user === undefined ? {} : { user }), password };
        }
        break;
      }
      default:
        break;
    }
  }
  if (t.kind === Tok.USERVAR) {
    p.next();
    if (!p.acceptOp('=')) p.expectOp(':=');
    return { kind: 'variable', scope: 'user', name: t.text, value: parseSetValue(p) };
  }
  let scope: VarScope | undefined;
  let name: string;
  if (t.kind === Tok.SYSVAR) {
    p.next();
    const v = sysVar(t.text);
    if (v.kind !== 'sysVar') return p.fail(t);
    scope = v.scope;
    name = v.name;
  } else {
    const scopeWord = t.kind === Tok.WORD ? SCOPE_WORDS[t.upper] : undefined;
    if (scopeWord !== undefined && p.peekAt(1).kind !== Tok.OP) {
      p.next();
      scope = scopeWord;
    }
    name = setVariableName(p);
  }
  if (!p.acceptOp('=')) p.expectOp(':=');
  return { kind: 'variable', scope, name, value: parseSetValue(p) };
}

/** A system variable name: any word (`autocommit`, `sql_mode`), possibly `a.b`. */
function setVariableName(p: Cursor): string {
  const t = p.next();
  if (t.kind !== Tok.WORD && t.kind !== Tok.QIDENT) return p.fail(t);
  let name = t.text.toLowerCase();
  if (p.acceptOp('.')) name += '.' + p.identAfterDot().toLowerCase();
  return name;
}

/** The right side of SET: an expression, or ON / ALL / BINARY / DEFAULT... as bare words. */
function parseSetValue(p: Cursor): Expr {
  const t = p.peek();
  if (t.kind === Tok.WORD) {
    switch (t.upper) {
      case 'ON':
      case 'ALL':
      case 'BINARY':
      case 'ROW':
      case 'SYSTEM':
        if (p.peekAt(1).kind === Tok.OP && !p.isOpAt(1, ',') && !p.isOpAt(1, ';')) break;
        p.next();
        return { kind: 'column', name: t.upper, pos: t.start };
      default:
        break;
    }
  }
  return parseExpr(p);
}

// ---------------------------------------------------------------------------------------------
// SHOW

function likeOrWhere(p: Cursor): { like?: string; where?: Expr } {
  if (p.acceptWord('LIKE')) return { like: p.string() };
  if (p.acceptWord('WHERE')) return { where: parseExpr(p) };
  return {};
}

function fromDb(p: Cursor): { db?: string } {
  if (p.acceptWord('FROM') || p.acceptWord('IN')) return { db: p.ident() };
  return {};
}

export function parseShow(p: Cursor, kw: Token): Show {
  const base = { kind: 'show' as const, pos: kw.start };
  let full = false;
  let scope: 'SESSION' | 'GLOBAL' | undefined;
  if (p.acceptWord('FULL')) full = true;
  else if (p.acceptWord('EXTENDED')) {
    // EXTENDED adds hidden columns; we have none to add.
    full = p.acceptWord('FULL');
  }
  if (p.isWord('GLOBAL') || p.isWord('SESSION') || p.isWord('LOCAL')) {
    scope = p.next().upper === 'GLOBAL' ? 'GLOBAL' : 'SESSION';
  }
  const t = p.next();
  if (t.kind !== Tok.WORD) return p.fail(t);
  const simple = (target: ShowTarget): Show => ({ ...base, target, full, ...likeOrWhere(p) });
  switch (t.upper) {
    case 'DATABASES':
    case 'SCHEMAS':
      return simple('DATABASES');
    case 'TABLES':
      return { ...base, target: 'TABLES', full, ...fromDb(p), ...likeOrWhere(p) };
    case 'TABLE':
      p.expectWord('STATUS');
      return { ...base, target: 'TABLE STATUS', full, ...fromDb(p), ...likeOrWhere(p) };
    case 'OPEN':
      p.expectWord('TABLES');
      return { ...base, target: 'OPEN TABLES', full, ...fromDb(p), ...likeOrWhere(p) };
    case 'COLUMNS':
    case 'FIELDS': {
      if (!p.acceptWord('FROM')) p.expectWord('IN');
      const table = p.tableName();
      const db = fromDb(p);
      return { ...base, target: 'COLUMNS', full, table, ...db, ...likeOrWhere(p) };
    }
    case 'INDEX':
    case 'INDEXES':
    case 'KEYS': {
      if (!p.acceptWord('FROM')) p.expectWord('IN');
      const table = p.tableName();
      const db = fromDb(p);
      const where = p.acceptWord('WHERE') ? { where: parseExpr(p) } : {};
      return { ...base, target: 'INDEX', full, table, ...db, ...where };
    }
    case 'CREATE': {
      if (p.acceptWord('TABLE'))
        return { ...base, target: 'CREATE TABLE', full, table: p.tableName() };
      if (p.acceptWord('VIEW'))
        return { ...base, target: 'CREATE VIEW', full, table: p.tableName() };
      if (p.acceptWord('DATABASE') || p.acceptWord('SCHEMA')) {
        let ifNotExists = false;
        if (p.acceptWord('IF')) {
          p.expectWord('NOT');
          p.expectWord('EXISTS');
          ifNotExists = true;
        }
        return { ...base, target: 'CREATE DATABASE', full, db: p.ident(), ifNotExists };
      }
      return p.notSupported(`SHOW CREATE ${p.peek().upper}`);
    }
    case 'VARIABLES':
    case 'STATUS':
      return {
        ...base,
        target: t.upper,
        full,
        ...(scope === undefined ? {} : { scope }),
        ...likeOrWhere(p),
      };
    case 'WARNINGS':
    case 'ERRORS': {
      const limit = p.isWord('LIMIT') ? { limit: parseLimit(p) } : {};
      return { ...base, target: t.upper, full, ...limit };
    }
    case 'COUNT': {
      p.expectOp('(');
      p.expectOp('*');
      p.expectOp(')');
      if (p.acceptWord('WARNINGS')) return { ...base, target: 'COUNT WARNINGS', full };
      p.expectWord('ERRORS');
      return { ...base, target: 'COUNT ERRORS', full };
    }
    case 'PROCESSLIST':
      return { ...base, target: 'PROCESSLIST', full };
    case 'STORAGE':
      p.expectWord('ENGINES');
      return { ...base, target: 'ENGINES', full };
    case 'ENGINES':
      return { ...base, target: 'ENGINES', full };
    case 'CHARSET':
      return simple('CHARSET');
    case 'CHARACTER':
      p.expectWord('SET');
      return simple('CHARSET');
    case 'COLLATION':
      return simple('COLLATION');
    case 'GRANTS': {
      if (!p.acceptWord('FOR')) return { ...base, target: 'GRANTS', full };
      const user = parseUserSpec(p);
      if (p.isWord('USING')) p.notSupported('SHOW GRANTS ... USING');
      return { ...base, target: 'GRANTS', full, user };
    }
    case 'PRIVILEGES':
      return { ...base, target: 'PRIVILEGES', full };
    case 'PLUGINS':
      return { ...base, target: 'PLUGINS', full };
    case 'MASTER':
      p.expectWord('STATUS');
      return { ...base, target: 'MASTER STATUS', full };
    case 'BINARY':
      p.expectWord('LOGS');
      return { ...base, target: 'BINARY LOGS', full };
    case 'TRIGGERS':
      return { ...base, target: 'TRIGGERS', full, ...fromDb(p), ...likeOrWhere(p) };
    case 'EVENTS':
      return { ...base, target: 'EVENTS', full, ...fromDb(p), ...likeOrWhere(p) };
    case 'FUNCTION':
    case 'PROCEDURE':
      if (p.acceptWord('STATUS')) {
        return { ...base, target: `${t.upper} STATUS`, full, ...likeOrWhere(p) };
      }
      return p.notSupported(`SHOW ${t.upper} ${p.peek().upper}`);
    default:
      if (UNSUPPORTED_SHOW.has(t.upper)) return p.notSupported(`SHOW ${t.upper}`, t);
      return p.fail(t);
  }
}

/** Valid SHOW statements we do not answer (yet): 1235 rather than 1064. */
const UNSUPPORTED_SHOW = new Set([
  'ENGINE',
  'SLAVE',
  'REPLICA',
  'REPLICAS',
  'RELAYLOG',
  'BINLOG',
  'PROFILE',
  'PROFILES',
  'OPEN',
  'PARSE_TREE',
  'CREATE',
  'EXTENDED',
  'GLOBAL',
]);

// ---------------------------------------------------------------------------------------------
// DESCRIBE / EXPLAIN

function isExplainable(p: Cursor): boolean {
  const t = p.peek();
  if (t.kind === Tok.OP) return t.text === '(';
  if (t.kind !== Tok.WORD) return false;
  switch (t.upper) {
    case 'SELECT':
    case 'WITH':
    case 'INSERT':
    case 'REPLACE':
    case 'UPDATE':
    case 'DELETE':
    case 'TABLE':
    case 'FORMAT':
    case 'ANALYZE':
    case 'EXTENDED':
    case 'PARTITIONS':
    case 'FOR':
      return true;
    default:
      return false;
  }
}

export function parseDescribeOrExplain(p: Cursor, kw: Token): Describe | Explain {
  if (!isExplainable(p)) {
    const table = p.tableName();
    let column: string | undefined;
    if (p.peek().kind === Tok.STRING) column = p.string();
    else if (p.isIdent()) column = p.ident();
    return { kind: 'describe', table, ...(column === undefined ? {} : { column }), pos: kw.start };
  }
  let format: string | undefined;
  let analyze = false;
  if (p.acceptWord('ANALYZE')) analyze = true;
  if (p.acceptWord('EXTENDED') || p.acceptWord('PARTITIONS')) {
    // Old modifiers; their output is the default now.
  }
  if (p.acceptWord('FORMAT')) {
    p.expectOp('=');
    format = p.identOrString().toUpperCase();
  }
  if (p.isWord('FOR')) p.notSupported('EXPLAIN FOR CONNECTION');
  let statement: Explain['statement'];
  const t = p.peek();
  if (startsQuery(p, 0)) statement = parseQuery(p);
  else if (t.upper === 'INSERT' || t.upper === 'REPLACE') statement = parseInsert(p);
  else if (t.upper === 'UPDATE') statement = parseUpdate(p);
  else if (t.upper === 'DELETE') statement = parseDelete(p);
  else if (t.upper === 'TABLE') return p.notSupported('TABLE statement');
  else return p.fail(t);
  return {
    kind: 'explain',
    ...(format === undefined ? {} : { format }),
    analyze,
    statement,
    pos: kw.start,
  };
}

// ---------------------------------------------------------------------------------------------
// Transactions and locks

export function parseStartTransaction(p: Cursor, kw: Token): Begin {
  p.expectWord('TRANSACTION');
  let readOnly: boolean | undefined;
  let consistentSnapshot = false;
  if (!p.atEnd()) {
    do {
      if (p.acceptWord('WITH')) {
        p.expectWord('CONSISTENT');
        p.expectWord('SNAPSHOT');
        consistentSnapshot = true;
      } else {
        p.expectWord('READ');
        if (p.acceptWord('ONLY')) readOnly = true;
        else {
          p.expectWord('WRITE');
          readOnly = false;
        }
      }
    } while (p.acceptOp(','));
  }
  return {
    kind: 'begin',
    ...(readOnly === undefined ? {} : { readOnly }),
    consistentSnapshot,
    pos: kw.start,
  };
}

/** COMMIT / ROLLBACK `[WORK] [AND [NO] CHAIN] [[NO] RELEASE]`: chaining is not supported. */
export function parseCompletion(p: Cursor): void {
  p.acceptWord('WORK');
  if (p.isWord('AND')) {
    if (p.isWordAt(1, 'NO') && p.isWordAt(2, 'CHAIN')) {
      p.i += 3;
    } else p.notSupported('AND CHAIN');
  }
  if (p.isWord('RELEASE') || (p.isWord('NO') && p.isWordAt(1, 'RELEASE'))) {
    if (p.acceptWord('NO')) p.next();
    else p.notSupported('RELEASE');
  }
}

export function parseLockTables(p: Cursor, kw: Token): LockTables {
  if (!p.acceptWord('TABLES')) p.expectWord('TABLE');
  const tables: LockTables['tables'][number][] = [];
  do {
    const table = p.tableName();
    let alias: string | undefined;
    if (p.acceptWord('AS')) alias = p.ident();
    else if (p.isIdent() && !p.isWord('WRITE')) alias = p.ident();
    let mode: LockTables['tables'][number]['mode'];
    if (p.acceptWord('READ')) mode = p.acceptWord('LOCAL') ? 'READ LOCAL' : 'READ';
    else if (p.acceptWord('LOW_PRIORITY')) {
      p.expectWord('WRITE');
      mode = 'LOW_PRIORITY WRITE';
    } else {
      p.expectWord('WRITE');
      mode = 'WRITE';
    }
    tables.push({ table, ...(alias === undefined ? {} : { alias }), mode });
  } while (p.acceptOp(','));
  return { kind: 'lockTables', tables, pos: kw.start };
}

export function parseKill(p: Cursor, kw: Token): Kill {
  let scope: Kill['scope'] = 'CONNECTION';
  if (p.acceptWord('QUERY')) scope = 'QUERY';
  else p.acceptWord('CONNECTION');
  return { kind: 'kill', scope, id: parseExpr(p), pos: kw.start };
}

// ---------------------------------------------------------------------------------------------
// Users and privileges

/**
 * `'u'@'h'`, `u@h`, `'u'` (host `%`), or `CURRENT_USER[()]` (the session's own account) where
 * MySQL allows it. The lexer reads `@'h'` as a user variable token.
 */
export function parseUserSpec(p: Cursor, allowCurrent = true): UserSpec {
  const t = p.next();
  let user: string;
  if (t.kind === Tok.STRING || t.kind === Tok.QIDENT) user = t.text;
  else if (t.kind === Tok.WORD) {
    if (t.upper === 'CURRENT_USER') {
      if (!allowCurrent) return p.fail(t);
      if (p.acceptOp('(')) p.expectOp(')');
      return { user: '', host: '', current: true };
    }
    user = t.text;
  } else return p.fail(t);
  const h = p.peek();
  if (h.kind === Tok.USERVAR && h.start === t.end) {
    p.next();
    return { user, host: h.text };
  }
  return { user, host: '%' };
}

function parseUserAuth(p: Cursor, allowCurrent: boolean): UserAuth {
  const user = parseUserSpec(p, allowCurrent);
  let password: string | undefined;
  let plugin: string | undefined;
  if (p.acceptWord('IDENTIFIED')) {
    if (p.acceptWord('WITH')) {
      plugin = p.identOrString();
      if (p.acceptWord('BY')) password = parsePassword(p);
      else if (p.acceptWord('AS')) p.notSupported('IDENTIFIED ... AS auth_string');
    } else {
      p.expectWord('BY');
      password = parsePassword(p);
      // Lenient order: IDENTIFIED BY 'p' WITH plugin.
      if (p.isWord('WITH') && p.isIdent(p.peekAt(1)) && !p.isWordAt(1, 'MAX_QUERIES_PER_HOUR')) {
        p.next();
        plugin = p.identOrString();
      }
    }
  }
  return {
    user,
    ...(password === undefined ? {} : { password }),
    ...(plugin === undefined ? {} : { plugin }),
  };
}

function parsePassword(p: Cursor): string {
  if (p.isWord('RANDOM')) p.notSupported('RANDOM PASSWORD');
  if (p.acceptWord('PASSWORD')) p.notSupported('IDENTIFIED BY PASSWORD hash');
  return p.string();
}

function rejectAccountOptions(p: Cursor): void {
  const t = p.peek();
  if (t.kind !== Tok.WORD) return;
  switch (t.upper) {
    case 'REQUIRE':
    case 'WITH':
    case 'PASSWORD':
    case 'ACCOUNT':
    case 'DEFAULT':
    case 'COMMENT':
    case 'ATTRIBUTE':
    case 'FAILED_LOGIN_ATTEMPTS':
    case 'PASSWORD_LOCK_TIME':
      p.notSupported(`account option ${t.upper}`);
      break;
    default:
      break;
  }
}

export function parseCreateUser(p: Cursor, kw: Token): Statement {
  let ifNotExists = false;
  if (p.acceptWord('IF')) {
    p.expectWord('NOT');
    p.expectWord('EXISTS');
    ifNotExists = true;
  }
  const users = [parseUserAuth(p, false)];
  while (p.acceptOp(',')) users.push(parseUserAuth(p, false));
  rejectAccountOptions(p);
  return { kind: 'createUser', ifNotExists, users, pos: kw.start };
}

export function parseAlterUser(p: Cursor, kw: Token): Statement {
  let ifExists = false;
  if (p.acceptWord('IF')) {
    p.expectWord('EXISTS');
    ifExists = true;
  }
  if (p.isWord('USER') && p.isOpAt(1, '(')) p.notSupported('ALTER USER USER()');
  const users = [parseUserAuth(p, true)];
  while (p.acceptOp(',')) users.push(parseUserAuth(p, true));
  rejectAccountOptions(p);
  return { kind: 'alterUser', ifExists, users, pos: kw.start };
}

export function parseDropUser(p: Cursor, kw: Token): Statement {
  let ifExists = false;
  if (p.acceptWord('IF')) {
    p.expectWord('EXISTS');
    ifExists = true;
  }
  const users = [parseUserSpec(p)];
  while (p.acceptOp(',')) users.push(parseUserSpec(p));
  return { kind: 'dropUser', ifExists, users, pos: kw.start };
}

/**
 * MySQL's privilege names of more than one word. A single word is kept as written (an unknown
 * one is MySQL's dynamic privilege, refused by the engine); other word sequences are 1064.
 */
const MULTI_WORD_PRIVILEGES = new Set([
  'ALL PRIVILEGES',
  'GRANT OPTION',
  'CREATE USER',
  'SHOW DATABASES',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'REPLICATION SLAVE',
  'REPLICATION REPLICA',
  'REPLICATION CLIENT',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'CREATE TABLESPACE',
  'CREATE ROLE',
  'DROP ROLE',
]);

function parsePrivileges(p: Cursor): Privilege[] {
  const privileges: Privilege[] = [];
  do {
    const words: Token[] = [];
    for (;;) {
      const t = p.peek();
      if (t.kind !== Tok.WORD || t.upper === 'ON' || t.upper === 'TO' || t.upper === 'FROM') break;
      words.push(t);
      p.next();
    }
    const [first, second] = words;
    if (first === undefined) p.fail();
    let name = words.map((w) => w.upper).join(' ');
    if (second !== undefined && !MULTI_WORD_PRIVILEGES.has(name)) p.fail(second);
    if (name === 'ALL PRIVILEGES') name = 'ALL';
    const columns = p.isOp('(') ? p.identList() : undefined;
    privileges.push({ name, ...(columns === undefined ? {} : { columns }) });
  } while (p.acceptOp(','));
  return privileges;
}

function parseGrantTarget(p: Cursor): GrantTarget {
  if (p.isWord('FUNCTION') || p.isWord('PROCEDURE')) p.notSupported(`GRANT ON ${p.peek().upper}`);
  p.acceptWord('TABLE');
  const first = p.acceptOp('*') ? '*' : p.ident();
  if (!p.acceptOp('.')) return { table: first };
  // `*.*` or `db.*` / `db.tbl`; `*.tbl` is not MySQL.
  if (first === '*') p.expectOp('*');
  const table = first === '*' || p.acceptOp('*') ? '*' : p.identAfterDot();
  return { db: first, table };
}

export function parseGrant(p: Cursor, kw: Token): Statement {
  if (p.isWord('PROXY')) p.notSupported('GRANT PROXY');
  const privileges = parsePrivileges(p);
  if (!p.acceptWord('ON')) p.notSupported('GRANT role');
  const on = parseGrantTarget(p);
  p.expectWord('TO');
  const to = [parseUserSpec(p)];
  while (p.acceptOp(',')) to.push(parseUserSpec(p));
  let withGrantOption = false;
  if (p.acceptWord('WITH')) {
    p.expectWord('GRANT');
    p.expectWord('OPTION');
    withGrantOption = true;
  }
  return { kind: 'grant', privileges, on, to, withGrantOption, pos: kw.start };
}

export function parseRevoke(p: Cursor, kw: Token): Statement {
  if (p.isWord('PROXY')) p.notSupported('REVOKE PROXY');
  let ifExists = false;
  if (p.acceptWord('IF')) {
    p.expectWord('EXISTS');
    ifExists = true;
  }
  if (ifExists) p.notSupported('REVOKE IF EXISTS');
  const privileges = parsePrivileges(p);
  // REVOKE ALL [PRIVILEGES], GRANT OPTION FROM u: every privilege at every level.
  const everything =
    privileges.length === 2 &&
    privileges[0]?.name === 'ALL' &&
    privileges[1]?.name === 'GRANT OPTION' &&
    p.isWord('FROM');
  if (!everything && !p.acceptWord('ON')) p.notSupported('REVOKE role');
  const on = everything ? undefined : parseGrantTarget(p);
  p.expectWord('FROM');
  const from = [parseUserSpec(p)];
  while (p.acceptOp(',')) from.push(parseUserSpec(p));
  return {
    kind: 'revoke',
    privileges,
    ...(on === undefined ? {} : { on }),
    from,
    pos: kw.start,
  };
}

export function parseFlush(p: Cursor, kw: Token): Flush {
  if (!p.acceptWord('NO_WRITE_TO_BINLOG')) p.acceptWord('LOCAL');
  const targets: string[] = [];
  do {
    const words: string[] = [];
    while (p.peek().kind === Tok.WORD) words.push(p.next().upper);
    if (words.length === 0) p.fail();
    targets.push(words.join(' '));
  } while (p.acceptOp(','));
  return { kind: 'flush', targets, pos: kw.start };
}

// ---------------------------------------------------------------------------------------------
// ALTER CLUSTER (Tessera)

export function parseAlterCluster(p: Cursor, kw: Token): AlterCluster {
  const verb = p.next();
  if (verb.kind !== Tok.WORD) return p.fail(verb);
  switch (verb.upper) {
    case 'ADD': {
      p.expectWord('NODE');
      // `[IN] ZONE 'z'`: IN reads better ("add a node in zone b"); both spellings parse.
      let zone: string | undefined;
      if (p.acceptWord('IN') || p.isWord('ZONE')) {
        p.expectWord('ZONE');
        zone = p.identOrString();
      }
      return {
        kind: 'alterCluster',
        action: 'ADD NODE',
        ...(zone === undefined ? {} : { zone }),
        pos: kw.start,
      };
    }
    case 'DRAIN':
    case 'REMOVE':
    case 'KILL':
    case 'RESTART': {
      p.expectWord('NODE');
      const n = p.next();
      if (n.kind !== Tok.NUMBER && n.kind !== Tok.STRING && !p.isIdent(n)) return p.fail(n);
      const action = `${verb.upper} NODE` as AlterCluster['action'];
      return { kind: 'alterCluster', action, node: n.text, pos: kw.start };
    }
    default:
      return p.fail(verb);
  }
}
