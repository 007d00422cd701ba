// The lexer: one pass over char codes, no regular expression per token. It turns a statement
// text into a token array the parser walks by index.
//
// Comments are skipped, except hints (`/*+ ... */`, `/*FORCE_MASTER*/`, `/*FORCE_SLAVE*/`),
// which ride on the next token. Versioned comments (`/*!40101 ... */`) are lexed as SQL when
// their version is at most the server's, and skipped otherwise; their closing `*/` vanishes.

import { SqlSyntaxError } from './errors.js';
import type { Hint } from './ast.js';
import { parseHintComment } from './hints.js';

export const Tok = {
  EOF: 0,
  /** Unquoted word: an identifier or a keyword (`upper` holds it upper-cased). */
  WORD: 1,
  /** Backquoted identifier; `text` is unquoted. */
  QIDENT: 2,
  /** '...' or "..." string; `text` is decoded; `flags` = STRING_NATIONAL for N'...'. */
  STRING: 3,
  /** Number; `text` exact; `flags` = NUM_INT | NUM_DECIMAL | NUM_FLOAT. */
  NUMBER: 4,
  /** X'ff' or 0xff; `text` holds the hex digits. */
  HEX: 5,
  /** b'01' or 0b01; `text` holds the binary digits. */
  BIT: 6,
  /** `?` */
  PARAM: 7,
  /** `@name`; `text` holds the name. */
  USERVAR: 8,
  /** `@@x`, `@@session.x`; `text` holds what follows `@@`. */
  SYSVAR: 9,
  /** Punctuation or operator; `text` holds it. */
  OP: 10,
} as const;
export type TokKind = (typeof Tok)[keyof typeof Tok];

export const NUM_INT = 0;
export const NUM_DECIMAL = 1;
export const NUM_FLOAT = 2;
export const STRING_NATIONAL = 1;

export interface Token {
  readonly kind: TokKind;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly upper: string;
  readonly flags: number;
  /** Hint comments met since the previous token. */
  hints: Hint[] | undefined;
}

export interface LexOptions {
  /** SQL mode NO_BACKSLASH_ESCAPES: `\` is an ordinary character inside strings. */
  readonly noBackslashEscapes?: boolean;
  /** Versioned comments up to this version are executed (MySQL's 80036 for 8.0.36). */
  readonly serverVersion?: number;
}

export const SERVER_VERSION = 80036;
/** A bound on the tokens of one text, so a hostile input cannot exhaust memory. */
const TOKENS_MAX = 4_000_000;

const C_TAB = 9;
const C_LF = 10;
const C_CR = 13;
const C_SPACE = 32;
const C_BANG = 33;
const C_DQUOTE = 34;
const C_HASH = 35;
const C_DOLLAR = 36;
const C_PERCENT = 37;
const C_AMP = 38;
const C_QUOTE = 39;
const C_STAR = 42;
const C_PLUS = 43;
const C_MINUS = 45;
const C_DOT = 46;
const C_SLASH = 47;
const C_0 = 48;
const C_1 = 49;
const C_9 = 57;
const C_COLON = 58;
const C_LT = 60;
const C_EQ = 61;
const C_GT = 62;
const C_QMARK = 63;
const C_AT = 64;
const C_BACKSLASH = 92;
const C_UNDERSCORE = 95;
const C_BACKTICK = 96;
const C_PIPE = 124;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}
function isHexDigit(c: number): boolean {
  return (c >= C_0 && c <= C_9) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
/** MySQL identifier characters: [0-9a-zA-Z$_] and anything outside ASCII. */
export function isIdentChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= C_0 && c <= C_9) ||
    c === C_UNDERSCORE ||
    c === C_DOLLAR ||
    c >= 128
  );
}
function isSpace(c: number): boolean {
  return c === C_SPACE || c === C_LF || c === C_TAB || c === C_CR || c === 11 || c === 12;
}

export function tokenize(text: string, options: LexOptions = {}): Token[] {
  return new Lexer(text, options).run();
}

class Lexer {
  private readonly tokens: Token[] = [];
  private pos = 0;
  private pendingHints: Hint[] | undefined = undefined;
  // Inside an executed versioned comment: its closing star-slash is skipped like whitespace.
  private inVersioned = false;
  private readonly noBackslashEscapes: boolean;
  private readonly serverVersion: number;

  constructor(
    private readonly text: string,
    options: LexOptions,
  ) {
    this.noBackslashEscapes = options.noBackslashEscapes ?? false;
    this.serverVersion = options.serverVersion ?? SERVER_VERSION;
  }

