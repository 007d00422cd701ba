/**
 * Wire constants of the MySQL client/server protocol (protocol 10, "4.1" packets). Names follow
 * the MySQL source (include/mysql_com.h, field_types.h) so they can be looked up there.
 */

/** Capability flags (CLIENT_*), negotiated in the handshake. */
export const Capability = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
} as const;

/** What this server offers; SSL is added only when the server has a TLS certificate. */
export const SERVER_CAPABILITIES =
  Capability.LONG_PASSWORD |
  Capability.FOUND_ROWS |
  Capability.LONG_FLAG |
  Capability.CONNECT_WITH_DB |
  Capability.PROTOCOL_41 |
  Capability.TRANSACTIONS |
  Capability.SECURE_CONNECTION |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PS_MULTI_RESULTS |
  Capability.PLUGIN_AUTH |
  Capability.CONNECT_ATTRS |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  // Advertised so that clients read the OK packet's info as the length-encoded string every
  // MySQL server sends (mysql2 reads string<EOF> without it and shows the length byte). No
  // session-state changes are ever reported (SERVER_SESSION_STATE_CHANGED is never set).
  Capability.SESSION_TRACK |
  Capability.DEPRECATE_EOF;

/** Server status flags (SERVER_STATUS_*), sent in OK and EOF packets. */
export const ServerStatus = {
  IN_TRANS: 0x1,
  AUTOCOMMIT: 0x2,
  MORE_RESULTS_EXISTS: 0x8,
  NO_GOOD_INDEX_USED: 0x10,
  NO_INDEX_USED: 0x20,
  CURSOR_EXISTS: 0x40,
  LAST_ROW_SENT: 0x80,
  DB_DROPPED: 0x100,
  NO_BACKSLASH_ESCAPES: 0x200,
  METADATA_CHANGED: 0x400,
  QUERY_WAS_SLOW: 0x800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

/** Command bytes (COM_*), the first byte of every packet in the command phase. */
export const Command = {
  SLEEP: 0x00,
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  CONNECT: 0x0b,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
} as const;

/** MySQL column types (enum_field_types); the codes go on the wire as one byte. */
export const ColumnType = {
  Decimal: 0x00,
  Tiny: 0x01,
  Short: 0x02,
  Long: 0x03,
  Float: 0x04,
  Double: 0x05,
  Null: 0x06,
  Timestamp: 0x07,
  LongLong: 0x08,
  Int24: 0x09,
  Date: 0x0a,
  Time: 0x0b,
  DateTime: 0x0c,
  Year: 0x0d,
  VarChar: 0x0f,
  Bit: 0x10,
  Json: 0xf5,
  NewDecimal: 0xf6,
  Enum: 0xf7,
  Set: 0xf8,
  TinyBlob: 0xf9,
  MediumBlob: 0xfa,
  LongBlob: 0xfb,
  Blob: 0xfc,
  VarString: 0xfd,
  String: 0xfe,
  Geometry: 0xff,
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

const columnTypes: ReadonlySet<number> = new Set(Object.values(ColumnType));

/** Narrows a type byte read from the wire. */
export function isColumnType(code: number): code is ColumnType {
  return columnTypes.has(code);
}

/** Column definition flags (*_FLAG in mysql_com.h). */
export const ColumnFlag = {
  NOT_NULL: 0x1,
  PRI_KEY: 0x2,
  UNIQUE_KEY: 0x4,
  MULTIPLE_KEY: 0x8,
  BLOB: 0x10,
  UNSIGNED: 0x20,
  ZEROFILL: 0x40,
  BINARY: 0x80,
  ENUM: 0x100,
  AUTO_INCREMENT: 0x200,
  TIMESTAMP: 0x400,
  SET: 0x800,
  NO_DEFAULT_VALUE: 0x1000,
  ON_UPDATE_NOW: 0x2000,
  NUM: 0x8000,
} as const;

/** Collation ids used by default. */
export const Collation = {
  /** utf8mb4_0900_ai_ci, MySQL 8's default. */
  UTF8MB4_0900_AI_CI: 255,
  /** utf8mb4_general_ci, understood by every client including MariaDB's. */
  UTF8MB4_GENERAL_CI: 45,
  BINARY: 63,
} as const;

export const AuthPlugin = {
  NATIVE: 'mysql_native_password',
  CACHING_SHA2: 'caching_sha2_password',
} as const;
export type AuthPluginName = (typeof AuthPlugin)[keyof typeof AuthPlugin];

export const SERVER_VERSION = '8.0.36-tessera';

/** The largest payload one packet carries; a longer payload continues in the next packet. */
export const MAX_PACKET_CHUNK = 0xffffff;

export const SCRAMBLE_LENGTH = 20;
