// The printer: canonical SQL from an AST. Keywords upper case, identifiers always backquoted,
// parentheses only where precedence needs them. The contract, checked by the round-trip
// tests: parse(formatSql(parse(x))) equals parse(x) (ignoring `pos` and select-item `source`).

import type {
  AlterAction,
  Assignment,
  BinaryOp,
  CastType,
  ColumnDef,
  DataType,
  Expr,
  ForeignKeyReference,
  FuncCall,
  Hint,
  IndexColumn,
  IndexOptions,
  Limit,
  OrderItem,
  Query,
  SelectItem,
  SetItem,
  Show,
  Statement,
  TableConstraint,
  TableName,
  TableOption,
  TableRef,
  UnaryOp,
  UserAuth,
  UserSpec,
} from './ast.js';
import { NILADIC_FUNCTIONS, RESERVED, RESERVED_FUNCTIONS } from './keywords.js';

// ---------------------------------------------------------------------------------------------
// Names and literals

export function quoteIdent(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

export function quoteString(value: string): string {
  let out = "'";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    switch (c) {
      case 0:
        out += '\\0';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 26:
        out += '\\Z';
        break;
      case 39:
        out += "\\'";
        break;
      case 92:
        out += '\\\\';
        break;
      default:
        out += value[i] ?? '';
    }
  }
  return out + "'";
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Charset / collation / engine names: a bare word when safe, else a string. */
function word(name: string): string {
  if (!PLAIN_NAME.test(name)) return quoteString(name);
  const upper = name.toUpperCase();
  if (RESERVED.has(upper) && upper !== 'BINARY' && upper !== 'DEFAULT') return quoteString(name);
  return name;
}

function tableName(t: TableName): string {
  return t.db === undefined ? quoteIdent(t.name) : `${quoteIdent(t.db)}.${quoteIdent(t.name)}`;
}

function user(u: UserSpec): string {
  if (u.current === true) return 'CURRENT_USER()';
  return `${quoteString(u.user)}@${quoteString(u.host)}`;
}

function hintComments(hints: readonly Hint[], kind: Hint['kind']): string {
  const seen = new Set<string>();
  for (const h of hints) if (h.kind === kind) seen.add(h.text);
  return [...seen].map((text) => text + ' ').join('');
}

/** `/*FORCE_MASTER*\/ SELECT /*+ hints *\/ ` */
function keywordWithHints(keyword: string, hints: readonly Hint[]): string {
  return `${hintComments(hints, 'routing')}${keyword} ${hintComments(hints, 'optimizer')}`;
}

// ---------------------------------------------------------------------------------------------
// Expressions

const PREC_PRIMARY = 200;

const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  OR: 10,
  XOR: 20,
  AND: 30,
  '=': 60,
  '<=>': 60,
  '<>': 60,
  '<': 60,
  '<=': 60,
  '>': 60,
  '>=': 60,
  '|': 70,
  '&': 80,
  '<<': 90,
  '>>': 90,
  '+': 100,
  '-': 100,
  '*': 110,
  '/': 110,
  DIV: 110,
  '%': 110,
  '^': 120,
  '->': PREC_PRIMARY,
  '->>': PREC_PRIMARY,
};

const UNARY_PRECEDENCE: Readonly<Record<UnaryOp, number>> = {
  NOT: 40,
  '-': 130,
  '+': 130,
  '~': 130,
  '!': 140,
  BINARY: 150,
};

/** Node kinds that print as operators; every other kind prints as a primary. */
const KIND_PRECEDENCE: Readonly<Partial<Record<Expr['kind'], number>>> = {
  assign: 5,
  is: 60,
  quantified: 60,
  like: 65,
  regexp: 65,
  in: 65,
  inSubquery: 65,
  between: 65,
  collate: 150,
};

function precedence(e: Expr): number {
  if (e.kind === 'binary') return BINARY_PRECEDENCE[e.op];
  if (e.kind === 'unary') return UNARY_PRECEDENCE[e.op];
  // A folded negative literal behaves like a unary minus.
  if (e.kind === 'number') return e.text.startsWith('-') ? 130 : PREC_PRIMARY;
  return KIND_PRECEDENCE[e.kind] ?? PREC_PRIMARY;
}