  run(): Token[] {
    const text = this.text;
    const len = text.length;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= len) break;
      if (this.tokens.length >= TOKENS_MAX) throw new SqlSyntaxError(text, this.pos);
      this.lexToken();
    }
    this.push(Tok.EOF, len, len, '', '', 0);
    return this.tokens;
  }

  private push(
    kind: TokKind,
    start: number,
    end: number,
    text: string,
    upper: string,
    flags: number,
  ): void {
    this.tokens.push({ kind, start, end, text, upper, flags, hints: this.pendingHints });
    this.pendingHints = undefined;
  }

  private skipTrivia(): void {
    const text = this.text;
    const len = text.length;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (isSpace(c)) {
        this.pos++;
      } else if (c === C_HASH) {
        this.skipLine();
      } else if (c === C_MINUS && text.charCodeAt(this.pos + 1) === C_MINUS) {
        // `--` starts a comment only when followed by whitespace, a control char or the end.
        const after = text.charCodeAt(this.pos + 2);
        if (this.pos + 2 >= len || after <= C_SPACE) this.skipLine();
        else return;
      } else if (c === C_SLASH && text.charCodeAt(this.pos + 1) === C_STAR) {
        this.blockComment();
      } else if (c === C_STAR && this.inVersioned && text.charCodeAt(this.pos + 1) === C_SLASH) {
        this.inVersioned = false;
        this.pos += 2;
      } else {
        return;
      }
    }
  }

  private skipLine(): void {
    const text = this.text;
    while (this.pos < text.length && text.charCodeAt(this.pos) !== C_LF) this.pos++;
  }

  private blockComment(): void {
    const text = this.text;
    const start = this.pos;
    const third = text.charCodeAt(start + 2);
    if (third === C_BANG && !this.inVersioned) {
      // Versioned comment: `/*!` [version digits] SQL `*/`.
      let p = start + 3;
      while (p < text.length && isDigit(text.charCodeAt(p)) && p - (start + 3) < 6) p++;
      const digits = p - (start + 3);
      const version = digits >= 5 ? Number(text.slice(start + 3, p)) : 0;
      if (digits === 0 || (digits >= 5 && version <= this.serverVersion)) {
        this.pos = digits === 0 || digits >= 5 ? p : start + 3;
        this.inVersioned = true;
        return;
      }
      // A newer version than ours: the whole comment is skipped, as MySQL does.
    }
    const close = text.indexOf('*/', start + 2);
    if (close < 0) throw new SqlSyntaxError(text, start);
    this.pos = close + 2;
    const hint = parseHintComment(text, start, this.pos);
    if (hint !== undefined) {
      if (this.pendingHints === undefined) this.pendingHints = [];
      for (const h of hint) this.pendingHints.push(h);
    }
  }

  private lexToken(): void {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    const next = text.charCodeAt(start + 1);

    if (isDigit(c) || (c === C_DOT && isDigit(next) && !this.afterIdentifier())) {
      this.number(start);
      return;
    }
    if (isIdentChar(c)) {
      // Literal prefixes: X'..', B'..', N'..'.
      if (next === C_QUOTE) {
        if (c === 120 || c === 88) {
          this.hexString(start);
          return;
        }
        if (c === 98 || c === 66) {
          this.bitString(start);
          return;
        }
        if (c === 110 || c === 78) {
          this.pos = start + 1;
          const value = this.quoted(C_QUOTE, start);
          this.push(Tok.STRING, start, this.pos, value, '', STRING_NATIONAL);
          return;
        }
      }
      this.word(start);
      return;
    }
    switch (c) {
      case C_QUOTE:
      case C_DQUOTE: {
        const value = this.quoted(c, start);
        this.push(Tok.STRING, start, this.pos, value, '', 0);
        return;
      }
      case C_BACKTICK: {
        const name = this.backquoted(start);
        this.push(Tok.QIDENT, start, this.pos, name, '', 0);
        return;
      }
      case C_QMARK:
        this.pos++;
        this.push(Tok.PARAM, start, this.pos, '?', '', 0);
        return;
      case C_AT:
        this.variable(start);
        return;
      default:
        this.operator(start, c, next);
    }
  }

  private afterIdentifier(): boolean {
    const last = this.tokens[this.tokens.length - 1];
    if (last === undefined) return false;
    // `t.5` never occurs; `t.col` does: a dot right after an identifier is a qualifier.
    return (last.kind === Tok.WORD || last.kind === Tok.QIDENT) && last.end === this.pos;
  }

  private number(start: number): void {
    const text = this.text;
    const len = text.length;
    let p = start;
    const c0 = text.charCodeAt(p);
    const c1 = text.charCodeAt(p + 1);
    if (c0 === C_0 && (c1 === 120 || c1 === 98)) {
      // 0x1f / 0b01, unless more identifier characters follow (then it is a name).
      const hex = c1 === 120;
      let q = p + 2;
      while (q < len && (hex ? isHexDigit(text.charCodeAt(q)) : isBinDigit(text.charCodeAt(q))))
        q++;
      if (q > p + 2 && !(q < len && isIdentChar(text.charCodeAt(q)))) {
        this.pos = q;
        this.push(hex ? Tok.HEX : Tok.BIT, start, q, text.slice(p + 2, q), '', 0);
        return;
      }
    }
    let flags = NUM_INT;
    while (p < len && isDigit(text.charCodeAt(p))) p++;
    if (p < len && isIdentChar(text.charCodeAt(p)) && !isExponentAt(text, p)) {
      // `1abc` is an identifier in MySQL.
      this.word(start);
      return;
    }
    if (text.charCodeAt(p) === C_DOT) {
      flags = NUM_DECIMAL;
      p++;
      while (p < len && isDigit(text.charCodeAt(p))) p++;
    }
    if (isExponentAt(text, p)) {
      flags = NUM_FLOAT;
      p++;
      const sign = text.charCodeAt(p);
      if (sign === C_PLUS || sign === C_MINUS) p++;
      while (p < len && isDigit(text.charCodeAt(p))) p++;
    }
    this.pos = p;
    this.push(Tok.NUMBER, start, p, text.slice(start, p), '', flags);
  }

  private word(start: number): void {
    const text = this.text;
    let p = start + 1;
    while (p < text.length && isIdentChar(text.charCodeAt(p))) p++;
    this.pos = p;
    const word = text.slice(start, p);
    this.push(Tok.WORD, start, p, word, word.toUpperCase(), 0);
  }

  private hexString(start: number): void {
    const text = this.text;
    const close = text.indexOf("'", start + 2);
    if (close < 0) throw new SqlSyntaxError(text, start);
    const digits = text.slice(start + 2, close);
    for (let i = 0; i < digits.length; i++) {
      if (!isHexDigit(digits.charCodeAt(i))) throw new SqlSyntaxError(text, start);
    }
    // X'...' needs an even number of digits.
    if (digits.length % 2 !== 0) throw new SqlSyntaxError(text, start);
    this.pos = close + 1;
    this.push(Tok.HEX, start, this.pos, digits, '', 0);
  }

  private bitString(start: number): void {
    const text = this.text;
    const close = text.indexOf("'", start + 2);
    if (close < 0) throw new SqlSyntaxError(text, start);
    const digits = text.slice(start + 2, close);
    for (let i = 0; i < digits.length; i++) {
      if (!isBinDigit(digits.charCodeAt(i))) throw new SqlSyntaxError(text, start);
    }
    this.pos = close + 1;
    this.push(Tok.BIT, start, this.pos, digits, '', 0);
  }

  /** A quoted string starting at `this.pos` (the quote); returns its decoded value. */
  private quoted(quote: number, tokenStart: number): string {
    const text = this.text;
    const len = text.length;
    let p = this.pos + 1;
    let chunkStart = p;
    let out = '';
    for (;;) {
      if (p >= len) throw new SqlSyntaxError(text, tokenStart);
      const c = text.charCodeAt(p);
      if (c === quote) {
        if (text.charCodeAt(p + 1) === quote) {
          out += text.slice(chunkStart, p + 1);
          p += 2;
          chunkStart = p;
          continue;
        }
        out += text.slice(chunkStart, p);
        this.pos = p + 1;
        return out;
      }
      if (c === C_BACKSLASH && !this.noBackslashEscapes) {
        if (p + 1 >= len) throw new SqlSyntaxError(text, tokenStart);
        out += text.slice(chunkStart, p) + unescape(text.charCodeAt(p + 1));
        p += 2;
        chunkStart = p;
        continue;
      }
      p++;
    }
  }

  private backquoted(start: number): string {
    const text = this.text;
    let p = start + 1;
    let out = '';
    let chunkStart = p;
    for (;;) {
      const close = text.indexOf('`', p);
      if (close < 0) throw new SqlSyntaxError(text, start);
      if (text.charCodeAt(close + 1) === C_BACKTICK) {
        out += text.slice(chunkStart, close + 1);
        p = close + 2;
        chunkStart = p;
        continue;
      }
      out += text.slice(chunkStart, close);
      this.pos = close + 1;
      return out;
    }
  }

  private variable(start: number): void {
    const text = this.text;
    let p = start + 1;
    if (text.charCodeAt(p) === C_AT) {
      // @@[scope.]name — the parser splits the scope off.
      p++;
      const nameStart = p;
      while (p < text.length) {
        const c = text.charCodeAt(p);
        if (isIdentChar(c) || (c === C_DOT && isIdentChar(text.charCodeAt(p + 1)))) p++;
        else break;
      }
      if (p === nameStart) {
        if (text.charCodeAt(p) === C_BACKTICK) {
          this.pos = p;
          const name = this.backquoted(p);
          this.push(Tok.SYSVAR, start, this.pos, name, '', 0);
          return;
        }
        throw new SqlSyntaxError(text, start);
      }
      this.pos = p;
      this.push(Tok.SYSVAR, start, p, text.slice(nameStart, p), '', 0);
      return;
    }
    const c = text.charCodeAt(p);
    if (c === C_QUOTE || c === C_DQUOTE) {
      this.pos = p;
      const name = this.quoted(c, start);
      this.push(Tok.USERVAR, start, this.pos, name, '', 0);
      return;
    }
    if (c === C_BACKTICK) {
      const name = this.backquoted(p);
      this.push(Tok.USERVAR, start, this.pos, name, '', 0);
      return;
    }
    while (p < text.length) {
      const d = text.charCodeAt(p);
      if (isIdentChar(d) || d === C_DOT) p++;
      else break;
    }
    if (p === start + 1) throw new SqlSyntaxError(text, start);
    this.pos = p;
    this.push(Tok.USERVAR, start, p, text.slice(start + 1, p), '', 0);
  }

  private operator(start: number, c: number, next: number): void {
    let op: string;
    switch (c) {
      case C_LT:
        if (next === C_EQ) op = text3(this.text, start) === '<=>' ? '<=>' : '<=';
        else if (next === C_GT) op = '<>';
        else if (next === C_LT) op = '<<';
        else op = '<';
        break;
      case C_GT:
        op = next === C_EQ ? '>=' : next === C_GT ? '>>' : '>';
        break;
      case C_BANG:
        op = next === C_EQ ? '!=' : '!';
        break;
      case C_PIPE:
        op = next === C_PIPE ? '||' : '|';
        break;
      case C_AMP:
        op = next === C_AMP ? '&&' : '&';
        break;
      case C_COLON:
        if (next !== C_EQ) throw new SqlSyntaxError(this.text, start);
        op = ':=';
        break;
      case C_MINUS:
        if (next === C_GT) op = this.text.charCodeAt(start + 2) === C_GT ? '->>' : '->';
        else op = '-';
        break;
      case C_EQ:
        op = '=';
        break;
      case C_PERCENT:
        op = '%';
        break;
      case C_STAR:
        op = '*';
        break;
      case C_PLUS:
        op = '+';
        break;
      case C_SLASH:
        op = '/';
        break;
      case C_DOT:
        op = '.';
        break;
      default:
        op = SINGLE_OPS[c] ?? '';
        if (op === '') throw new SqlSyntaxError(this.text, start);
    }
    this.pos = start + op.length;
    this.push(Tok.OP, start, this.pos, op, '', 0);
  }
}

const SINGLE_OPS: Partial<Record<number, string>> = {
  40: '(',
  41: ')',
  44: ',',
  59: ';',
  94: '^',
  126: '~',
  123: '{',
  125: '}',
};

function text3(text: string, start: number): string {
  return text.slice(start, start + 3);
}

function isBinDigit(c: number): boolean {
  return c === C_0 || c === C_1;
}

function isExponentAt(text: string, p: number): boolean {
  const c = text.charCodeAt(p);
  if (c !== 101 && c !== 69) return false;
  let q = p + 1;
  const sign = text.charCodeAt(q);
  if (sign === C_PLUS || sign === C_MINUS) q++;
  return isDigit(text.charCodeAt(q));
}

function unescape(c: number): string {
  switch (c) {
    case 48: // 0
      return '\0';
    case 98: // b
      return '\b';
    case 110: // n
      return '\n';
    case 114: // r
      return '\r';
    case 116: // t
      return '\t';
    case 90: // Z
      return '\x1a';
    case C_PERCENT: // \% and \_ keep their backslash (LIKE patterns)
      return '\\%';
    case C_UNDERSCORE:
      return '\\_';
    default:
      return String.fromCharCode(c);
  }
}
