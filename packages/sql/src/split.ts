// Splitting a multi-statement text at top-level `;`, respecting strings, quoted identifiers
// and comments, without parsing. Never throws: an unterminated string runs to the end.

export interface SplitOptions {
  readonly noBackslashEscapes?: boolean;
}

/** The statements of `sql`, trimmed; pieces holding only whitespace and comments are dropped. */
export function splitStatements(sql: string, options: SplitOptions = {}): string[] {
  const backslash = !(options.noBackslashEscapes ?? false);
  const out: string[] = [];
  const len = sql.length;
  let start = 0;
  let content = false;
  let i = 0;
  const flush = (end: number): void => {
    if (content) out.push(sql.slice(start, end).trim());
    content = false;
  };
  while (i < len) {
    const c = sql.charCodeAt(i);
    if (c === 39 || c === 34 || c === 96) {
      // '...', "...", `...`: doubled quotes and (in strings) backslashes escape.
      content = true;
      i++;
      while (i < len) {
        const d = sql.charCodeAt(i);
        if (d === 92 && backslash && c !== 96) i += 2;
        else if (d === c) {
          if (sql.charCodeAt(i + 1) === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === 35 || (c === 45 && sql.charCodeAt(i + 1) === 45 && isCommentDash(sql, i))) {
      while (i < len && sql.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      // A versioned comment /*! ... */ is SQL; other comments are not content.
      if (sql.charCodeAt(i + 2) === 33) content = true;
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? len : close + 2;
    } else if (c === 59) {
      flush(i);
      i++;
      start = i;
    } else {
      if (c > 32) content = true;
      i++;
    }
  }
  flush(len);
  return out;
}

function isCommentDash(sql: string, i: number): boolean {
  return i + 2 >= sql.length || sql.charCodeAt(i + 2) <= 32;
}