/** Prints `e`, parenthesised if it binds looser than `min`. */
function sub(e: Expr, min: number): string {
  const s = formatExpr(e);
  return precedence(e) < min ? `(${s})` : s;
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'string':
      if (e.charset === 'national') return 'N' + quoteString(e.value);
      return (e.charset === undefined ? '' : `_${e.charset}`) + quoteString(e.value);
    case 'hex':
      return (e.charset === undefined ? '' : `_${e.charset} `) + `0x${e.digits}`;
    case 'bit':
      return `b'${e.digits}'`;
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'temporal':
      return `${e.type} ${quoteString(e.value)}`;
    case 'param':
      return '?';
    case 'column':
      return (
        (e.db === undefined ? '' : quoteIdent(e.db) + '.') +
        (e.table === undefined ? '' : quoteIdent(e.table) + '.') +
        quoteIdent(e.name)
      );
    case 'userVar':
      return '@' + (PLAIN_NAME.test(e.name) ? e.name : quoteIdent(e.name));
    case 'sysVar':
      return '@@' + (e.scope === undefined ? '' : e.scope + '.') + e.name;
    case 'default':
      return 'DEFAULT';
    case 'unary': {
      if (e.op === 'NOT') return `NOT ${sub(e.operand, 41)}`;
      if (e.op === 'BINARY') return `BINARY ${sub(e.operand, 130)}`;
      // `-(5)` is a unary minus over a literal; `-5` would read back as a folded literal.
      const operand =
        e.op === '-' && e.operand.kind === 'number' ? `(${e.operand.text})` : sub(e.operand, 130);
      const sep = operand.startsWith('-') || operand.startsWith('+') ? ' ' : '';
      return e.op + sep + operand;
    }
    case 'binary': {
      const p = precedence(e);
      if (e.op === '->' || e.op === '->>')
        return `${formatExpr(e.left)}${e.op}${formatExpr(e.right)}`;
      return `${sub(e.left, p)} ${e.op} ${sub(e.right, p + 1)}`;
    }
    case 'assign':
      return `${formatExpr(e.target)} := ${formatExpr(e.value)}`;
    case 'is':
      return `${sub(e.operand, 60)} IS ${e.not ? 'NOT ' : ''}${e.value}`;
    case 'like':
      return (
        `${sub(e.operand, 65)} ${e.not ? 'NOT ' : ''}LIKE ${sub(e.pattern, 66)}` +
        (e.escape === undefined ? '' : ` ESCAPE ${sub(e.escape, 66)}`)
      );
    case 'regexp':
      return `${sub(e.operand, 65)} ${e.not ? 'NOT ' : ''}REGEXP ${sub(e.pattern, 66)}`;
    case 'in':
      return `${sub(e.operand, 65)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(formatExpr).join(', ')})`;
    case 'inSubquery':
      return `${sub(e.operand, 65)} ${e.not ? 'NOT ' : ''}IN (${formatQuery(e.query)})`;
    case 'between':
      return `${sub(e.operand, 65)} ${e.not ? 'NOT ' : ''}BETWEEN ${sub(e.low, 66)} AND ${sub(e.high, 66)}`;
    case 'exists':
      return `EXISTS (${formatQuery(e.query)})`;
    case 'subquery':
      return `(${formatQuery(e.query)})`;
    case 'quantified':
      return `${sub(e.operand, 60)} ${e.op} ${e.quantifier} (${formatQuery(e.query)})`;
    case 'case': {
      let s = 'CASE';
      if (e.operand !== undefined) s += ' ' + formatExpr(e.operand);
      for (const w of e.whens) s += ` WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`;
      if (e.else !== undefined) s += ` ELSE ${formatExpr(e.else)}`;
      return s + ' END';
    }
    case 'cast':
      return `CAST(${formatExpr(e.operand)} AS ${formatCastType(e.type)})`;
    case 'convertUsing':
      return `CONVERT(${formatExpr(e.operand)} USING ${word(e.charset)})`;
    case 'collate':
      return `${sub(e.operand, 150)} COLLATE ${word(e.collation)}`;
    case 'interval':
      return `INTERVAL ${formatExpr(e.value)} ${e.unit}`;
    case 'extract':
      return `EXTRACT(${e.unit} FROM ${formatExpr(e.operand)})`;
    case 'row':
      if (e.items.length < 2) return `ROW(${e.items.map(formatExpr).join(', ')})`;
      return `(${e.items.map(formatExpr).join(', ')})`;
    case 'call':
      return formatCall(e);
  }
}

