/**
 * The engine's results in the gateway's terms: a `ResultColumn` (the evaluator's `ResultType`)
 * becomes a `ColumnDefinition`, an `SqlValue` becomes a wire `Value`, a `StatementOutcome`
 * becomes a `QueryResult`. The one place where the SQL engine's types meet the protocol's.
 */
import { COLLATION_IDS, columnFlags, SqlError, SqlEvalError, toText } from '@tessera/sql';
import type { ResultColumn, ResultType, SqlValue, StatementOutcome } from '@tessera/sql';

import type { ColumnDefinition, QueryResult } from '../handler';
import { Collation, ColumnType } from '../protocol/constants';
import { MysqlError } from '../protocol/errors';
import { dateTime, time } from '../protocol/values';
import type { Row, Value } from '../protocol/values';

/** The evaluator's result type family (not the schema's column type family of the same name). */
type TypeFamily = ResultType['family'];

/** The wire type of each of the evaluator's result type families. */
export function columnTypeOf(family: TypeFamily): ColumnType {
  switch (family) {
    case 'LONGLONG':
      return ColumnType.LongLong;
    case 'NEWDECIMAL':
      return ColumnType.NewDecimal;
    case 'FLOAT':
      return ColumnType.Float;
    case 'DOUBLE':
      return ColumnType.Double;
    case 'VAR_STRING':
      return ColumnType.VarString;
    case 'BLOB':
      return ColumnType.Blob;
    case 'DATE':
      return ColumnType.Date;
    case 'DATETIME':
      return ColumnType.DateTime;
    case 'TIMESTAMP':
      return ColumnType.Timestamp;
    case 'TIME':
      return ColumnType.Time;
    case 'YEAR':
      return ColumnType.Year;
    case 'JSON':
      return ColumnType.Json;
    case 'NULL':
      return ColumnType.Null;
  }
}

/** A collation the wire does not know by id goes out as the server default (utf8mb4_0900_ai_ci). */
function collationId(type: ResultType): number {
  return COLLATION_IDS[type.collation.name] ?? Collation.UTF8MB4_0900_AI_CI;
}

/** An integer column narrower than BIGINT goes out as MySQL describes it. */
function intColumnType(bytes: 1 | 2 | 3 | 4): ColumnType {
  switch (bytes) {
    case 1:
      return ColumnType.Tiny;
    case 2:
      return ColumnType.Short;
    case 3:
      return ColumnType.Int24;
    case 4:
      return ColumnType.Long;
  }
}

export function columnDefinition(column: ResultColumn): ColumnDefinition {
  const { type } = column;
  return {
    name: column.name,
    type:
      type.family === 'LONGLONG' && type.intBytes !== undefined
        ? intColumnType(type.intBytes)
        : columnTypeOf(type.family),
    flags: columnFlags(type),
    collation: collationId(type),
    length: type.length,
    decimals: type.decimals,
    ...(column.database === undefined ? {} : { schema: column.database }),
    ...(column.table === undefined ? {} : { table: column.table, orgTable: column.table }),
  };
}

const MICROS_PER_SECOND = 1_000_000;

/** Families whose wire value is text: anything that is not already text or bytes is printed. */
const textFamilies: ReadonlySet<TypeFamily> = new Set(['VAR_STRING', 'BLOB', 'JSON', 'NEWDECIMAL']);

/** One cell: typed as the protocol writes it for the column's type (values.ts). */
export function wireValue(value: SqlValue, family: TypeFamily): Value {
  if (value === null) return null;
  if (textFamilies.has(family) && value.kind !== 'string' && value.kind !== 'binary') {
    return toText(value);
  }
  switch (value.kind) {
    case 'int':
    case 'uint':
      return value.v;
    case 'decimal':
    case 'json':
      return toText(value);
    case 'double':
      return value.v;
    case 'string':
      return value.v;
    case 'binary':
      return value.v;
    case 'year':
      return value.v;
    case 'date':
    case 'datetime':
    case 'timestamp': {
      const p = value.v;
      return dateTime(p.year, p.month, p.day, p.hour, p.minute, p.second, p.micro);
    }
    case 'time': {
      const negative = value.v < 0;
      const micros = Math.abs(value.v);
      const totalSeconds = Math.floor(micros / MICROS_PER_SECOND);
      return time(
        negative,
        Math.floor(totalSeconds / 3600),
        Math.floor(totalSeconds / 60) % 60,
        totalSeconds % 60,
        micros % MICROS_PER_SECOND,
      );
    }
  }
}

export function wireRow(row: readonly SqlValue[], families: readonly TypeFamily[]): Row {
  return row.map((value, i) => wireValue(value, families[i] ?? 'VAR_STRING'));
}

/** Converted as the protocol writes them, so a large result is not held twice. */
function* wireRows(
  rows: readonly (readonly SqlValue[])[],
  families: readonly TypeFamily[],
): Generator<Row> {
  for (const row of rows) yield wireRow(row, families);
}

/**
 * A streamed result's rows (the engine produces them while the protocol writes them): an error
 * the engine throws mid-stream leaves as its MySQL error, after the rows already written.
 */
async function* wireStream(
  rows: AsyncIterable<readonly SqlValue[]>,
  families: readonly TypeFamily[],
): AsyncGenerator<Row> {
  try {
    for await (const row of rows) yield wireRow(row, families);
  } catch (error) {
    throw mysqlErrorOf(error);
  }
}

/** An engine error as the client sees it (anything else is the protocol's 1105). */
export function mysqlErrorOf(error: unknown): unknown {
  if (error instanceof SqlError) {
    return new MysqlError(error.errno, error.sqlState, error.message, { cause: error });
  }
  if (error instanceof SqlEvalError) {
    return new MysqlError(error.code, error.sqlState, error.message, { cause: error });
  }
  return error;
}

/** A statement's outcome as the protocol writes it. */
export function queryResult(outcome: StatementOutcome): QueryResult {
  switch (outcome.kind) {
    case 'ok':
      return {
        kind: 'ok',
        affectedRows: outcome.affectedRows,
        ...(outcome.lastInsertId === undefined ? {} : { lastInsertId: outcome.lastInsertId }),
        warnings: outcome.warnings.length,
        ...(outcome.info === undefined ? {} : { info: outcome.info }),
      };
    case 'rows': {
      const families = outcome.columns.map((c) => c.type.family);
      return {
        kind: 'resultset',
        columns: outcome.columns.map(columnDefinition),
        rows: wireRows(outcome.rows, families),
        warnings: outcome.warnings.length,
      };
    }
    case 'stream': {
      const families = outcome.columns.map((c) => c.type.family);
      return {
        kind: 'resultset',
        columns: outcome.columns.map(columnDefinition),
        rows: wireStream(outcome.rows, families),
        // Read by the protocol after the last row: the warnings of the rows produced.
        get warnings() {
          return outcome.warnings.length;
        },
      };
    }
    case 'error':
      return {
        kind: 'error',
        code: outcome.errno,
        sqlState: outcome.sqlState,
        message: outcome.message,
      };
  }
}
