/**
 * What may run on a data node: an expression whose value depends only on the row, the bound
 * parameters and the shipped settings (settings.ts). The node evaluates it with no session, no
 * clock of its own, no randomness and no subqueries, so anything else is refused here, at the
 * gateway, with the reason EXPLAIN shows:
 *
 *   - subqueries (EXISTS, IN (SELECT …), scalar, ANY / ALL): they read other tables;
 *   - user variables, read or assigned (`@v`, `@v := x`), and system variables (`@@x`):
 *     session state;
 *   - `?` without a bound value; DEFAULT();
 *   - functions not in `PUSHABLE_FUNCTIONS`: the clock (NOW, CURDATE, UTC_*, UNIX_TIMESTAMP()
 *     without an argument…), randomness (RAND, UUID), the session (USER, DATABASE,
 *     CONNECTION_ID, LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT, VERSION), stored (schema-qualified)
 *     functions, and any name this table does not know;
 *   - aggregate calls, except as the program's own aggregate calls (builder.ts).
 *
 * `FUNCTION_CLASSES` classifies every function of the evaluator's registry (a test checks
 * that none is missing), so a function added there is not pushed until someone says it may be.
 */
import type { Expr, FuncCall } from '../ast.js';
import { children } from '../eval/bind.js';
import { AGGREGATE_FUNCTIONS } from '../eval/functions/registry.js';

/** Why a registered function may or may not be evaluated on a data node. */
export type FunctionClass =
  /** Depends only on its arguments and the shipped settings. */
  | 'pure'
  /** Reads the statement's clock. */
  | 'clock'
  /** Draws from randomness. */
  | 'random'
  /** Reports or changes session state. */
  | 'session';

const pure = (names: string): [string, FunctionClass][] =>
  names
    .split(/\s+/)
    .filter((n) => n !== '')
    .map((n) => [n, 'pure']);

/**
 * Every function of the evaluator's registry (functions/index.ts), classified. `pure` ones take
 * only their arguments, collation_connection, the time zone offset, "today" (a TIME turned into
 * a DATETIME takes the current date: the shipped settings carry it) and max_allowed_packet.
 */
export const FUNCTION_CLASSES: ReadonlyMap<string, FunctionClass> = new Map<string, FunctionClass>([
  // control
  ...pure('IF IFNULL NULLIF COALESCE ISNULL GREATEST LEAST'),
  // string
  ...pure(`CONCAT CONCAT_WS LENGTH OCTET_LENGTH BIT_LENGTH CHAR_LENGTH CHARACTER_LENGTH UPPER UCASE
    LOWER LCASE SUBSTRING SUBSTR MID LEFT RIGHT TRIM LTRIM RTRIM LPAD RPAD REPLACE REVERSE REPEAT
    SPACE LOCATE INSTR STRCMP ASCII ORD CHAR HEX UNHEX BIN OCT FIELD FIND_IN_SET ELT FORMAT QUOTE
    SUBSTRING_INDEX INSERT TO_BASE64 FROM_BASE64 CHARSET COLLATION`),
  // numeric
  ...pure(`ABS SIGN CEIL CEILING FLOOR ROUND TRUNCATE MOD POW POWER SQRT EXP LN LOG LOG2 LOG10 PI
    SIN COS TAN ASIN ACOS ATAN ATAN2 COT DEGREES RADIANS CONV BIT_COUNT`),
  ['RAND', 'random'],
  // date and time: the time zone offset is shipped; "now" is not
  ...pure(`DATE TIME YEAR MONTH DAY DAYOFMONTH HOUR MINUTE SECOND MICROSECOND QUARTER DAYOFWEEK
    DAYOFYEAR WEEKDAY WEEK WEEKOFYEAR YEARWEEK MONTHNAME DAYNAME LAST_DAY TO_DAYS FROM_DAYS
    MAKEDATE DATE_ADD ADDDATE DATE_SUB SUBDATE DATEDIFF TIMEDIFF TIMESTAMPDIFF TIMESTAMPADD
    DATE_FORMAT TIME_FORMAT STR_TO_DATE FROM_UNIXTIME EXTRACT SEC_TO_TIME TIME_TO_SEC
    CONVERT_TZ`),
  // UNIX_TIMESTAMP(x) is pure; UNIX_TIMESTAMP() reads the clock (pushable() looks at the arity).
  ['UNIX_TIMESTAMP', 'pure'],
  ['NOW', 'clock'],
  ['CURRENT_TIMESTAMP', 'clock'],
  ['LOCALTIME', 'clock'],
  ['LOCALTIMESTAMP', 'clock'],
  ['SYSDATE', 'clock'],
  ['CURDATE', 'clock'],
  ['CURRENT_DATE', 'clock'],
  ['CURTIME', 'clock'],
  ['CURRENT_TIME', 'clock'],
  ['UTC_TIMESTAMP', 'clock'],
  ['UTC_DATE', 'clock'],
  ['UTC_TIME', 'clock'],
  // JSON
  ...pure(`JSON_EXTRACT JSON_UNQUOTE JSON_OBJECT JSON_ARRAY JSON_QUOTE JSON_VALID JSON_TYPE
    JSON_LENGTH JSON_KEYS`),
  // session
  ['VERSION', 'session'],
  ['DATABASE', 'session'],
  ['SCHEMA', 'session'],
  ['USER', 'session'],
  ['SESSION_USER', 'session'],
  ['SYSTEM_USER', 'session'],
  ['CURRENT_USER', 'session'],
  ['CONNECTION_ID', 'session'],
  // LAST_INSERT_ID(x) sets the session's value as well: never pushed, with or without x.
  ['LAST_INSERT_ID', 'session'],
  ['ROW_COUNT', 'session'],
  ['FOUND_ROWS', 'session'],
  ['UUID', 'random'],
]);

