// What an expression is evaluated against. The planner builds one context per statement (the
// clock reading, randomness and session facts are statement-stable) and points `column` at the
// current row; nothing here reads a clock or a random source of its own.

import type { ColumnRef, Query, VarScope } from '../ast.js';
import { type Collation, defaultCollation } from '../encoding/key-codec.js';
import { type EvalWarning, SqlEvalError } from './errors.js';
import type { SqlValue } from './value.js';

/** Facts about the session the functions DATABASE(), USER(), LAST_INSERT_ID()… report. */
export interface SessionInfo {
  /** The current database, or null before USE. */
  readonly database: string | null;
  /** USER(): the login as the client sent it, `name@host`. */
  readonly user: string;
  /** CURRENT_USER(): the account that authenticated, `name@host`. */
  readonly currentUser: string;
  readonly connectionId: bigint;
  readonly lastInsertId: bigint;
  /** ROW_COUNT() of the previous statement. */
  readonly rowCount: bigint;
  /** FOUND_ROWS() of the previous SELECT. */
  readonly foundRows: bigint;
  /** VERSION(). */
  readonly version: string;
}

export interface EvalContext {
  /** The value of a column reference in the current row (see bind.ts for slot binding). */
  column(ref: ColumnRef): SqlValue;
  /** The value bound to the `index`-th `?`. */
  param(index: number): SqlValue;
  getUserVar(name: string): SqlValue;
  setUserVar(name: string, value: SqlValue): void;
  /** A system variable; throws 1193 for an unknown one. */
  sysVar(name: string, scope: VarScope | undefined): SqlValue;
  /** Rows of a subquery (the executor runs it); absent → subqueries are not supported here. */
  subquery?(query: Query): readonly (readonly SqlValue[])[];
  /** The warnings sink (SHOW WARNINGS). */
  warn(w: EvalWarning): void;
  /** The statement's clock reading: microseconds since the Unix epoch, UTC. */
  readonly nowMicros: bigint;
  /** The session time zone as a fixed offset from UTC, in seconds. */
  readonly timeZoneOffsetSeconds: number;
  /** Uniform in [0, 1): RAND() and UUID() draw from it. */
  random(): number;
  readonly session: SessionInfo;
  /** collation_connection: the collation of literals and of numbers turned into text. */
  readonly collation: Collation;
  /** @@group_concat_max_len (bytes). */
  readonly groupConcatMaxLen: number;
  /** @@max_allowed_packet (bytes): REPEAT/LPAD/… results beyond it are NULL with a warning. */
  readonly maxAllowedPacket: number;
}

export const DEFAULT_SESSION: SessionInfo = {
  database: null,
  user: 'root@localhost',
  currentUser: 'root@%',
  connectionId: 1n,
  lastInsertId: 0n,
  rowCount: -1n,
  foundRows: 0n,
  version: '8.0.36-tessera',
};

export interface ContextOptions {
  readonly columns?: (ref: ColumnRef) => SqlValue;
  readonly params?: readonly SqlValue[];
  readonly userVars?: Map<string, SqlValue>;
  readonly sysVars?: ReadonlyMap<string, SqlValue>;
  readonly subquery?: (query: Query) => readonly (readonly SqlValue[])[];
  readonly warnings?: EvalWarning[];
  readonly nowMicros: bigint;
  readonly timeZoneOffsetSeconds?: number;
  readonly random: () => number;
  readonly session?: Partial<SessionInfo>;
  readonly collation?: Collation;
  readonly groupConcatMaxLen?: number;
  readonly maxAllowedPacket?: number;
}

/**
 * A context from plain data: parameters by index, user variables in a map (names
 * case-insensitive, as in MySQL), system variables from a map, warnings appended to an array.
 */
export function createContext(o: ContextOptions): EvalContext {
  const userVars = o.userVars ?? new Map<string, SqlValue>();
  const warnings = o.warnings ?? [];
  return {
    column:
      o.columns ??
      ((ref) => {
        throw new SqlEvalError('badField', `Unknown column '${ref.name}' in 'field list'`);
      }),
    param: (index) => o.params?.[index] ?? null,
    getUserVar: (name) => userVars.get(name.toLowerCase()) ?? null,
    setUserVar: (name, value) => {
      userVars.set(name.toLowerCase(), value);
    },
    sysVar: (name) => {
      const v = o.sysVars?.get(name.toLowerCase());
      if (v === undefined) {
        throw new SqlEvalError('unknownSystemVariable', `Unknown system variable '${name}'`);
      }
      return v;
    },
    ...(o.subquery === undefined ? {} : { subquery: o.subquery }),
    warn: (w) => {
      warnings.push(w);
    },
    nowMicros: o.nowMicros,
    timeZoneOffsetSeconds: o.timeZoneOffsetSeconds ?? 0,
    random: o.random,
    session: { ...DEFAULT_SESSION, ...o.session },
    collation: o.collation ?? defaultCollation,
    groupConcatMaxLen: o.groupConcatMaxLen ?? 1024,
    maxAllowedPacket: o.maxAllowedPacket ?? 67_108_864,
  };
}
