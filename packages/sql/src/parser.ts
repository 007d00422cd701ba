// The public entry points: text in, statements out, `SqlError` or nothing else.

import type { Hint, Statement } from './ast.js';
import { Cursor } from './cursor.js';
import { SqlEmptyQueryError, SqlSyntaxError } from './errors.js';
import { Tok, tokenize } from './lexer.js';
import type { LexOptions } from './lexer.js';
import { parseStatement } from './statement.js';

export type ParseOptions = LexOptions;

export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's own text (without the `;`), as written. */
  readonly text: string;
  /** Offset of `text` in the input. */
  readonly start: number;
  /** How many `?` placeholders the statement holds. */
  readonly paramCount: number;
  /** Hint comments before the statement (e.g. `/*FORCE_MASTER*\/ SHOW TABLES`). */
  readonly leadingHints: readonly Hint[];
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parse(sql: string, options: ParseOptions = {}): Statement {
  return parseOne(sql, options).statement;
}

export function parseOne(sql: string, options: ParseOptions = {}): ParsedStatement {
  return guard(sql, () => {
    const p = new Cursor(sql, tokenize(sql, options));
    if (p.peek().kind === Tok.EOF) throw new SqlEmptyQueryError();
    const parsed = parseNext(p);
    while (p.acceptOp(';'));
    if (p.peek().kind !== Tok.EOF) p.fail();
    return parsed;
  });
}

/** Parses a multi-statement text (`a; b; c`); empty statements between `;`s are skipped. */
export function parseMulti(sql: string, options: ParseOptions = {}): ParsedStatement[] {
  return guard(sql, () => {
    const p = new Cursor(sql, tokenize(sql, options));
    const out: ParsedStatement[] = [];
    for (;;) {
      while (p.acceptOp(';'));
      if (p.peek().kind === Tok.EOF) break;
      out.push(parseNext(p));
      if (p.peek().kind !== Tok.EOF) p.expectOp(';');
    }
    if (out.length === 0) throw new SqlEmptyQueryError();
    return out;
  });
}

function parseNext(p: Cursor): ParsedStatement {
  p.paramCount = 0;
  const first = p.peek();
  const statement = parseStatement(p);
  if (!p.atEnd()) p.fail();
  const end = p.prev().end;
  return {
    statement,
    text: p.text.slice(first.start, end),
    start: first.start,
    paramCount: p.paramCount,
    leadingHints: first.hints ?? [],
  };
}

/**
 * Depth limits keep recursion bounded; should a pathological input still exhaust the stack,
 * it is answered as a syntax error at the start rather than crashing the gateway.
 */
function guard<T>(sql: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) throw new SqlSyntaxError(sql, 0, { cause: error });
    throw error;
  }
}
