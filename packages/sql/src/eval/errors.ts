// The one error family of expression evaluation. Every failure a user can cause while binding
// or evaluating an expression is a `SqlEvalError` carrying MySQL's error number and SQLSTATE,
// worded as MySQL words it; the gateway puts them on the wire unchanged. Warnings (MySQL's
// "note/warning" rows of SHOW WARNINGS) are not thrown: they go to the context's sink.

/** A row of SHOW WARNINGS. */
export interface EvalWarning {
  readonly level: 'Warning' | 'Note';
  readonly code: number;
  readonly message: string;
}

/** MySQL error numbers used by the evaluator, with their SQLSTATEs. */
export const ER = {
  /** ER_BAD_FIELD_ERROR */
  badField: { code: 1054, sqlState: '42S22' },
  /** ER_NON_UNIQ_ERROR */
  nonUniq: { code: 1052, sqlState: '23000' },
  /** ER_INVALID_GROUP_FUNC_USE */
  invalidGroupFuncUse: { code: 1111, sqlState: 'HY000' },
  /** ER_UNKNOWN_CHARACTER_SET */
  unknownCharset: { code: 1115, sqlState: '42000' },
  /** ER_UNKNOWN_SYSTEM_VARIABLE */
  unknownSystemVariable: { code: 1193, sqlState: 'HY000' },
  /** ER_WRONG_ARGUMENTS */
  wrongArguments: { code: 1210, sqlState: 'HY000' },
  /** ER_NOT_SUPPORTED_YET */
  notSupported: { code: 1235, sqlState: '42000' },
  /** ER_OPERAND_COLUMNS */
  operandColumns: { code: 1241, sqlState: '21000' },
  /** ER_CUT_VALUE_GROUP_CONCAT (warning) */
  cutValueGroupConcat: { code: 1260, sqlState: 'HY000' },
  /** ER_CANT_AGGREGATE_2COLLATIONS */
  illegalMixOfCollations: { code: 1267, sqlState: 'HY000' },
  /** ER_SUBQUERY_NO_1_ROW */
  subqueryNo1Row: { code: 1242, sqlState: '21000' },
  /** ER_COLLATION_CHARSET_MISMATCH */
  collationCharsetMismatch: { code: 1253, sqlState: '42000' },
  /** ER_WARN_DATA_OUT_OF_RANGE (warning from CAST to a too-small DECIMAL) */
  warnDataOutOfRange: { code: 1264, sqlState: '22003' },
  /** ER_UNKNOWN_COLLATION */
  unknownCollation: { code: 1273, sqlState: 'HY000' },
  /** ER_TRUNCATED_WRONG_VALUE (warning: "Truncated incorrect DOUBLE value", bad datetimes) */
  truncatedWrongValue: { code: 1292, sqlState: '22007' },
  /** ER_WARN_ALLOWED_PACKET_OVERFLOWED (warning) */
  packetOverflowed: { code: 1301, sqlState: 'HY000' },
  /** ER_SP_DOES_NOT_EXIST */
  spDoesNotExist: { code: 1305, sqlState: '42000' },
  /** ER_DIVISION_BY_ZERO (warning outside strict DML) */
  divisionByZero: { code: 1365, sqlState: '22012' },
  /** ER_TRUNCATED_WRONG_VALUE_FOR_FIELD */
  truncatedWrongValueForField: { code: 1366, sqlState: 'HY000' },
  /** ER_WRONG_VALUE_FOR_TYPE (warning from STR_TO_DATE) */
  wrongValueForType: { code: 1411, sqlState: 'HY000' },
  /** ER_TOO_BIG_SCALE */
  tooBigScale: { code: 1425, sqlState: '42000' },
  /** ER_TOO_BIG_PRECISION */
  tooBigPrecision: { code: 1426, sqlState: '42000' },
  /** ER_M_BIGGER_THAN_D */
  mBiggerThanD: { code: 1427, sqlState: '42000' },
  /** ER_WRONG_VALUE: a bad DATE/TIME/TIMESTAMP literal */
  wrongValue: { code: 1525, sqlState: 'HY000' },
  /** ER_DATETIME_FUNCTION_OVERFLOW (warning) */
  datetimeFunctionOverflow: { code: 1441, sqlState: '22008' },
  /** ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT */
  wrongParamCount: { code: 1582, sqlState: '42000' },
  /** ER_DATA_OUT_OF_RANGE */
  dataOutOfRange: { code: 1690, sqlState: '22003' },
  /** ER_INVALID_ARGUMENT_FOR_LOGARITHM (warning) */
  invalidLogArgument: { code: 3020, sqlState: '2201E' },
  /** ER_INVALID_JSON_TEXT_IN_PARAM */
  invalidJsonText: { code: 3141, sqlState: '22032' },
  /** ER_INVALID_JSON_PATH */
  invalidJsonPath: { code: 3143, sqlState: '42000' },
  /** ER_REGEXP_... : an invalid regular expression */
  regexpSyntax: { code: 3692, sqlState: 'HY000' },
} as const satisfies Readonly<Record<string, { code: number; sqlState: string }>>;

export type ErrorKind = keyof typeof ER;

export class SqlEvalError extends Error {
  override readonly name = 'SqlEvalError';
  /** MySQL error number. */
  readonly code: number;
  readonly sqlState: string;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = ER[kind].code;
    this.sqlState = ER[kind].sqlState;
  }

  /** Normalises anything thrown by the evaluator; anything else is a bug and is rethrown. */
  static fromUnknown(error: unknown): SqlEvalError {
    if (error instanceof SqlEvalError) return error;
    throw error;
  }
}

/** A warning row for `kind` (level Warning). */
export function warning(kind: ErrorKind, message: string): EvalWarning {
  return { level: 'Warning', code: ER[kind].code, message };
}

export function outOfRange(typeName: string, exprText: string): SqlEvalError {
  return new SqlEvalError('dataOutOfRange', `${typeName} value is out of range in '${exprText}'`);
}

export function wrongParamCount(name: string): SqlEvalError {
  return new SqlEvalError(
    'wrongParamCount',
    `Incorrect parameter count in the call to native function '${name}'`,
  );
}
