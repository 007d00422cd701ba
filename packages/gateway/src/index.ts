/**
 * @tessera/gateway: the MySQL wire protocol server. The protocol layer (packets, handshake,
 * authentication, text and binary protocols) lives in `protocol/`; the SQL engine plugs in
 * through the {@link Handler} interface.
 */
export { MysqlServer } from './protocol/server';
export type {
  ListenOptions,
  LocalSessionOpening,
  MysqlServerOptions,
  ServerKeys,
} from './protocol/server';
export { LOCAL_SESSION_HOST, LocalSession } from './protocol/local-session';
export type {
  LocalColumn,
  LocalQueryOptions,
  LocalResult,
  TextRow,
} from './protocol/local-session';
export type { RandomSource, Timers } from './protocol/connection';
export type {
  Account,
  ColumnDefinition,
  CommandContext,
  ErrorResult,
  Handler,
  OkResult,
  PreparedStatement,
  QueryContext,
  QueryResult,
  ResultSet,
  ResultStream,
  Session,
} from './handler';
export {
  AuthPlugin,
  Collation,
  ColumnFlag,
  ColumnType,
  SERVER_VERSION,
} from './protocol/constants';
export type { AuthPluginName } from './protocol/constants';
export { ErrorCode, MysqlError } from './protocol/errors';
export type { ErrorCodeName } from './protocol/errors';
export {
  DEFAULT_SCRYPT_COST,
  Sha2AuthCache,
  nativeCredential,
  sha2Credential,
} from './protocol/credentials';
export type { ScryptCost } from './protocol/credentials';
export { dateTime, time } from './protocol/values';
export type { BoundParam, DateTimeValue, Row, TimeValue, Value } from './protocol/values';
export { generateServerKeys } from './keys';
export type { GeneratedServerKeys } from './keys';
// The SQL engine behind the Handler interface: one SqlSession per connection.
export { EngineHandler } from './engine/engine-handler';
export type { EngineHandlerOptions, StatementObserver } from './engine/engine-handler';
export { findAccount, hostMatches } from './engine/accounts';
export type { AccountSource, StoredAccount } from './engine/accounts';
// The SQL engine's routing table: the host builds its transaction client on it.
export { RoutingTable } from '@tessera/sql';
// MySQL privileges (the host's root bootstrap grants ALL PRIVILEGES ON *.*).
export { allPrivilegesAt } from '@tessera/sql';
export type {
  CatalogCommand,
  CatalogDatabaseView,
  CatalogOutcome,
  CatalogPort,
  CatalogAccountView,
  CatalogGrantView,
  CatalogTableView,
  CatalogView,
  RebalancerActivityView,
  ReplicaStatsView,
} from '@tessera/sql';
