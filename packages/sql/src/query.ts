// Queries: SELECT, UNION, FROM clauses with joins and derived tables, ORDER BY, LIMIT, locking.

import type {
  Expr,
  IndexHint,
  Limit,
  LockClause,
  OrderItem,
  Query,
  Select,
  SelectItem,
  TableRef,
  JoinType,
  Union,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { SqlSyntaxError } from './errors.js';
import { parseExpr } from './expr.js';
import { Tok } from './lexer.js';

/** True when the token `ahead` positions on starts a query: SELECT, or `(` before one. */
export function startsQuery(p: Cursor, ahead: number): boolean {
  let k = ahead;
  for (;;) {
    const t = p.peekAt(k);
    if (t.kind === Tok.WORD) {
      return t.upper === 'SELECT' || t.upper === 'WITH' || t.upper === 'VALUES';
    }
    if (t.kind !== Tok.OP || t.text !== '(') return false;
    k++;
  }
}

/** A query expression: SELECT or parenthesised query, UNIONs, then ORDER BY / LIMIT / locking. */
export function parseQuery(p: Cursor): Query {
  p.enter();
  let left = parseIntersection(p);
  while (p.isWord('UNION') || p.isWord('EXCEPT')) {
    const op = p.next().upper === 'UNION' ? 'UNION' : 'EXCEPT';
    left = setOperation(p, op, left, parseIntersection);
  }
  const result = attachTail(p, left);
  p.leave();
  return result;
}

/** INTERSECT binds tighter than UNION and EXCEPT. */
function parseIntersection(p: Cursor): Term {
  let left = parseQueryTerm(p);
  while (p.isWord('INTERSECT')) {
    p.next();
    left = setOperation(p, 'INTERSECT', left, parseQueryTerm);
  }
  return left;
}

function setOperation(
  p: Cursor,
  op: Union['op'],
  left: Term,
  parseRight: (p: Cursor) => Term,
): Term {
  let all = false;
  if (p.acceptWord('ALL')) all = true;
  else p.acceptWord('DISTINCT');
  const right = parseRight(p);
  const union: Union = {
    kind: 'union',
    op,
    hints: left.query.hints,
    left: left.query,
    right: right.query,
    all,
    orderBy: [],
    pos: left.query.pos,
  };
  return { query: union, parenthesized: false };
}

interface Term {
  readonly query: Query;
  readonly parenthesized: boolean;
}

function hasTail(term: Term): boolean {
  const q = term.query;
  return (
    q.orderBy.length > 0 || q.limit !== undefined || (q.kind === 'select' && q.lock !== undefined)
  );
}

function parseQueryTerm(p: Cursor): Term {
  if (p.isOp('(')) {
    p.enter();
    p.next();
    const query = parseQuery(p);
    p.expectOp(')');
    p.leave();
    return { query, parenthesized: true };
  }
  if (p.isWord('SELECT')) {
    const select = parseSelectCore(p);
    return { query: select, parenthesized: false };
  }
  if (p.isWord('WITH')) return p.notSupported('WITH (common table expressions)');
  if (p.isWord('VALUES')) return p.notSupported('VALUES statement');
  return p.fail();
}

/** ORDER BY / LIMIT / FOR UPDATE after a query term; they belong to the whole union. */
function attachTail(p: Cursor, term: Term): Query {
  const tailTok = p.peek();
  const orderBy = p.isWord('ORDER') ? parseOrderBy(p) : [];
  const limit = p.isWord('LIMIT') ? parseLimit(p) : undefined;
  const lock = parseLock(p);
  if (orderBy.length === 0 && limit === undefined && lock === undefined) return term.query;
  const q = term.query;
  if (hasTail(term)) {
    // `(SELECT ... LIMIT 1) LIMIT 2`: legal MySQL, but one level of tail is all we model.
    if (term.parenthesized) p.notSupported('nested ORDER BY / LIMIT', tailTok);
    throw new SqlSyntaxError(p.text, tailTok.start);
  }
  if (q.kind === 'union') {
    if (lock !== undefined) p.fail(tailTok);
    return { ...q, orderBy, ...(limit === undefined ? {} : { limit }) };
  }
  return {
    ...q,
    orderBy,
    ...(limit === undefined ? {} : { limit }),
    ...(lock === undefined ? {} : { lock }),
  };
}

const SELECT_OPTIONS = new Set([
  'HIGH_PRIORITY',
  'STRAIGHT_JOIN',
  'SQL_SMALL_RESULT',
  'SQL_BIG_RESULT',
  'SQL_BUFFER_RESULT',
  'SQL_CACHE',
  'SQL_NO_CACHE',
  'SQL_CALC_FOUND_ROWS',
]);

/** SELECT up to HAVING (no ORDER BY / LIMIT: the caller attaches those). */
export function parseSelectCore(p: Cursor): Select {
  const kw = p.expectWord('SELECT');
  const hints = p.hintsAround(kw);
  let distinct = false;
  const options: string[] = [];
  for (;;) {
    const t = p.peek();
    if (t.kind !== Tok.WORD) break;
    if (t.upper === 'DISTINCT' || t.upper === 'DISTINCTROW') distinct = true;
    else if (t.upper === 'ALL') {
      // ALL is the default.
    } else if (SELECT_OPTIONS.has(t.upper)) options.push(t.upper);
    else break;
    p.next();
  }
  const columns = [parseSelectItem(p)];
  while (p.acceptOp(',')) columns.push(parseSelectItem(p));
  if (p.isWord('INTO')) p.notSupported('SELECT ... INTO');
  let from: TableRef[] = [];
  if (p.acceptWord('FROM')) {
    if (p.acceptWord('DUAL')) from = [];
    else from = parseTableRefs(p);
  }
  const where = p.acceptWord('WHERE') ? parseExpr(p) : undefined;
  let groupBy: Expr[] = [];
  if (p.acceptWord('GROUP')) {
    p.expectWord('BY');
    groupBy = parseGroupList(p);
    if (p.isWord('WITH')) p.notSupported('WITH ROLLUP');
  }
  const having = p.acceptWord('HAVING') ? parseExpr(p) : undefined;
  if (p.isWord('WINDOW')) p.notSupported('WINDOW');
  return {
    kind: 'select',
    hints,
    distinct,
    options,
    columns,
    from,
    ...(where === undefined ? {} : { where }),
    groupBy,
    ...(having === undefined ? {} : { having }),
    orderBy: [],
    pos: kw.start,
  };
}

function parseGroupList(p: Cursor): Expr[] {
  const list: Expr[] = [];
  do {
    list.push(parseExpr(p));
    // ASC/DESC after GROUP BY items was removed in 8.0; old dumps still carry it.
    if (!p.acceptWord('ASC')) p.acceptWord('DESC');
  } while (p.acceptOp(','));
  return list;
}

function parseSelectItem(p: Cursor): SelectItem {
  const t = p.peek();
  if (t.kind === Tok.OP && t.text === '*') {
    p.next();
    return { kind: 'star' };
  }
  if (p.isIdent(t) && p.isOpAt(1, '.')) {
    if (p.isOpAt(2, '*')) {
      p.next();
      p.next();
      p.next();
      return { kind: 'star', table: t.text };
    }
    const second = p.peekAt(2);
    if (
      (second.kind === Tok.WORD || second.kind === Tok.QIDENT) &&
      p.isOpAt(3, '.') &&
      p.isOpAt(4, '*')
    ) {
      p.i += 5;
      return { kind: 'star', db: t.text, table: second.text };
    }
  }
  const expr = parseExpr(p);
  const source = p.text.slice(t.start, p.prev().end);
  const alias = parseAlias(p);
  return alias === undefined
    ? { kind: 'expr', expr, source }
    : { kind: 'expr', expr, alias, source };
}

/** `[AS] alias`: after AS an identifier or string; without AS an unreserved word too. */
function parseAlias(p: Cursor): string | undefined {
  if (p.acceptWord('AS')) return p.identOrString();
  const t = p.peek();
  if (t.kind === Tok.STRING || p.isIdent(t)) {
    p.next();
    return t.text;
  }
  return undefined;
}

function parseTableAlias(p: Cursor): string | undefined {
  if (p.acceptWord('AS')) return p.identOrString();
  const t = p.peek();
  if (p.isIdent(t)) {
    p.next();
    return t.text;
  }
  return undefined;
}

export function parseTableRefs(p: Cursor): TableRef[] {
  const refs = [parseJoinTree(p)];
  while (p.acceptOp(',')) refs.push(parseJoinTree(p));
  return refs;
}

function parseJoinTree(p: Cursor): TableRef {
  let left = parseTableFactor(p);
  for (;;) {
    const t = p.peek();
    if (t.kind !== Tok.WORD) return left;
    let type: JoinType;
    let natural = false;
    switch (t.upper) {
      case 'JOIN':
      case 'INNER':
        type = 'INNER';
        break;
      case 'CROSS':
        type = 'CROSS';
        break;
      case 'STRAIGHT_JOIN':
        type = 'STRAIGHT';
        break;
      case 'LEFT':
        type = 'LEFT';
        break;
      case 'RIGHT':
        type = 'RIGHT';
        break;
      case 'NATURAL':
        natural = true;
        p.next();
        if (p.isWord('LEFT') || p.isWord('RIGHT')) {
          type = p.peek().upper as 'LEFT' | 'RIGHT';
        } else {
          type = 'INNER';
          if (!p.isWord('INNER') && !p.isWord('JOIN')) p.fail();
          if (p.isWord('JOIN')) {
            p.next();
            left = { kind: 'join', type, natural, left, right: parseTableFactor(p) };
            continue;
          }
        }
        break;
      default:
        return left;
    }
    const kw = p.next();
    if (kw.upper === 'LEFT' || kw.upper === 'RIGHT') p.acceptWord('OUTER');
    if (kw.upper !== 'JOIN' && kw.upper !== 'STRAIGHT_JOIN') p.expectWord('JOIN');
    const right = parseTableFactor(p);
    if (natural) {
      left = { kind: 'join', type, natural, left, right };
      continue;
    }
    if (p.acceptWord('ON')) {
      left = { kind: 'join', type, left, right, on: parseExpr(p) };
    } else if (p.acceptWord('USING')) {
      left = { kind: 'join', type, left, right, using: p.identList() };
    } else {
      if (type === 'LEFT' || type === 'RIGHT') p.fail();
      left = { kind: 'join', type, left, right };
    }
  }
}

function parseTableFactor(p: Cursor): TableRef {
  const t = p.peek();
  if (t.kind === Tok.OP && t.text === '(') {
    p.enter();
    if (startsQuery(p, 1) && isDerived(p)) {
      p.next();
      const query = parseQuery(p);
      p.expectOp(')');
      p.leave();
      const alias = parseTableAlias(p);
      if (alias === undefined) p.fail();
      const columns = p.isOp('(') ? p.identList() : undefined;
      return { kind: 'derived', query, alias, ...(columns === undefined ? {} : { columns }) };
    }
    p.next();
    const refs = parseTableRefs(p);
    p.expectOp(')');
    p.leave();
    if (refs.length !== 1) p.notSupported('comma list inside parenthesised table references', t);
    return refs[0] as TableRef;
  }
  if (t.kind === Tok.WORD && t.upper === 'LATERAL') p.notSupported('LATERAL');
  if (t.kind === Tok.WORD && t.upper === 'JSON_TABLE') p.notSupported('JSON_TABLE');
  const table = p.tableName();
  if (p.isWord('PARTITION')) p.notSupported('PARTITION selection');
  const alias = parseTableAlias(p);
  const indexHints = parseIndexHints(p);
  return {
    kind: 'table',
    table,
    ...(alias === undefined ? {} : { alias }),
    ...(indexHints.length === 0 ? {} : { indexHints }),
  };
}

/**
 * `((SELECT ...) UNION ...) AS d` vs `((t1 JOIN t2))`: a parenthesis that starts a query is a
 * derived table unless it is followed by something only a table reference may contain.
 */
function isDerived(p: Cursor): boolean {
  if (!p.isOpAt(1, '(')) return true;
  const save = p.i;
  const params = p.paramCount;
  try {
    p.next();
    parseQuery(p);
    p.expectOp(')');
    return true;
  } catch {
    return false;
  } finally {
    p.i = save;
    p.paramCount = params;
  }
}

function parseIndexHints(p: Cursor): IndexHint[] {
  const hints: IndexHint[] = [];
  for (;;) {
    const t = p.peek();
    if (t.kind !== Tok.WORD || (t.upper !== 'USE' && t.upper !== 'IGNORE' && t.upper !== 'FORCE'))
      return hints;
    if (!p.isWordAt(1, 'INDEX') && !p.isWordAt(1, 'KEY')) return hints;
    p.next();
    p.next();
    let scope: IndexHint['scope'];
    if (p.acceptWord('FOR')) {
      if (p.acceptWord('JOIN')) scope = 'JOIN';
      else if (p.acceptWord('ORDER')) {
        p.expectWord('BY');
        scope = 'ORDER BY';
      } else {
        p.expectWord('GROUP');
        p.expectWord('BY');
        scope = 'GROUP BY';
      }
    }
    p.expectOp('(');
    const indexes: string[] = [];
    if (!p.isOp(')')) {
      do {
        indexes.push(p.acceptWord('PRIMARY') ? 'PRIMARY' : p.ident());
      } while (p.acceptOp(','));
    }
    p.expectOp(')');
    const type: IndexHint['type'] = t.upper;
    hints.push(scope === undefined ? { type, indexes } : { type, scope, indexes });
  }
}

export function parseOrderBy(p: Cursor): OrderItem[] {
  p.expectWord('ORDER');
  p.expectWord('BY');
  return parseOrderList(p);
}

export function parseOrderList(p: Cursor): OrderItem[] {
  const items: OrderItem[] = [];
  do {
    const expr = parseExpr(p);
    let desc = false;
    if (p.acceptWord('DESC')) desc = true;
    else p.acceptWord('ASC');
    items.push({ expr, desc });
  } while (p.acceptOp(','));
  return items;
}

function parseLimitValue(p: Cursor): Expr {
  const t = p.peek();
  if (t.kind === Tok.NUMBER && t.flags === 0) {
    p.next();
    return { kind: 'number', text: t.text, numberType: 'int' };
  }
  if (t.kind === Tok.PARAM) {
    p.next();
    return { kind: 'param', index: p.paramCount++ };
  }
  if (t.kind === Tok.USERVAR) {
    p.next();
    return { kind: 'userVar', name: t.text };
  }
  return p.fail(t);
}

export function parseLimit(p: Cursor): Limit {
  p.expectWord('LIMIT');
  const first = parseLimitValue(p);
  if (p.acceptOp(',')) return { count: parseLimitValue(p), offset: first };
  if (p.acceptWord('OFFSET')) return { count: first, offset: parseLimitValue(p) };
  return { count: first };
}

function parseLock(p: Cursor): LockClause | undefined {
  if (p.isWord('FOR')) {
    p.next();
    let mode: LockClause['mode'];
    if (p.acceptWord('UPDATE')) mode = 'UPDATE';
    else {
      p.expectWord('SHARE');
      mode = 'SHARE';
    }
    if (p.isWord('OF')) p.notSupported('FOR UPDATE OF');
    if (p.acceptWord('NOWAIT')) return { mode, wait: 'NOWAIT' };
    if (p.acceptWord('SKIP')) {
      p.expectWord('LOCKED');
      return { mode, wait: 'SKIP LOCKED' };
    }
    return { mode };
  }
  if (p.isWord('LOCK')) {
    p.next();
    p.expectWord('IN');
    p.expectWord('SHARE');
    p.expectWord('MODE');
    return { mode: 'SHARE' };
  }
  return undefined;
}
