/**
 * The session facts a pushed expression may depend on, shipped with the program, and the
 * evaluation context a data node builds from them.
 *
 * The node has no session and no clock of its own. What it evaluates was checked by
 * determinism.ts to read nothing but the row, the parameters and these settings:
 * collation_connection (literals take it), the session time zone (FROM_UNIXTIME, TIMESTAMP
 * arithmetic), max_allowed_packet (REPEAT, LPAD… beyond it are NULL) and
 * group_concat_max_len. sql_mode is not among them: the evaluator does not read it (parsing
 * modes are settled before the AST exists; strictness is the DML executor's).
 *
 * "Today" is: MySQL turns a TIME into a DATETIME on the current date (a TIME compared with a
 * DATETIME, CAST(time AS DATETIME)), so the node's `nowMicros` is the statement's date at
 * local midnight — every function that reads the time of day (NOW, CURTIME, UNIX_TIMESTAMP()…)
 * is refused, so only that date is ever seen, and the program's bytes change once a day, not
 * once a statement (the node caches compiled programs by their bytes).
 *
 * The node's context refuses everything else: user and system variables, subqueries and
 * randomness throw; every warning marks the evaluation (`hasWarned()`) and throws, so the row is
 * sent back whole for the gateway to evaluate (and warn) itself — see processor.ts.
 */
import type { ColumnRef } from '../ast.js';
import { type Collation, collationNamed } from '../encoding/key-codec.js';
import { today } from '../eval/clock.js';
import type { EvalContext, SessionInfo } from '../eval/context.js';
import type { EvalWarning } from '../eval/errors.js';
import { epochMicrosFromParts } from '../eval/temporal.js';
import type { SqlValue } from '../eval/value.js';

export interface PushdownSettings {
  /** collation_connection's name. */
  readonly collation: string;
  /** The session time zone's offset from UTC, in seconds. */
  readonly timeZoneOffsetSeconds: number;
  /** The statement's date at local midnight, µs since the Unix epoch (UTC). */
  readonly todayMicros: bigint;
  readonly groupConcatMaxLen: number;
  readonly maxAllowedPacket: number;
}

/** The settings of the statement whose context is `ectx`. */
export function pushdownSettings(ectx: EvalContext): PushdownSettings {
  return {
    collation: ectx.collation.name,
    timeZoneOffsetSeconds: ectx.timeZoneOffsetSeconds,
    todayMicros: epochMicrosFromParts(today(ectx), ectx.timeZoneOffsetSeconds),
    groupConcatMaxLen: ectx.groupConcatMaxLen,
    maxAllowedPacket: ectx.maxAllowedPacket,
  };
}

/** Thrown by the node context's `warn` (one instance: no stack is captured per row). */
export const WARNED: Error = new Error('the evaluation warned');

function refuse(what: string): never {
  throw new Error(`${what} is not evaluated on a data node`);
}

const NO_SESSION: SessionInfo = {
  get database(): string | null {
    return refuse('DATABASE()');
  },
  get user(): string {
    return refuse('USER()');
  },
  get currentUser(): string {
    return refuse('CURRENT_USER()');
  },
  get connectionId(): bigint {
    return refuse('CONNECTION_ID()');
  },
  get lastInsertId(): bigint {
    return refuse('LAST_INSERT_ID()');
  },
  get rowCount(): bigint {
    return refuse('ROW_COUNT()');
  },
  get foundRows(): bigint {
    return refuse('FOUND_ROWS()');
  },
  get version(): string {
    return refuse('VERSION()');
  },
};

/**
 * The data node's evaluation context for one scan request: columns come from `column` (the
 * processor's row reader), parameters from the program. Any warning marks it (`hasWarned()`)
 * and throws; the caller clears the mark before each evaluation.
 */
export class NodeContext implements EvalContext {
  private warned = false;
  readonly nowMicros: bigint;
  readonly timeZoneOffsetSeconds: number;
  readonly collation: Collation;
  readonly groupConcatMaxLen: number;
  readonly maxAllowedPacket: number;
  readonly session: SessionInfo = NO_SESSION;

  constructor(
    settings: PushdownSettings,
    private readonly params: readonly SqlValue[],
    private readonly columnValue: (ref: ColumnRef) => SqlValue,
  ) {
    const collation = collationNamed(settings.collation);
    if (collation === undefined) throw new Error(`unknown collation '${settings.collation}'`);
    this.collation = collation;
    this.nowMicros = settings.todayMicros;
    this.timeZoneOffsetSeconds = settings.timeZoneOffsetSeconds;
    this.groupConcatMaxLen = settings.groupConcatMaxLen;
    this.maxAllowedPacket = settings.maxAllowedPacket;
  }

  /** Before an evaluation whose warnings are to be seen. */
  clearWarned(): void {
    this.warned = false;
  }
  /** Whether anything warned since `clearWarned()`. */
  hasWarned(): boolean {
    return this.warned;
  }
  column(ref: ColumnRef): SqlValue {
    return this.columnValue(ref);
  }
  param(index: number): SqlValue {
    const v = this.params[index];
    if (v === undefined) return refuse(`parameter ${index + 1} without a value`);
    return v;
  }
  getUserVar(name: string): SqlValue {
    return refuse(`@${name}`);
  }
  setUserVar(name: string): void {
    refuse(`@${name} :=`);
  }
  sysVar(name: string): SqlValue {
    return refuse(`@@${name}`);
  }
  warn(_w: EvalWarning): void {
    this.warned = true;
    throw WARNED;
  }
  random(): number {
    return refuse('randomness');
  }
}