function callName(e: FuncCall): string {
  const plain =
    PLAIN_NAME.test(e.name) && (!RESERVED.has(e.name) || RESERVED_FUNCTIONS.has(e.name));
  const name = plain ? e.name : quoteIdent(e.name);
  return e.db === undefined ? name : `${quoteIdent(e.db)}.${name}`;
}

function formatCall(e: FuncCall): string {
  const name = callName(e);
  if (e.star === true) return `${name}(*)`;
  if (e.args.length === 0 && e.db === undefined && NILADIC_FUNCTIONS.has(e.name)) return e.name;
  const args = e.args.map(formatExpr);
  if (e.trimSide !== undefined) {
    const [str = '', rem] = args;
    return `TRIM(${e.trimSide} ${rem === undefined ? '' : rem + ' '}FROM ${str})`;
  }
  if (e.unit !== undefined) return `${name}(${[e.unit, ...args].join(', ')})`;
  let s = `${name}(${e.distinct === true ? 'DISTINCT ' : ''}${args.join(', ')}`;
  if (e.orderBy !== undefined) s += ` ORDER BY ${formatOrderList(e.orderBy)}`;
  if (e.separator !== undefined) s += ` SEPARATOR ${quoteString(e.separator)}`;
  return s + ')';
}

function formatCastType(t: CastType): string {
  let s = t.name;
  if (t.length !== undefined)
    s += t.scale === undefined ? `(${t.length})` : `(${t.length},${t.scale})`;
  if (t.charset !== undefined) s += ` CHARACTER SET ${word(t.charset)}`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Queries

function hasTail(q: Query): boolean {
  return (
    q.orderBy.length > 0 || q.limit !== undefined || (q.kind === 'select' && q.lock !== undefined)
  );
}

function formatOrderList(items: readonly OrderItem[]): string {
  return items.map((o) => formatExpr(o.expr) + (o.desc ? ' DESC' : '')).join(', ');
}

function formatLimit(l: Limit): string {
  return l.offset === undefined
    ? ` LIMIT ${formatExpr(l.count)}`
    : ` LIMIT ${formatExpr(l.count)} OFFSET ${formatExpr(l.offset)}`;
}

function formatTail(q: Query): string {
  let s = '';
  if (q.orderBy.length > 0) s += ` ORDER BY ${formatOrderList(q.orderBy)}`;
  if (q.limit !== undefined) s += formatLimit(q.limit);
  if (q.kind === 'select' && q.lock !== undefined) {
    s += ` FOR ${q.lock.mode}` + (q.lock.wait === undefined ? '' : ` ${q.lock.wait}`);
  }
  return s;
}

function formatSelectItem(item: SelectItem): string {
  if (item.kind === 'star') {
    return (
      (item.db === undefined ? '' : quoteIdent(item.db) + '.') +
      (item.table === undefined ? '' : quoteIdent(item.table) + '.') +
      '*'
    );
  }
  const expr = formatExpr(item.expr);
  return item.alias === undefined ? expr : `${expr} AS ${quoteIdent(item.alias)}`;
}

function formatTableRef(t: TableRef): string {
  switch (t.kind) {
    case 'table': {
      let s = tableName(t.table);
      if (t.alias !== undefined) s += ` AS ${quoteIdent(t.alias)}`;
      for (const h of t.indexHints ?? []) {
        s += ` ${h.type} INDEX${h.scope === undefined ? '' : ` FOR ${h.scope}`} (${h.indexes
          .map((i) => (i === 'PRIMARY' ? i : quoteIdent(i)))
          .join(', ')})`;
      }
      return s;
    }
    case 'derived':
      return (
        `(${formatQuery(t.query)}) AS ${quoteIdent(t.alias)}` +
        (t.columns === undefined ? '' : ` (${t.columns.map(quoteIdent).join(', ')})`)
      );
    case 'join': {
      const right =
        t.right.kind === 'join' ? `(${formatTableRef(t.right)})` : formatTableRef(t.right);
      const kw = t.natural === true ? joinKeyword(t.type, true) : joinKeyword(t.type, false);
      let s = `${formatTableRef(t.left)} ${kw} ${right}`;
      if (t.on !== undefined) s += ` ON ${formatExpr(t.on)}`;
      if (t.using !== undefined) s += ` USING (${t.using.map(quoteIdent).join(', ')})`;
      return s;
    }
  }
}

function joinKeyword(type: string, natural: boolean): string {
  const prefix = natural ? 'NATURAL ' : '';
  switch (type) {
    case 'LEFT':
      return `${prefix}LEFT JOIN`;
    case 'RIGHT':
      return `${prefix}RIGHT JOIN`;
    case 'CROSS':
      return 'CROSS JOIN';
    case 'STRAIGHT':
      return 'STRAIGHT_JOIN';
    default:
      return `${prefix}JOIN`;
  }
}

function formatQuery(q: Query): string {
  if (q.kind === 'union') {
    // INTERSECT binds tighter: a UNION/EXCEPT under it needs parentheses on either side.
    const leftNeedsParens =
      hasTail(q.left) ||
      (q.op === 'INTERSECT' && q.left.kind === 'union' && q.left.op !== 'INTERSECT');
    const left = leftNeedsParens ? `(${formatQuery(q.left)})` : formatQuery(q.left);
    const right =
      q.right.kind === 'union' || hasTail(q.right)
        ? `(${formatQuery(q.right)})`
        : formatQuery(q.right);
    return `${left} ${q.op} ${q.all ? 'ALL ' : ''}${right}${formatTail(q)}`;
  }
  let s = keywordWithHints('SELECT', q.hints);
  if (q.distinct) s += 'DISTINCT ';
  for (const o of q.options) s += o + ' ';
  s += q.columns.map(formatSelectItem).join(', ');
  if (q.from.length > 0) s += ' FROM ' + q.from.map(formatTableRef).join(', ');
  if (q.where !== undefined) s += ' WHERE ' + formatExpr(q.where);
  if (q.groupBy.length > 0) s += ' GROUP BY ' + q.groupBy.map(formatExpr).join(', ');
  if (q.having !== undefined) s += ' HAVING ' + formatExpr(q.having);
  return s + formatTail(q);
}

function formatAssignments(list: readonly Assignment[]): string {
  return list.map((a) => `${formatExpr(a.column)} = ${formatExpr(a.value)}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// DDL

export function formatDataType(t: DataType): string {
  let s = t.name;
  if (t.values !== undefined) s += `(${t.values.map(quoteString).join(',')})`;
  else if (t.length !== undefined)
    s += t.scale === undefined ? `(${t.length})` : `(${t.length},${t.scale})`;
  if (t.unsigned === true) s += ' UNSIGNED';
  if (t.zerofill === true) s += ' ZEROFILL';
  if (t.charset !== undefined) s += ` CHARACTER SET ${word(t.charset)}`;
  if (t.collation !== undefined) s += ` COLLATE ${word(t.collation)}`;
  return s;
}

const PLAIN_DEFAULT_KINDS: ReadonlySet<Expr['kind']> = new Set([
  'number',
  'string',
  'hex',
  'bit',
  'bool',
  'null',
  'temporal',
  'call',
]);

/** Literals and calls print bare after DEFAULT; anything else needs `(expr)`. */
function isPlainDefault(e: Expr): boolean {
  return PLAIN_DEFAULT_KINDS.has(e.kind);
}

function formatDefault(e: Expr): string {
  return isPlainDefault(e) ? formatExpr(e) : `(${formatExpr(e)})`;
}

function formatReferences(r: ForeignKeyReference): string {
  let s = `REFERENCES ${tableName(r.table)} (${r.columns.map(quoteIdent).join(', ')})`;
  if (r.onDelete !== undefined) s += ` ON DELETE ${r.onDelete}`;
  if (r.onUpdate !== undefined) s += ` ON UPDATE ${r.onUpdate}`;
  return s;
}

function formatColumnDef(c: ColumnDef): string {
  let s = `${quoteIdent(c.name)} ${formatDataType(c.type)}`;
  if (c.generated !== undefined)
    s += ` GENERATED ALWAYS AS (${formatExpr(c.generated.expr)}) ${c.generated.stored ? 'STORED' : 'VIRTUAL'}`;
  if (c.nullable === false) s += ' NOT NULL';
  if (c.nullable === true) s += ' NULL';
  if (c.default !== undefined) s += ` DEFAULT ${formatDefault(c.default)}`;
  if (c.onUpdate !== undefined) s += ` ON UPDATE ${formatDefault(c.onUpdate)}`;
  if (c.autoIncrement === true) s += ' AUTO_INCREMENT';
  if (c.unique === true) s += ' UNIQUE KEY';
  if (c.primaryKey === true) s += ' PRIMARY KEY';
  if (c.comment !== undefined) s += ` COMMENT ${quoteString(c.comment)}`;
  if (c.invisible === true) s += ' INVISIBLE';
  if (c.check !== undefined) s += ` CHECK (${formatExpr(c.check)})`;
  if (c.references !== undefined) s += ' ' + formatReferences(c.references);
  return s;
}

function formatIndexColumns(cols: readonly IndexColumn[]): string {
  return (
    '(' +
    cols
      .map(
        (c) =>
          quoteIdent(c.name) +
          (c.length === undefined ? '' : `(${c.length})`) +
          (c.desc === true ? ' DESC' : ''),
      )
      .join(', ') +
    ')'
  );
}

function formatIndexOptions(o: IndexOptions): string {
  let s = '';
  if (o.using !== undefined) s += ` USING ${o.using}`;
  if (o.comment !== undefined) s += ` COMMENT ${quoteString(o.comment)}`;
  if (o.invisible === true) s += ' INVISIBLE';
  return s;
}

function formatConstraint(c: TableConstraint): string {
  const named = c.name === undefined ? '' : `CONSTRAINT ${quoteIdent(c.name)} `;
  switch (c.kind) {
    case 'primaryKey':
      return `${named}PRIMARY KEY ${formatIndexColumns(c.columns)}${formatIndexOptions(c.options)}`;
    case 'index': {
      const kw = c.unique ? 'UNIQUE KEY' : c.indexType === undefined ? 'KEY' : `${c.indexType} KEY`;
      const name = c.name === undefined ? '' : quoteIdent(c.name) + ' ';
      return `${kw} ${name}${formatIndexColumns(c.columns)}${formatIndexOptions(c.options)}`;
    }
    case 'foreignKey':
      return `${named}FOREIGN KEY (${c.columns.map(quoteIdent).join(', ')}) ${formatReferences(c.references)}`;
    case 'check':
      return `${named}CHECK (${formatExpr(c.expr)})`;
  }
}

function formatTableOption(o: TableOption): string {
  const value =
    o.valueKind === 'string'
      ? quoteString(o.value)
      : o.valueKind === 'number'
        ? o.value
        : word(o.value);
  const name = o.name === 'CHARSET' ? 'DEFAULT CHARSET' : o.name;
  return `${name}=${value}`;
}

function position(p: { first?: boolean; after?: string } | undefined): string {
  if (p === undefined) return '';
  if (p.first === true) return ' FIRST';
  return p.after === undefined ? '' : ` AFTER ${quoteIdent(p.after)}`;
}

function formatAlterAction(a: AlterAction): string {
  switch (a.kind) {
    case 'addColumn':
      return `ADD COLUMN ${formatColumnDef(a.column)}${position(a.position)}`;
    case 'dropColumn':
      return `DROP COLUMN ${quoteIdent(a.name)}`;
    case 'modifyColumn':
      return `MODIFY COLUMN ${formatColumnDef(a.column)}${position(a.position)}`;
    case 'changeColumn':
      return `CHANGE COLUMN ${quoteIdent(a.oldName)} ${formatColumnDef(a.column)}${position(a.position)}`;
    case 'renameColumn':
      return `RENAME COLUMN ${quoteIdent(a.from)} TO ${quoteIdent(a.to)}`;
    case 'alterColumnDefault':
      return a.default === undefined
        ? `ALTER COLUMN ${quoteIdent(a.name)} DROP DEFAULT`
        : `ALTER COLUMN ${quoteIdent(a.name)} SET DEFAULT ${formatDefault(a.default)}`;
    case 'addConstraint':
      return `ADD ${formatConstraint(a.constraint)}`;
    case 'dropIndex':
      return `DROP INDEX ${quoteIdent(a.name)}`;
    case 'dropPrimaryKey':
      return 'DROP PRIMARY KEY';
    case 'dropForeignKey':
      return `DROP FOREIGN KEY ${quoteIdent(a.name)}`;
    case 'dropCheck':
      return `DROP CHECK ${quoteIdent(a.name)}`;
    case 'renameIndex':
      return `RENAME INDEX ${quoteIdent(a.from)} TO ${quoteIdent(a.to)}`;
    case 'renameTable':
      return `RENAME TO ${tableName(a.to)}`;
    case 'tableOptions':
      return a.options.map(formatTableOption).join(' ');
    case 'algorithm':
      return `ALGORITHM=${a.value}`;
    case 'lock':
      return `LOCK=${a.value}`;
    case 'convertCharset':
      return (
        `CONVERT TO CHARACTER SET ${word(a.charset)}` +
        (a.collation === undefined ? '' : ` COLLATE ${word(a.collation)}`)
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Administration

function formatSetItem(item: SetItem): string {
  switch (item.kind) {
    case 'names':
      return (
        `NAMES ${charset(item.charset)}` +
        (item.collation === undefined ? '' : ` COLLATE ${charset(item.collation)}`)
      );
    case 'charset':
      return `CHARACTER SET ${charset(item.charset)}`;
    case 'variable': {
      const value = formatExpr(item.value);
      if (item.scope === 'user')
        return `${formatExpr({ kind: 'userVar', name: item.name })} = ${value}`;
      const name = item.name.split('.').map(quoteIdent).join('.');
      const scope = item.scope === undefined ? '' : item.scope.toUpperCase() + ' ';
      return `${scope}${name} = ${value}`;
    }
    case 'password':
      return `PASSWORD${item.user === undefined ? '' : ' FOR ' + user(item.user)} = ${quoteString(item.password)}`;
  }
}

function charset(name: string): string {
  return name === 'default' ? 'DEFAULT' : quoteString(name);
}

function formatShow(s: Show): string {
  const full = s.full ? 'FULL ' : '';
  const scope = s.scope === undefined ? '' : s.scope + ' ';
  const db = s.db === undefined ? '' : ` FROM ${quoteIdent(s.db)}`;
  const filter =
    (s.like === undefined ? '' : ` LIKE ${quoteString(s.like)}`) +
    (s.where === undefined ? '' : ` WHERE ${formatExpr(s.where)}`);
  const table = s.table === undefined ? '' : tableName(s.table);
  switch (s.target) {
    case 'TABLES':
    case 'TABLE STATUS':
    case 'OPEN TABLES':
    case 'TRIGGERS':
    case 'EVENTS':
      return `SHOW ${full}${s.target}${db}${filter}`;
    case 'COLUMNS':
    case 'INDEX':
      return `SHOW ${full}${s.target} FROM ${table}${db}${filter}`;
    case 'CREATE TABLE':
    case 'CREATE VIEW':
      return `SHOW ${s.target} ${table}`;
    case 'CREATE DATABASE':
      return `SHOW CREATE DATABASE ${s.ifNotExists === true ? 'IF NOT EXISTS ' : ''}${quoteIdent(s.db ?? '')}`;
    case 'VARIABLES':
    case 'STATUS':
      return `SHOW ${scope}${s.target}${filter}`;
    case 'WARNINGS':
    case 'ERRORS':
      return `SHOW ${s.target}${s.limit === undefined ? '' : formatLimit(s.limit)}`;
    case 'COUNT WARNINGS':
      return 'SHOW COUNT(*) WARNINGS';
    case 'COUNT ERRORS':
      return 'SHOW COUNT(*) ERRORS';
    case 'GRANTS':
      return `SHOW GRANTS${s.user === undefined ? '' : ' FOR ' + user(s.user)}`;
    case 'PROCESSLIST':
      return `SHOW ${full}PROCESSLIST`;
    case 'CHARSET':
      return `SHOW CHARACTER SET${filter}`;
    case 'DATABASES':
    case 'COLLATION':
    case 'ENGINES':
    case 'PRIVILEGES':
    case 'PLUGINS':
    case 'MASTER STATUS':
    case 'BINARY LOGS':
    case 'FUNCTION STATUS':
    case 'PROCEDURE STATUS':
      return `SHOW ${s.target}${filter}`;
  }
}

function formatUserAuth(u: UserAuth): string {
  let s = user(u.user);
  if (u.plugin !== undefined) {
    s += ` IDENTIFIED WITH ${word(u.plugin)}`;
    if (u.password !== undefined) s += ` BY ${quoteString(u.password)}`;
  } else if (u.password !== undefined) s += ` IDENTIFIED BY ${quoteString(u.password)}`;
  return s;
}

function grantTarget(on: { db?: string; table: string }): string {
  const part = (x: string): string => (x === '*' ? '*' : quoteIdent(x));
  return on.db === undefined ? part(on.table) : `${part(on.db)}.${part(on.table)}`;
}

function privileges(list: readonly { name: string; columns?: readonly string[] }[]): string {
  return list
    .map(
      (p) => p.name + (p.columns === undefined ? '' : ` (${p.columns.map(quoteIdent).join(', ')})`),
    )
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Statements

export function formatSql(s: Statement): string {
  switch (s.kind) {
    case 'select':
    case 'union':
      return formatQuery(s);
    case 'insert': {
      let out = keywordWithHints(s.replace ? 'REPLACE' : 'INSERT', s.hints);
      if (s.priority !== undefined) out += s.priority + ' ';
      if (s.ignore) out += 'IGNORE ';
      out += `INTO ${tableName(s.table)}`;
      if (s.columns !== undefined) out += ` (${s.columns.map(quoteIdent).join(', ')})`;
      switch (s.source.kind) {
        case 'values':
          out +=
            ' VALUES ' + s.source.rows.map((r) => `(${r.map(formatExpr).join(', ')})`).join(', ');
          break;
        case 'set':
          out += ' SET ' + formatAssignments(s.source.assignments);
          break;
        case 'query':
          out += ' ' + formatQuery(s.source.query);
          break;
      }
      if (s.onDuplicateKeyUpdate !== undefined)
        out += ' ON DUPLICATE KEY UPDATE ' + formatAssignments(s.onDuplicateKeyUpdate);
      return out;
    }
    case 'update': {
      let out = keywordWithHints('UPDATE', s.hints);
      if (s.lowPriority) out += 'LOW_PRIORITY ';
      if (s.ignore) out += 'IGNORE ';
      out += s.tables.map(formatTableRef).join(', ') + ' SET ' + formatAssignments(s.set);
      if (s.where !== undefined) out += ' WHERE ' + formatExpr(s.where);
      if (s.orderBy.length > 0) out += ' ORDER BY ' + formatOrderList(s.orderBy);
      if (s.limit !== undefined) out += formatLimit(s.limit);
      return out;
    }
    case 'delete': {
      let out = keywordWithHints('DELETE', s.hints);
      if (s.lowPriority) out += 'LOW_PRIORITY ';
      if (s.quick) out += 'QUICK ';
      if (s.ignore) out += 'IGNORE ';
      if (s.targets === undefined) {
        out += 'FROM ' + s.from.map(formatTableRef).join(', ');
      } else {
        out +=
          s.targets.map(tableName).join(', ') + ' FROM ' + s.from.map(formatTableRef).join(', ');
      }
      if (s.where !== undefined) out += ' WHERE ' + formatExpr(s.where);
      if (s.orderBy.length > 0) out += ' ORDER BY ' + formatOrderList(s.orderBy);
      if (s.limit !== undefined) out += formatLimit(s.limit);
      return out;
    }
    case 'createTable': {
      let out = `CREATE ${s.temporary ? 'TEMPORARY ' : ''}TABLE ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${tableName(s.table)}`;
      if (s.like !== undefined) return `${out} LIKE ${tableName(s.like)}`;
      const defs = [...s.columns.map(formatColumnDef), ...s.constraints.map(formatConstraint)];
      if (defs.length > 0) out += ` (${defs.join(', ')})`;
      if (s.options.length > 0) out += ' ' + s.options.map(formatTableOption).join(' ');
      if (s.query !== undefined) out += ' AS ' + formatQuery(s.query);
      return out;
    }
    case 'dropTable':
      return `DROP ${s.temporary ? 'TEMPORARY ' : ''}TABLE ${s.ifExists ? 'IF EXISTS ' : ''}${s.tables.map(tableName).join(', ')}`;
    case 'truncate':
      return `TRUNCATE TABLE ${tableName(s.table)}`;
    case 'renameTable':
      return `RENAME TABLE ${s.renames.map((r) => `${tableName(r.from)} TO ${tableName(r.to)}`).join(', ')}`;
    case 'alterTable':
      return `ALTER TABLE ${tableName(s.table)}${s.actions.length === 0 ? '' : ' '}${s.actions.map(formatAlterAction).join(', ')}`;
    case 'createIndex': {
      const kind = s.unique ? 'UNIQUE ' : s.indexType === undefined ? '' : s.indexType + ' ';
      return `CREATE ${kind}INDEX ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(s.name)} ON ${tableName(s.table)} ${formatIndexColumns(s.columns)}${formatIndexOptions(s.options)}`;
    }
    case 'dropIndex':
      return `DROP INDEX ${quoteIdent(s.name)} ON ${tableName(s.table)}`;
    case 'createDatabase':
      return (
        `CREATE DATABASE ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(s.name)}` +
        (s.charset === undefined ? '' : ` CHARACTER SET ${word(s.charset)}`) +
        (s.collation === undefined ? '' : ` COLLATE ${word(s.collation)}`)
      );
    case 'dropDatabase':
      return `DROP DATABASE ${s.ifExists ? 'IF EXISTS ' : ''}${quoteIdent(s.name)}`;
    case 'alterDatabase':
      return (
        `ALTER DATABASE${s.name === undefined ? '' : ' ' + quoteIdent(s.name)}` +
        (s.charset === undefined ? '' : ` CHARACTER SET ${word(s.charset)}`) +
        (s.collation === undefined ? '' : ` COLLATE ${word(s.collation)}`)
      );
    case 'use':
      return `USE ${quoteIdent(s.db)}`;
    case 'set':
      return 'SET ' + s.items.map(formatSetItem).join(', ');
    case 'setTransaction': {
      const parts: string[] = [];
      if (s.isolationLevel !== undefined) parts.push(`ISOLATION LEVEL ${s.isolationLevel}`);
      if (s.accessMode !== undefined) parts.push(s.accessMode);
      return `SET ${s.scope === undefined ? '' : s.scope + ' '}TRANSACTION ${parts.join(', ')}`;
    }
    case 'show':
      return formatShow(s);
    case 'describe':
      return `DESCRIBE ${tableName(s.table)}${s.column === undefined ? '' : ' ' + quoteIdent(s.column)}`;
    case 'explain':
      return `EXPLAIN ${s.analyze ? 'ANALYZE ' : ''}${s.format === undefined ? '' : `FORMAT=${s.format} `}${formatSql(s.statement)}`;
    case 'begin': {
      const parts: string[] = [];
      if (s.consistentSnapshot) parts.push('WITH CONSISTENT SNAPSHOT');
      if (s.readOnly !== undefined) parts.push(s.readOnly ? 'READ ONLY' : 'READ WRITE');
      return `START TRANSACTION${parts.length === 0 ? '' : ' ' + parts.join(', ')}`;
    }
    case 'commit':
      return 'COMMIT';
    case 'rollback':
      return s.savepoint === undefined
        ? 'ROLLBACK'
        : `ROLLBACK TO SAVEPOINT ${quoteIdent(s.savepoint)}`;
    case 'savepoint':
      return `SAVEPOINT ${quoteIdent(s.name)}`;
    case 'releaseSavepoint':
      return `RELEASE SAVEPOINT ${quoteIdent(s.name)}`;
    case 'lockTables':
      return (
        'LOCK TABLES ' +
        s.tables
          .map(
            (t) =>
              tableName(t.table) +
              (t.alias === undefined ? '' : ` AS ${quoteIdent(t.alias)}`) +
              ' ' +
              t.mode,
          )
          .join(', ')
      );
    case 'unlockTables':
      return 'UNLOCK TABLES';
    case 'kill':
      return `KILL ${s.scope} ${formatExpr(s.id)}`;
    case 'createUser':
      return `CREATE USER ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${s.users.map(formatUserAuth).join(', ')}`;
    case 'alterUser':
      return `ALTER USER ${s.ifExists ? 'IF EXISTS ' : ''}${s.users.map(formatUserAuth).join(', ')}`;
    case 'dropUser':
      return `DROP USER ${s.ifExists ? 'IF EXISTS ' : ''}${s.users.map(user).join(', ')}`;
    case 'grant':
      return (
        `GRANT ${privileges(s.privileges)} ON ${grantTarget(s.on)} TO ${s.to.map(user).join(', ')}` +
        (s.withGrantOption ? ' WITH GRANT OPTION' : '')
      );
    case 'revoke':
      return `REVOKE ${privileges(s.privileges)}${s.on === undefined ? '' : ` ON ${grantTarget(s.on)}`} FROM ${s.from.map(user).join(', ')}`;
    case 'flush':
      return `FLUSH ${s.targets.join(', ')}`;
    case 'alterCluster': {
      let out = `ALTER CLUSTER ${s.action}`;
      if (s.node !== undefined)
        out += ' ' + (/^[0-9]+$/.test(s.node) ? s.node : quoteString(s.node));
      if (s.zone !== undefined) out += ` IN ZONE ${quoteString(s.zone)}`;
      return out;
    }
    case 'do':
      return `DO ${s.exprs.map(formatExpr).join(', ')}`;
  }
}
