/**
 * The one place MySQL error codes and SQLSTATEs live for the gateway. Every ERR packet the
 * server writes comes from a {@link MysqlError}; anything else thrown by a handler is
 * normalised by {@link MysqlError.fromUnknown} into ER_UNKNOWN_ERROR (1105, HY000).
 */

/** Error codes with their default SQLSTATE (from MySQL's errmsg / mysqld_error.h). */
export const ErrorCode = {
  ER_CON_COUNT_ERROR: { code: 1040, sqlState: '08004' },
  ER_HANDSHAKE_ERROR: { code: 1043, sqlState: '08S01' },
  ER_DBACCESS_DENIED_ERROR: { code: 1044, sqlState: '42000' },
  ER_ACCESS_DENIED_ERROR: { code: 1045, sqlState: '28000' },
  ER_NO_DB_ERROR: { code: 1046, sqlState: '3D000' },
  ER_UNKNOWN_COM_ERROR: { code: 1047, sqlState: '08S01' },
  ER_BAD_DB_ERROR: { code: 1049, sqlState: '42000' },
  ER_SERVER_SHUTDOWN: { code: 1053, sqlState: '08S01' },
  ER_BAD_FIELD_ERROR: { code: 1054, sqlState: '42S22' },
  ER_PARSE_ERROR: { code: 1064, sqlState: '42000' },
  ER_EMPTY_QUERY: { code: 1065, sqlState: '42000' },
  ER_UNKNOWN_ERROR: { code: 1105, sqlState: 'HY000' },
  ER_NO_SUCH_TABLE: { code: 1146, sqlState: '42S02' },
  ER_NET_PACKET_TOO_LARGE: { code: 1153, sqlState: '08S01' },
  ER_NET_PACKETS_OUT_OF_ORDER: { code: 1156, sqlState: '08S01' },
  ER_NOT_SUPPORTED_YET: { code: 1235, sqlState: '42000' },
  ER_UNKNOWN_STMT_HANDLER: { code: 1243, sqlState: 'HY000' },
  ER_QUERY_INTERRUPTED: { code: 1317, sqlState: '70100' },
  ER_WRONG_ARGUMENTS: { code: 1210, sqlState: 'HY000' },
  ER_MALFORMED_PACKET: { code: 1835, sqlState: 'HY000' },
} as const satisfies Record<string, { code: number; sqlState: string }>;

export type ErrorCodeName = keyof typeof ErrorCode;

export class MysqlError extends Error {
  override readonly name = 'MysqlError';
  readonly code: number;
  readonly sqlState: string;

  constructor(code: number, sqlState: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    if (!/^[0-9A-Z]{5}$/.test(sqlState)) throw new Error(`bad SQLSTATE ${sqlState}`);
    this.code = code;
    this.sqlState = sqlState;
  }

  /** A MySQL error by its symbolic name: `MysqlError.of('ER_NO_SUCH_TABLE', "Table 'x' ...")`. */
  static of(name: ErrorCodeName, message: string, options?: { cause?: unknown }): MysqlError {
    const { code, sqlState } = ErrorCode[name];
    return new MysqlError(code, sqlState, message, options);
  }

  /** Normalises anything a handler throws into an error the client can be told about. */
  static fromUnknown(error: unknown): MysqlError {
    if (error instanceof MysqlError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return MysqlError.of('ER_UNKNOWN_ERROR', message, { cause: error });
  }
}

/**
 * A malformed or hostile packet. It closes the connection it came on and nothing else; it is
 * an operating error (bad input), never a crash.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly mysql: MysqlError;
  constructor(mysql: MysqlError) {
    super(mysql.message);
    this.mysql = mysql;
  }
  static malformed(what: string): ProtocolError {
    return new ProtocolError(MysqlError.of('ER_MALFORMED_PACKET', `Malformed packet: ${what}`));
  }
}
