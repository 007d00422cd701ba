// Expressions: precedence climbing over MySQL's operator table (lowest first):
//
//   :=  ·  OR ||  ·  XOR  ·  AND &&  ·  NOT  ·  = <=> <> != < <= > >= IS  ·  LIKE REGEXP IN
//   BETWEEN  ·  |  ·  &  ·  << >>  ·  + -  ·  * / DIV % MOD  ·  ^  ·  unary - + ~  ·  !  ·
//   BINARY COLLATE  ·  primary
//
// Predicates (LIKE, IN, BETWEEN, REGEXP) bind tighter than comparisons, so `a = b LIKE c` is
// `a = (b LIKE c)`, as in MySQL's grammar (`bool_pri comp_op predicate`).

import type {
  BinaryOp,
  CaseExpr,
  CastType,
  Expr,
  FuncCall,
  IntervalUnit,
  OrderItem,
  QuantifiedExpr,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { INTERVAL_UNITS, NILADIC_FUNCTIONS, RESERVED, RESERVED_FUNCTIONS } from './keywords.js';
import { NUM_DECIMAL, NUM_FLOAT, STRING_NATIONAL, Tok } from './lexer.js';
import type { Token } from './lexer.js';
import { parseOrderList, parseQuery, startsQuery } from './query.js';

const P_OR = 10;
const P_XOR = 20;
const P_AND = 30;
const P_NOT = 40;
const P_CMP = 60;
const P_PRED = 65;
const P_BITOR = 70;
const P_BITAND = 80;
const P_SHIFT = 90;
const P_ADD = 100;
const P_MUL = 110;
const P_BITXOR = 120;

export function parseExpr(p: Cursor): Expr {
  p.enter();
  const left = parseBinary(p, P_OR);
  if (p.isOp(':=')) {
    if (left.kind !== 'userVar') p.fail();
    p.next();
    const value = parseExpr(p);
    p.leave();
    return { kind: 'assign', target: left, value };
  }
  p.leave();
  return left;
}

/** A bit expression: no comparisons, predicates or logical operators at the top. */
export function parseBitExpr(p: Cursor): Expr {
  return parseBinary(p, P_PRED + 1);
}

export function parseExprList(p: Cursor): Expr[] {
  const list = [parseExpr(p)];
  while (p.acceptOp(',')) list.push(parseExpr(p));
  return list;
}

function parseBinary(p: Cursor, minPrec: number): Expr {
  let left = parsePrefix(p);
  for (;;) {
    const t = p.peek();
    let prec: number;
    let op: BinaryOp | undefined;
    if (t.kind === Tok.OP) {
      switch (t.text) {
        case '||':
          prec = P_OR;
          op = 'OR';
          break;
        case '&&':
          prec = P_AND;
          op = 'AND';
          break;
        case '=':
        case '<=>':
        case '<>':
        case '<':
        case '<=':
        case '>':
        case '>=':
          prec = P_CMP;
          op = t.text;
          break;
        case '!=':
          prec = P_CMP;
          op = '<>';
          break;
        case '|':
          prec = P_BITOR;
          op = '|';
          break;
        case '&':
          prec = P_BITAND;
          op = '&';
          break;
        case '<<':
        case '>>':
          prec = P_SHIFT;
          op = t.text;
          break;
        case '+':
        case '-':
          prec = P_ADD;
          op = t.text;
          break;
        case '*':
        case '/':
        case '%':
          prec = P_MUL;
          op = t.text;
          break;
        case '^':
          prec = P_BITXOR;
          op = '^';
          break;
        default:
          return left;
      }
    } else if (t.kind === Tok.WORD) {
      switch (t.upper) {
        case 'OR':
          prec = P_OR;
          op = 'OR';
          break;
        case 'XOR':
          prec = P_XOR;
          op = 'XOR';
          break;
        case 'AND':
          prec = P_AND;
          op = 'AND';
          break;
        case 'DIV':
          prec = P_MUL;
          op = 'DIV';
          break;
        case 'MOD':
          prec = P_MUL;
          op = '%';
          break;
        case 'IS':
          prec = P_CMP;
          break;
        case 'LIKE':
        case 'REGEXP':
        case 'RLIKE':
        case 'IN':
        case 'BETWEEN':
        case 'SOUNDS':
        case 'MEMBER':
          prec = P_PRED;
          break;
        case 'NOT': {
          const n = p.peekAt(1);
          if (n.kind !== Tok.WORD) return left;
          const u = n.upper;
          if (u !== 'IN' && u !== 'LIKE' && u !== 'BETWEEN' && u !== 'REGEXP' && u !== 'RLIKE')
            return left;
          prec = P_PRED;
          break;
        }
        default:
          return left;
      }
    } else {
      return left;
    }
    if (prec < minPrec) return left;
    p.next();
    if (op === undefined) {
      left = t.upper === 'IS' ? parseIs(p, left) : parsePredicate(p, t, left);
    } else if (prec === P_CMP) {
      left = parseComparisonRight(p, op, left);
    } else {
      const right = parseBinary(p, prec + 1);
      left = { kind: 'binary', op, left, right };
    }
  }
}

function parseComparisonRight(p: Cursor, op: BinaryOp, left: Expr): Expr {
  const t = p.peek();
  if (
    t.kind === Tok.WORD &&
    (t.upper === 'ANY' || t.upper === 'SOME' || t.upper === 'ALL') &&
    p.isOpAt(1, '(')
  ) {
    p.next();
    p.next();
    if (!startsQuery(p, 0)) p.fail();
    const query = parseQuery(p);
    p.expectOp(')');
    return {
      kind: 'quantified',
      op: op as QuantifiedExpr['op'],
      quantifier: t.upper === 'ALL' ? 'ALL' : 'ANY',
      operand: left,
      query,
    };
  }
  const right = parseBinary(p, P_CMP + 1);
  return { kind: 'binary', op, left, right };
}

function parseIs(p: Cursor, left: Expr): Expr {
  const not = p.acceptWord('NOT');
  const t = p.next();
  if (t.kind === Tok.WORD) {
    switch (t.upper) {
      case 'NULL':
      case 'TRUE':
      case 'FALSE':
      case 'UNKNOWN':
        return { kind: 'is', not, value: t.upper, operand: left };
      default:
        break;
    }
  }
  return p.fail(t);
}

function parsePredicate(p: Cursor, first: Token, operand: Expr): Expr {
  let not = false;
  let t = first;
  if (t.upper === 'NOT') {
    not = true;
    t = p.next();
  }
  switch (t.upper) {
    case 'LIKE': {
      const pattern = parseBinary(p, P_PRED + 1);
      if (p.acceptWord('ESCAPE')) {
        const escape = parseBinary(p, P_PRED + 1);
        return { kind: 'like', not, operand, pattern, escape };
      }
      return { kind: 'like', not, operand, pattern };
    }
    case 'REGEXP':
    case 'RLIKE':
      return { kind: 'regexp', not, operand, pattern: parseBinary(p, P_PRED + 1) };
    case 'BETWEEN': {
      const low = parseBinary(p, P_PRED + 1);
      p.expectWord('AND');
      const high = parseBinary(p, P_PRED + 1);
      return { kind: 'between', not, operand, low, high };
    }
    case 'IN': {
      p.expectOp('(');
      if (startsQuery(p, 0)) {
        const query = parseQuery(p);
        p.expectOp(')');
        return { kind: 'inSubquery', not, operand, query };
      }
      const list = parseExprList(p);
      p.expectOp(')');
      return { kind: 'in', not, operand, list };
    }
    case 'SOUNDS':
      return p.notSupported('SOUNDS LIKE', t);
    case 'MEMBER':
      return p.notSupported('MEMBER OF', t);
    default:
      return p.fail(t);
  }
}

function parsePrefix(p: Cursor): Expr {
  p.enter();
  const e = parsePrefixInner(p);
  p.leave();
  return e;
}

function parsePrefixInner(p: Cursor): Expr {
  const t = p.peek();
  if (t.kind === Tok.OP) {
    switch (t.text) {
      case '-': {
        p.next();
        const n = p.peek();
        // Fold `-5` into the literal: LIMIT, DEFAULT and VALUES see a plain number.
        if (n.kind === Tok.NUMBER && !isPostfixAfterNumber(p)) {
          p.next();
          return { kind: 'number', text: '-' + n.text, numberType: numberType(n) };
        }
        return { kind: 'unary', op: '-', operand: parsePrefix(p) };
      }
      case '+':
        p.next();
        return { kind: 'unary', op: '+', operand: parsePrefix(p) };
      case '~':
        p.next();
        return { kind: 'unary', op: '~', operand: parsePrefix(p) };
      case '!':
        p.next();
        return { kind: 'unary', op: '!', operand: parsePrefix(p) };
      default:
        break;
    }
  } else if (t.kind === Tok.WORD) {
    if (t.upper === 'NOT') {
      p.next();
      const operand = parseBinary(p, P_NOT + 1);
      return { kind: 'unary', op: 'NOT', operand };
    }
    if (t.upper === 'BINARY') {
      p.next();
      return { kind: 'unary', op: 'BINARY', operand: parsePrefix(p) };
    }
  }
  return parsePostfix(p, parsePrimary(p));
}

/** `-5 COLLATE x` must not fold; any other follower is fine. */
function isPostfixAfterNumber(p: Cursor): boolean {
  return p.isWordAt(1, 'COLLATE');
}

function parsePostfix(p: Cursor, operand: Expr): Expr {
  let e = operand;
  for (;;) {
    if (p.isWord('COLLATE')) {
      p.next();
      e = { kind: 'collate', operand: e, collation: p.identOrString() };
    } else if ((p.isOp('->') || p.isOp('->>')) && e.kind === 'column') {
      const op = p.next().text === '->' ? '->' : '->>';
      const path = p.peek();
      if (path.kind !== Tok.STRING) p.fail(path);
      p.next();
      e = { kind: 'binary', op, left: e, right: { kind: 'string', value: path.text } };
    } else {
      return e;
    }
  }
}

function numberType(t: Token): 'int' | 'decimal' | 'float' {
  return t.flags === NUM_DECIMAL ? 'decimal' : t.flags === NUM_FLOAT ? 'float' : 'int';
}

/** Adjacent string literals concatenate: `'a' 'b'` is `'ab'`. */
function stringValue(p: Cursor, first: Token): string {
  let value = first.text;
  while (p.peek().kind === Tok.STRING && p.peek().flags !== STRING_NATIONAL) value += p.next().text;
  return value;
}

export function parsePrimary(p: Cursor): Expr {
  const t = p.peek();
  switch (t.kind) {
    case Tok.NUMBER:
      p.next();
      return { kind: 'number', text: t.text, numberType: numberType(t) };
    case Tok.STRING:
      p.next();
      if (t.flags === STRING_NATIONAL)
        return { kind: 'string', value: stringValue(p, t), charset: 'national' };
      return { kind: 'string', value: stringValue(p, t) };
    case Tok.HEX:
      p.next();
      return { kind: 'hex', digits: t.text };
    case Tok.BIT:
      p.next();
      return { kind: 'bit', digits: t.text };
    case Tok.PARAM:
      p.next();
      return { kind: 'param', index: p.paramCount++ };
    case Tok.USERVAR:
      p.next();
      return { kind: 'userVar', name: t.text };
    case Tok.SYSVAR:
      p.next();
      return sysVar(t.text);
    case Tok.QIDENT:
      return parseNamed(p);
    case Tok.WORD:
      return parseWordPrimary(p, t);
    case Tok.OP:
      if (t.text === '(') return parseParenthesized(p);
      if (t.text === '{') return p.notSupported('ODBC escape syntax', t);
      return p.fail(t);
    case Tok.EOF:
      return p.fail(t);
  }
}

export function sysVar(raw: string): Expr {
  const dot = raw.indexOf('.');
  if (dot > 0) {
    const scope = raw.slice(0, dot).toLowerCase();
    const name = raw.slice(dot + 1).toLowerCase();
    switch (scope) {
      case 'session':
      case 'local':
        return { kind: 'sysVar', scope: 'session', name };
      case 'global':
      case 'persist':
      case 'persist_only':
        return { kind: 'sysVar', scope, name };
      default:
        break;
    }
  }
  return { kind: 'sysVar', name: raw.toLowerCase() };
}

function parseParenthesized(p: Cursor): Expr {
  p.enter();
  p.expectOp('(');
  if (startsQuery(p, 0)) {
    const query = parseQuery(p);
    p.expectOp(')');
    p.leave();
    return { kind: 'subquery', query };
  }
  const first = parseExpr(p);
  if (p.acceptOp(',')) {
    const items = [first, ...parseExprList(p)];
    p.expectOp(')');
    p.leave();
    return { kind: 'row', items };
  }
  p.expectOp(')');
  p.leave();
  return first;
}

function parseWordPrimary(p: Cursor, t: Token): Expr {
  const next = p.peekAt(1);
  const call = next.kind === Tok.OP && next.text === '(';
  switch (t.upper) {
    case 'NULL':
      p.next();
      return { kind: 'null' };
    case 'TRUE':
      p.next();
      return { kind: 'bool', value: true };
    case 'FALSE':
      p.next();
      return { kind: 'bool', value: false };
    case 'DEFAULT':
      if (!call) {
        p.next();
        return { kind: 'default' };
      }
      break;
    case 'CASE':
      return parseCase(p);
    case 'EXISTS': {
      p.next();
      p.expectOp('(');
      if (!startsQuery(p, 0)) p.fail();
      const query = parseQuery(p);
      p.expectOp(')');
      return { kind: 'exists', query };
    }
    case 'INTERVAL':
      return parseInterval(p);
    case 'ROW':
      if (call) {
        p.next();
        p.expectOp('(');
        const items = parseExprList(p);
        p.expectOp(')');
        return { kind: 'row', items };
      }
      break;
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      if (next.kind === Tok.STRING) {
        p.next();
        p.next();
        return { kind: 'temporal', type: t.upper, value: next.text };
      }
      break;
    case 'MATCH':
      if (call) return p.notSupported('MATCH ... AGAINST', t);
      break;
    default:
      break;
  }
  if (call) {
    if (RESERVED.has(t.upper) && !RESERVED_FUNCTIONS.has(t.upper)) p.fail(t);
    p.next();
    return parseCall(p, t, t.upper, undefined);
  }
  if (NILADIC_FUNCTIONS.has(t.upper)) {
    p.next();
    return { kind: 'call', name: t.upper, args: [], pos: t.start };
  }
  // Character set introducer: _utf8mb4'x', _binary 0x00.
  if (t.text.charCodeAt(0) === 95 /* _ */ && (next.kind === Tok.STRING || next.kind === Tok.HEX)) {
    p.next();
    p.next();
    const charset = t.text.slice(1).toLowerCase();
    if (next.kind === Tok.HEX) return { kind: 'hex', digits: next.text, charset };
    return { kind: 'string', value: stringValue(p, next), charset };
  }
  return parseNamed(p);
}

/** A column reference `[[db.]t.]c`, or a schema-qualified call `db.f(...)`. */
function parseNamed(p: Cursor): Expr {
  const pos = p.peek().start;
  const first = p.ident();
  if (!p.isOp('.')) {
    if (p.isOp('(')) {
      // A backquoted name followed by `(` is a (stored) function call.
      return parseCall(p, p.prev(), first.toUpperCase(), undefined);
    }
    return { kind: 'column', name: first, pos };
  }
  p.next();
  const secondTok = p.peek();
  const second = p.identAfterDot();
  if (p.isOp('(')) return parseCall(p, secondTok, second.toUpperCase(), first);
  if (!p.isOp('.')) return { kind: 'column', table: first, name: second, pos };
  p.next();
  return { kind: 'column', db: first, table: second, name: p.identAfterDot(), pos };
}

/** After the function name; the next token is `(`. */
function parseCall(p: Cursor, nameTok: Token, name: string, db: string | undefined): Expr {
  p.enter();
  p.expectOp('(');
  const pos = nameTok.start;
  let result: Expr;
  switch (name) {
    case 'CAST':
      result = parseCastBody(p);
      break;
    case 'CONVERT':
      result = parseConvertBody(p);
      break;
    case 'EXTRACT': {
      const unit = parseIntervalUnit(p);
      p.expectWord('FROM');
      result = { kind: 'extract', unit, operand: parseExpr(p) };
      break;
    }
    case 'TRIM':
      result = parseTrimBody(p, pos);
      break;
    case 'SUBSTRING':
    case 'SUBSTR':
    case 'MID':
      result = parseSubstringBody(p, name, pos);
      break;
    case 'POSITION': {
      const needle = parseBinary(p, P_PRED + 1);
      p.expectWord('IN');
      result = { kind: 'call', name: 'LOCATE', args: [needle, parseExpr(p)], pos };
      break;
    }
    case 'TIMESTAMPADD':
    case 'TIMESTAMPDIFF': {
      const unit = parseIntervalUnit(p);
      p.expectOp(',');
      const args = parseExprList(p);
      result = { kind: 'call', name, args, unit, pos };
      break;
    }
    case 'GROUP_CONCAT':
      result = parseGroupConcatBody(p, pos);
      break;
    case 'CHAR': {
      const args = parseExprList(p);
      if (p.isWord('USING')) p.notSupported('CHAR(... USING charset)');
      result = { kind: 'call', name, args, pos };
      break;
    }
    default:
      result = parseGenericCallBody(p, name, db, pos);
  }
  p.expectOp(')');
  p.leave();
  if (p.isWord('OVER')) p.notSupported('window functions (OVER)');
  return result;
}

function parseGenericCallBody(
  p: Cursor,
  name: string,
  db: string | undefined,
  pos: number,
): FuncCall {
  if (p.isOp(')')) return withDb({ kind: 'call', name, args: [], pos }, db);
  if (p.isOp('*') && p.isOpAt(1, ')')) {
    p.next();
    return withDb({ kind: 'call', name, args: [], star: true, pos }, db);
  }
  let distinct = false;
  if (p.acceptWord('DISTINCT') || p.acceptWord('DISTINCTROW')) distinct = true;
  else p.acceptWord('ALL');
  const args = parseExprList(p);
  const call: FuncCall = distinct
    ? { kind: 'call', name, args, distinct, pos }
    : { kind: 'call', name, args, pos };
  return withDb(call, db);
}

function withDb(call: FuncCall, db: string | undefined): FuncCall {
  return db === undefined ? call : { ...call, db };
}

function parseGroupConcatBody(p: Cursor, pos: number): FuncCall {
  const distinct = p.acceptWord('DISTINCT');
  const args = parseExprList(p);
  let orderBy: OrderItem[] | undefined;
  let separator: string | undefined;
  if (p.acceptWord('ORDER')) {
    p.expectWord('BY');
    orderBy = parseOrderList(p);
  }
  if (p.acceptWord('SEPARATOR')) separator = p.string();
  return {
    kind: 'call',
    name: 'GROUP_CONCAT',
    args,
    ...(distinct ? { distinct } : {}),
    ...(orderBy === undefined ? {} : { orderBy }),
    ...(separator === undefined ? {} : { separator }),
    pos,
  };
}

function parseTrimBody(p: Cursor, pos: number): FuncCall {
  let side: 'BOTH' | 'LEADING' | 'TRAILING' | undefined;
  if (p.isWord('BOTH') || p.isWord('LEADING') || p.isWord('TRAILING')) {
    side = p.next().upper as 'BOTH' | 'LEADING' | 'TRAILING';
    if (p.acceptWord('FROM')) {
      return { kind: 'call', name: 'TRIM', args: [parseExpr(p)], trimSide: side, pos };
    }
  }
  const first = parseExpr(p);
  if (p.acceptWord('FROM')) {
    const str = parseExpr(p);
    return { kind: 'call', name: 'TRIM', args: [str, first], trimSide: side ?? 'BOTH', pos };
  }
  if (side !== undefined) p.fail();
  return { kind: 'call', name: 'TRIM', args: [first], pos };
}

function parseSubstringBody(p: Cursor, name: string, pos: number): FuncCall {
  const str = parseExpr(p);
  if (p.acceptWord('FROM')) {
    const from = parseExpr(p);
    if (p.acceptWord('FOR')) return { kind: 'call', name, args: [str, from, parseExpr(p)], pos };
    return { kind: 'call', name, args: [str, from], pos };
  }
  p.expectOp(',');
  return { kind: 'call', name, args: [str, ...parseExprList(p)], pos };
}

function parseCastBody(p: Cursor): Expr {
  const operand = parseExpr(p);
  p.expectWord('AS');
  const type = parseCastType(p);
  if (p.isWord('ARRAY')) p.notSupported('CAST ... ARRAY');
  return { kind: 'cast', operand, type };
}

function parseConvertBody(p: Cursor): Expr {
  const operand = parseExpr(p);
  if (p.acceptWord('USING')) return { kind: 'convertUsing', operand, charset: charsetName(p) };
  p.expectOp(',');
  return { kind: 'cast', operand, type: parseCastType(p) };
}

export function charsetName(p: Cursor): string {
  const t = p.peek();
  if (t.kind === Tok.STRING) {
    p.next();
    return t.text.toLowerCase();
  }
  // BINARY is reserved but a charset name.
  if (t.kind === Tok.WORD && (t.upper === 'BINARY' || t.upper === 'DEFAULT')) {
    p.next();
    return t.text.toLowerCase();
  }
  return p.ident().toLowerCase();
}

function optionalLength(p: Cursor): { length?: number; scale?: number } {
  if (!p.acceptOp('(')) return {};
  const length = p.integer();
  if (p.acceptOp(',')) {
    const scale = p.integer();
    p.expectOp(')');
    return { length, scale };
  }
  p.expectOp(')');
  return { length };
}

export function parseCastType(p: Cursor): CastType {
  const t = p.next();
  if (t.kind !== Tok.WORD) return p.fail(t);
  switch (t.upper) {
    case 'BINARY':
    case 'NCHAR':
    case 'CHAR':
    case 'CHARACTER': {
      const name = t.upper === 'BINARY' ? 'BINARY' : 'CHAR';
      const size = optionalLength(p);
      if (name === 'CHAR' && (p.isWord('CHARACTER') || p.isWord('CHARSET'))) {
        if (p.next().upper === 'CHARACTER') p.expectWord('SET');
        return { name, ...size, charset: charsetName(p) };
      }
      if (name === 'CHAR' && (p.acceptWord('ASCII') || p.acceptWord('UNICODE'))) {
        return { name, ...size, charset: p.prev().upper === 'ASCII' ? 'latin1' : 'ucs2' };
      }
      return { name, ...size };
    }
    case 'SIGNED':
    case 'UNSIGNED':
      if (!p.acceptWord('INTEGER')) p.acceptWord('INT');
      return { name: t.upper };
    case 'INT':
    case 'INTEGER':
    case 'BIGINT':
      // Not MySQL (which wants SIGNED), but common; read as SIGNED.
      return { name: 'SIGNED' };
    case 'DATE':
    case 'JSON':
    case 'YEAR':
      return { name: t.upper };
    case 'DATETIME':
    case 'TIME':
    case 'FLOAT':
      return { name: t.upper, ...optionalLength(p) };
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC':
      return { name: 'DECIMAL', ...optionalLength(p) };
    case 'DOUBLE':
      p.acceptWord('PRECISION');
      return { name: 'DOUBLE' };
    case 'REAL':
      return { name: 'DOUBLE' };
    default:
      return p.fail(t);
  }
}

function parseCase(p: Cursor): CaseExpr {
  p.enter();
  p.expectWord('CASE');
  const operand = p.isWord('WHEN') ? undefined : parseExpr(p);
  const whens: { when: Expr; then: Expr }[] = [];
  while (p.acceptWord('WHEN')) {
    const when = parseExpr(p);
    p.expectWord('THEN');
    whens.push({ when, then: parseExpr(p) });
  }
  if (whens.length === 0) p.fail();
  const elseExpr = p.acceptWord('ELSE') ? parseExpr(p) : undefined;
  p.expectWord('END');
  p.leave();
  return {
    kind: 'case',
    ...(operand === undefined ? {} : { operand }),
    whens,
    ...(elseExpr === undefined ? {} : { else: elseExpr }),
  };
}

function parseInterval(p: Cursor): Expr {
  const t = p.expectWord('INTERVAL');
  if (p.isOp('(')) {
    // INTERVAL(N, N1, ...) is a function; INTERVAL (expr) unit is an interval.
    const value = parseParenthesized(p);
    if (value.kind === 'row')
      return { kind: 'call', name: 'INTERVAL', args: value.items, pos: t.start };
    return { kind: 'interval', value, unit: parseIntervalUnit(p) };
  }
  const value = parseExpr(p);
  return { kind: 'interval', value, unit: parseIntervalUnit(p) };
}

export function parseIntervalUnit(p: Cursor): IntervalUnit {
  const t = p.peek();
  if (t.kind !== Tok.WORD) p.fail(t);
  let upper = t.upper;
  // SQL_TSI_DAY etc. are the ODBC spellings TIMESTAMPADD accepts.
  if (upper.startsWith('SQL_TSI_')) upper = upper.slice(8);
  if (!INTERVAL_UNITS.has(upper)) p.fail(t);
  p.next();
  return upper as IntervalUnit;
}
