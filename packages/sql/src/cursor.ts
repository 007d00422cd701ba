// The parser's cursor over the token array: lookahead, expectations, identifiers and the one
// way to fail. The grammar itself lives in expr.ts, query.ts, dml.ts, ddl.ts and admin.ts as
// plain functions over a `Cursor`.

import type { Hint, TableName } from './ast.js';
import { SqlNotSupportedError, SqlSyntaxError } from './errors.js';
import { RESERVED } from './keywords.js';
import { Tok } from './lexer.js';
import type { Token } from './lexer.js';

/** Deepest nesting of expressions and subqueries; beyond it the input is refused, not a crash. */
const DEPTH_MAX = 500;

export class Cursor {
  i = 0;
  /** Placeholders met so far in the current statement. */
  paramCount = 0;
  private depth = 0;

  constructor(
    readonly text: string,
    readonly toks: readonly Token[],
  ) {}

  peek(): Token {
    return this.toks[this.i] as Token;
  }

  peekAt(ahead: number): Token {
    const index = Math.min(this.i + ahead, this.toks.length - 1);
    return this.toks[index] as Token;
  }

  /** The last token consumed. */
  prev(): Token {
    return this.toks[Math.max(0, this.i - 1)] as Token;
  }

  next(): Token {
    const t = this.toks[this.i] as Token;
    if (t.kind !== Tok.EOF) this.i++;
    return t;
  }

  atEnd(): boolean {
    const t = this.peek();
    return t.kind === Tok.EOF || (t.kind === Tok.OP && t.text === ';');
  }

  isWord(upper: string): boolean {
    const t = this.toks[this.i] as Token;
    return t.kind === Tok.WORD && t.upper === upper;
  }

  isWordAt(ahead: number, upper: string): boolean {
    const t = this.peekAt(ahead);
    return t.kind === Tok.WORD && t.upper === upper;
  }

  acceptWord(upper: string): boolean {
    if (!this.isWord(upper)) return false;
    this.i++;
    return true;
  }

  expectWord(upper: string): Token {
    const t = this.peek();
    if (t.kind !== Tok.WORD || t.upper !== upper) this.fail(t);
    this.i++;
    return t;
  }

  isOp(op: string): boolean {
    const t = this.toks[this.i] as Token;
    return t.kind === Tok.OP && t.text === op;
  }

  isOpAt(ahead: number, op: string): boolean {
    const t = this.peekAt(ahead);
    return t.kind === Tok.OP && t.text === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }

  expectOp(op: string): Token {
    const t = this.peek();
    if (t.kind !== Tok.OP || t.text !== op) this.fail(t);
    this.i++;
    return t;
  }

  /** Throws the 1064 error pointing at `t` (default: the next token). */
  fail(t: Token = this.peek()): never {
    throw new SqlSyntaxError(this.text, t.start);
  }

  notSupported(feature: string, t: Token = this.peek()): never {
    throw new SqlNotSupportedError(feature, t.start);
  }

  enter(): void {
    if (++this.depth > DEPTH_MAX) this.fail();
  }

  leave(): void {
    this.depth--;
  }

  /** True when the next token can be read as an identifier. */
  isIdent(t: Token = this.peek()): boolean {
    return t.kind === Tok.QIDENT || (t.kind === Tok.WORD && !RESERVED.has(t.upper));
  }

  /** An identifier: a backquoted name or an unreserved word. */
  ident(): string {
    const t = this.peek();
    if (!this.isIdent(t)) this.fail(t);
    this.i++;
    return t.text;
  }

  /** After a dot any word is a name, reserved or not (`t.select`). */
  identAfterDot(): string {
    const t = this.peek();
    if (t.kind !== Tok.QIDENT && t.kind !== Tok.WORD) this.fail(t);
    this.i++;
    return t.text;
  }

  /** An identifier or a string ('name' is accepted where MySQL accepts it: aliases, users). */
  identOrString(): string {
    const t = this.peek();
    if (t.kind === Tok.STRING) {
      this.i++;
      return t.text;
    }
    return this.ident();
  }

  /** `[db.]name`. */
  tableName(): TableName {
    const pos = this.peek().start;
    const first = this.ident();
    if (this.isOp('.')) {
      this.i++;
      return { db: first, name: this.identAfterDot(), pos };
    }
    return { name: first, pos };
  }

  /** A comma-separated list of identifiers inside parentheses. */
  identList(): string[] {
    this.expectOp('(');
    const names = [this.ident()];
    while (this.acceptOp(',')) names.push(this.ident());
    this.expectOp(')');
    return names;
  }

  /** A string literal's value. */
  string(): string {
    const t = this.peek();
    if (t.kind !== Tok.STRING) this.fail(t);
    this.i++;
    return t.text;
  }

  /** An unsigned integer literal's value. */
  integer(): number {
    const t = this.peek();
    if (t.kind !== Tok.NUMBER || t.flags !== 0) this.fail(t);
    this.i++;
    return Number(t.text);
  }

  /** Skips an optional `=` (table options, ENGINE = x). */
  optionalEquals(): void {
    if (this.isOp('=')) this.i++;
  }

  /** Hints before the statement keyword `kw` and right after it. */
  hintsAround(kw: Token): Hint[] {
    const after = this.peek().hints;
    if (kw.hints === undefined && after === undefined) return NO_HINTS;
    return [...(kw.hints ?? []), ...(after ?? [])];
  }
}

const NO_HINTS: Hint[] = [];