const CLASS_REASONS: Readonly<Record<Exclude<FunctionClass, 'pure'>, string>> = {
  clock: 'reads the clock',
  random: 'is random',
  session: 'reads the session',
};

/**
 * Why `e` may not run on a data node, or undefined when it may. `boundParams` is how many
 * parameter values the caller has (a `?` at or past it has none). Aggregate calls are refused:
 * the builder takes the program's own aggregate calls apart before asking about their
 * arguments.
 */
export function notPushable(e: Expr, boundParams: number): string | undefined {
  switch (e.kind) {
    case 'exists':
    case 'subquery':
    case 'inSubquery':
    case 'quantified':
      return 'a subquery';
    case 'userVar':
    case 'assign':
      return 'a user variable';
    case 'sysVar':
      return `the system variable @@${e.name}`;
    case 'default':
      return 'DEFAULT()';
    case 'param':
      if (e.index >= boundParams) return 'a parameter without a value';
      break;
    case 'call': {
      const why = callNotPushable(e.name, e.db, e.args.length);
      if (why !== undefined) return why;
      break;
    }
    case 'number':
    case 'string':
    case 'hex':
    case 'bit':
    case 'bool':
    case 'null':
    case 'temporal':
    case 'column':
    case 'unary':
    case 'binary':
    case 'is':
    case 'like':
    case 'regexp':
    case 'in':
    case 'between':
    case 'case':
    case 'cast':
    case 'convertUsing':
    case 'collate':
    case 'interval':
    case 'extract':
    case 'row':
      break;
  }
  for (const c of children(e)) {
    const why = notPushable(c, boundParams);
    if (why !== undefined) return why;
  }
  return undefined;
}

function callNotPushable(name: string, db: string | undefined, args: number): string | undefined {
  if (db !== undefined) return `the stored function ${db}.${name.toLowerCase()}`;
  if (AGGREGATE_FUNCTIONS.has(name)) return `the aggregate ${name} inside an expression`;
  const cls = FUNCTION_CLASSES.get(name);
  if (cls === undefined) return `the unknown function ${name}`;
  if (cls !== 'pure') return `${name}() ${CLASS_REASONS[cls]}`;
  if (name === 'UNIX_TIMESTAMP' && args === 0) return `UNIX_TIMESTAMP() ${CLASS_REASONS.clock}`;
  return undefined;
}

/** The aggregate calls a program may hold. */
export const PUSHABLE_AGGREGATES: ReadonlySet<string> = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'BIT_AND',
  'BIT_OR',
  'BIT_XOR',
]);

/**
 * Why an aggregate call may not be one of a program's calls (partial states exist for these,
 * not for DISTINCT or GROUP_CONCAT), or undefined.
 */
export function aggregateNotPushable(call: FuncCall, boundParams: number): string | undefined {
  if (call.db !== undefined || !PUSHABLE_AGGREGATES.has(call.name)) {
    return `${call.name} is not a pushed aggregate`;
  }
  if (call.distinct === true) return `${call.name}(DISTINCT …) is merged at the gateway`;
  if (call.orderBy !== undefined || call.separator !== undefined) return 'GROUP_CONCAT options';
  if (call.star === true ? call.name !== 'COUNT' : call.args.length === 0) {
    return `${call.name} without arguments`;
  }
  if (call.name !== 'COUNT' && call.args.length !== 1) return `${call.name} takes one argument`;
  for (const a of call.args) {
    const why = notPushable(a, boundParams);
    if (why !== undefined) return why;
  }
  return undefined;
}
