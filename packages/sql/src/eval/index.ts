// The expression evaluator (MySQL 8.0 semantics). See README.md.

export type * from './value.js';
export {
  Coercibility,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  binary,
  bool,
  date,
  datetime,
  decimal,
  double,
  int,
  json,
  str,
  time,
  uint,
} from './value.js';
export type { Decimal } from './decimal.js';
export { decimalToString, parseDecimal } from './decimal.js';
export type { DateTimeParts } from './temporal.js';
export type { Json } from './json.js';
export { SqlEvalError, ER } from './errors.js';
export type { EvalWarning, ErrorKind } from './errors.js';
export type { EvalContext, SessionInfo, ContextOptions } from './context.js';
export { createContext, DEFAULT_SESSION } from './context.js';
export { evaluate } from './evaluate.js';
export { bind, resolveColumn, slotResolver, children } from './bind.js';
export type { Binding, BindOptions, ColumnInfo, Clause } from './bind.js';
export { compareValues, sortCompare, aggregateCollation } from './compare.js';
export { toText, formatDouble, toBool, toNumeric } from './convert.js';
export { castValue } from './cast.js';
export { FUNCTIONS, lookupFunction } from './functions/index.js';
export { createAggregate, distinctKey, importAggregateState } from './aggregates.js';
export type { AggregateSpec, AggregateState } from './aggregates.js';
export {
  COLLATION_IDS,
  TYPE_CODES,
  aggregateTypes,
  columnFlags,
  conformValue,
  inferType,
} from './types.js';
export type { ResultType, TypeEnv, TypeFamily } from './types.js';
