// The one error family of the SQL front end. Every failure to turn text into a statement is a
// `SqlError`; nothing else escapes `parse` (a broken invariant inside the parser is a bug and
// crashes loudly instead). The gateway maps `errno` / `sqlState` straight onto the wire.

export type SqlErrorCode = 'syntax' | 'notSupported' | 'emptyQuery' | 'semantic';

/** MySQL's own limit on the `near '...'` excerpt (`%-.80s` in ER_PARSE_ERROR). */
const NEAR_CHARS_MAX = 80;

export abstract class SqlError extends Error {
  abstract readonly code: SqlErrorCode;
  /** MySQL error number. */
  abstract readonly errno: number;
  /** SQLSTATE for the wire. */
  abstract readonly sqlState: string;

  /** Normalises anything thrown by the front end; a non-`SqlError` is a bug and is rethrown. */
  static fromUnknown(error: unknown): SqlError {
    if (error instanceof SqlError) return error;
    throw error;
  }
}

/** Where an error points in the statement text: offset (0-based), line and column (1-based). */
export interface SqlPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export function positionOf(text: string, offset: number): SqlPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** ER_PARSE_ERROR (1064, 42000), worded exactly as MySQL 8 words it. */
export class SqlSyntaxError extends SqlError {
  readonly code = 'syntax' as const;
  readonly errno = 1064;
  readonly sqlState = '42000';
  /** The statement text from the offending token on, at most 80 characters ('' at the end). */
  readonly near: string;
  readonly position: SqlPosition;

  constructor(text: string, offset: number, options?: { cause?: unknown }) {
    const position = positionOf(text, offset);
    const near = text.slice(offset, offset + NEAR_CHARS_MAX);
    super(
      `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near}' at line ${position.line}`,
      options,
    );
    this.name = 'SqlSyntaxError';
    this.near = near;
    this.position = position;
  }

  get offset(): number {
    return this.position.offset;
  }
  get line(): number {
    return this.position.line;
  }
  get column(): number {
    return this.position.column;
  }
}

/** ER_NOT_SUPPORTED_YET (1235, 42000): valid MySQL that Tessera does not handle (yet). */
export class SqlNotSupportedError extends SqlError {
  readonly code = 'notSupported' as const;
  readonly errno = 1235;
  readonly sqlState = '42000';
  readonly feature: string;
  readonly offset: number;

  constructor(feature: string, offset: number) {
    super(`This version of MySQL doesn't yet support '${feature}'`);
    this.name = 'SqlNotSupportedError';
    this.feature = feature;
    this.offset = offset;
  }
}

/** ER_EMPTY_QUERY (1065, 42000): nothing but whitespace and comments. */
export class SqlEmptyQueryError extends SqlError {
  readonly code = 'emptyQuery' as const;
  readonly errno = 1065;
  readonly sqlState = '42000';

  constructor() {
    super('Query was empty');
    this.name = 'SqlEmptyQueryError';
  }
}

/**
 * A statement that parses but is wrong for the schema or the rules of MySQL (duplicate column,
 * key on a missing column, bad default…), with MySQL's own number, SQLSTATE and wording.
 */
export class SqlSemanticError extends SqlError {
  readonly code = 'semantic' as const;
  readonly errno: number;
  readonly sqlState: string;

  constructor(errno: number, sqlState: string, message: string) {
    super(message);
    this.name = 'SqlSemanticError';
    this.errno = errno;
    this.sqlState = sqlState;
  }
}
