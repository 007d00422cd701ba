// INSERT / REPLACE, UPDATE, DELETE.

import type {
  Assignment,
  ColumnRef,
  Delete,
  Expr,
  Insert,
  InsertSource,
  TableName,
  Update,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './expr.js';
import { Tok } from './lexer.js';
import { parseLimit, parseOrderBy, parseQuery, parseTableRefs, startsQuery } from './query.js';

export function parseInsert(p: Cursor): Insert {
  const kw = p.next();
  const replace = kw.upper === 'REPLACE';
  const hints = p.hintsAround(kw);
  let priority: Insert['priority'];
  if (p.isWord('LOW_PRIORITY') || p.isWord('DELAYED') || (!replace && p.isWord('HIGH_PRIORITY')))
    priority = p.next().upper as Insert['priority'];
  const ignore = !replace && p.acceptWord('IGNORE');
  p.acceptWord('INTO');
  const table = p.tableName();
  if (p.isWord('PARTITION')) p.notSupported('PARTITION selection');
  let columns: string[] | undefined;
  if (p.isOp('(') && !startsQuery(p, 0)) {
    p.next();
    columns = [];
    if (!p.isOp(')')) {
      do columns.push(insertColumnName(p));
      while (p.acceptOp(','));
    }
    p.expectOp(')');
  }
  const source = parseInsertSource(p, columns !== undefined);
  if (p.isWord('AS')) p.notSupported('INSERT ... AS row alias');
  let onDuplicateKeyUpdate: Assignment[] | undefined;
  if (!replace && p.acceptWord('ON')) {
    p.expectWord('DUPLICATE');
    p.expectWord('KEY');
    p.expectWord('UPDATE');
    onDuplicateKeyUpdate = parseAssignments(p);
  }
  return {
    kind: 'insert',
    hints,
    replace,
    ignore,
    ...(priority === undefined ? {} : { priority }),
    table,
    ...(columns === undefined ? {} : { columns }),
    source,
    ...(onDuplicateKeyUpdate === undefined ? {} : { onDuplicateKeyUpdate }),
    pos: kw.start,
  };
}

/** `(a, t.b)`: MySQL accepts qualified names in the column list; the name is what counts. */
function insertColumnName(p: Cursor): string {
  let name = p.ident();
  while (p.acceptOp('.')) name = p.identAfterDot();
  return name;
}

function parseInsertSource(p: Cursor, hasColumns: boolean): InsertSource {
  if (p.acceptWord('VALUES') || p.acceptWord('VALUE')) {
    const rows: Expr[][] = [];
    do {
      p.acceptWord('ROW');
      p.expectOp('(');
      const row: Expr[] = [];
      if (!p.isOp(')')) {
        do row.push(parseExpr(p));
        while (p.acceptOp(','));
      }
      p.expectOp(')');
      rows.push(row);
    } while (p.acceptOp(','));
    return { kind: 'values', rows };
  }
  if (!hasColumns && p.acceptWord('SET')) return { kind: 'set', assignments: parseAssignments(p) };
  if (startsQuery(p, 0)) return { kind: 'query', query: parseQuery(p) };
  if (p.isWord('TABLE')) return p.notSupported('INSERT ... TABLE');
  return p.fail();
}

export function parseAssignments(p: Cursor): Assignment[] {
  const list: Assignment[] = [];
  do {
    const column = parseColumnTarget(p);
    if (!p.acceptOp('=')) p.expectOp(':=');
    list.push({ column, value: parseExpr(p) });
  } while (p.acceptOp(','));
  return list;
}

function parseColumnTarget(p: Cursor): ColumnRef {
  const pos = p.peek().start;
  const first = p.ident();
  if (!p.acceptOp('.')) return { kind: 'column', name: first, pos };
  const second = p.identAfterDot();
  if (!p.acceptOp('.')) return { kind: 'column', table: first, name: second, pos };
  return { kind: 'column', db: first, table: second, name: p.identAfterDot(), pos };
}

export function parseUpdate(p: Cursor): Update {
  const kw = p.expectWord('UPDATE');
  const hints = p.hintsAround(kw);
  const lowPriority = p.acceptWord('LOW_PRIORITY');
  const ignore = p.acceptWord('IGNORE');
  const tables = parseTableRefs(p);
  p.expectWord('SET');
  const set = parseAssignments(p);
  const where = p.acceptWord('WHERE') ? parseExpr(p) : undefined;
  const orderBy = p.isWord('ORDER') ? parseOrderBy(p) : [];
  const limit = p.isWord('LIMIT') ? parseLimit(p) : undefined;
  return {
    kind: 'update',
    hints,
    lowPriority,
    ignore,
    tables,
    set,
    ...(where === undefined ? {} : { where }),
    orderBy,
    ...(limit === undefined ? {} : { limit }),
    pos: kw.start,
  };
}

/** `t` or `t.*` in a multi-table DELETE's target list. */
function parseDeleteTarget(p: Cursor): { table: TableName; star: boolean } {
  const pos = p.peek().start;
  const first = p.ident();
  if (!p.acceptOp('.')) return { table: { name: first, pos }, star: false };
  if (p.acceptOp('*')) return { table: { name: first, pos }, star: true };
  const name = p.identAfterDot();
  if (p.acceptOp('.')) p.expectOp('*');
  return { table: { db: first, name, pos }, star: false };
}

export function parseDelete(p: Cursor): Delete {
  const kw = p.expectWord('DELETE');
  const hints = p.hintsAround(kw);
  let lowPriority = false;
  let quick = false;
  let ignore = false;
  for (;;) {
    if (p.acceptWord('LOW_PRIORITY')) lowPriority = true;
    else if (p.acceptWord('QUICK')) quick = true;
    else if (p.acceptWord('IGNORE')) ignore = true;
    else break;
  }
  const base = { kind: 'delete' as const, hints, lowPriority, quick, ignore, pos: kw.start };
  if (p.acceptWord('FROM')) {
    const first = p.peek();
    const targets = [parseDeleteTarget(p)];
    while (p.acceptOp(',')) targets.push(parseDeleteTarget(p));
    if (p.acceptWord('USING')) {
      const from = parseTableRefs(p);
      const where = p.acceptWord('WHERE') ? parseExpr(p) : undefined;
      return {
        ...base,
        targets: targets.map((t) => t.table),
        from,
        ...(where === undefined ? {} : { where }),
        orderBy: [],
      };
    }
    const single = targets[0];
    if (targets.length !== 1 || single === undefined || single.star) p.fail(first);
    let alias: string | undefined;
    if (p.acceptWord('AS')) alias = p.ident();
    else if (p.isIdent()) alias = p.ident();
    if (p.isWord('PARTITION')) p.notSupported('PARTITION selection');
    const where = p.acceptWord('WHERE') ? parseExpr(p) : undefined;
    const orderBy = p.isWord('ORDER') ? parseOrderBy(p) : [];
    const limit = p.isWord('LIMIT') ? parseLimit(p) : undefined;
    return {
      ...base,
      from: [{ kind: 'table', table: single.table, ...(alias === undefined ? {} : { alias }) }],
      ...(where === undefined ? {} : { where }),
      orderBy,
      ...(limit === undefined ? {} : { limit }),
    };
  }
  const first = p.peek();
  if (first.kind !== Tok.WORD && first.kind !== Tok.QIDENT) p.fail(first);
  const targets = [parseDeleteTarget(p)];
  while (p.acceptOp(',')) targets.push(parseDeleteTarget(p));
  p.expectWord('FROM');
  const from = parseTableRefs(p);
  const where = p.acceptWord('WHERE') ? parseExpr(p) : undefined;
  return {
    ...base,
    targets: targets.map((t) => t.table),
    from,
    ...(where === undefined ? {} : { where }),
    orderBy: [],
  };
}
