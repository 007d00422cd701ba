/**
 * The SQL catalog as the control plane holds it: databases and tables, each table with the
 * representations (primary and secondary indexes, each its own set of slices) that store it,
 * and versions — the catalog's as a whole and each table's — so that a gateway can tell a
 * stale cached schema from the current one, and online DDL (later) can move a table through
 * schema states.
 *
 * The table's *definition* (columns, types, keys, options) belongs to the SQL layer, which the
 * cluster package may not import: it is kept here as an opaque JSON value, validated by the
 * SQL layer before it proposes a change. What this module guarantees is the catalog's own
 * integrity: names unique per database, every representation created or dropped together with
 * its table, versions that only grow, AUTO_INCREMENT ranges handed out exactly once.
 *
 * Names compare exactly (MySQL on Linux with lower_case_table_names = 0).
 */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface CatalogDatabase {
  readonly id: number;
  readonly name: string;
}

/** One representation of a table: the primary (`PRIMARY`) or a secondary index by name. */
export interface CatalogRepresentation {
  readonly name: string;
  readonly representationId: number;
}

export interface CatalogTable {
  readonly id: number;
  readonly database: string;
  readonly name: string;
  /** Bumped by every change of this table (its definition, name or representations). */
  readonly version: number;
  /** The SQL layer's definition of the table, opaque here. */
  readonly definition: JsonValue;
  /** The primary representation first. */
  readonly representations: readonly CatalogRepresentation[];
  /** The next AUTO_INCREMENT value not handed out yet (values are handed out in batches). */
  readonly autoIncrementNext: number;
}

/**
 * A MySQL account (`'user'@'host'`) with its credential and grants. The credential is made and
 * checked by the gateway (its format depends on `plugin`); here it is an opaque string. The
 * privileges are the SQL layer's names (upper case, `ALL` for ALL PRIVILEGES).
 */
export interface CatalogAccount {
  readonly user: string;
  /** A host name, an address, or a pattern with `%` / `_` ('%' = anywhere). */
  readonly host: string;
  readonly plugin: string;
  readonly credential: string;
  readonly grants: readonly CatalogGrant[];
}

/** Privileges at one level: `*`.`*` (global), `db`.`*`, or `db`.`table`. */
export interface CatalogGrant {
  readonly database: string;
  readonly table: string;
  readonly privileges: readonly string[];
  readonly grantOption: boolean;
}

export interface CatalogSnapshot {
  /** Bumped by every catalog change. */
  readonly version: number;
  readonly databases: readonly CatalogDatabase[];
  readonly tables: readonly CatalogTable[];
  /** Absent in catalogs from before accounts existed (read as none). */
  readonly accounts?: readonly CatalogAccount[];
}

/** How a representation of a new table or index is to be placed. */
export interface RepresentationRequest {
  readonly name: string;
  readonly replicas?: number;
  readonly loggers?: number;
  readonly sliceCount?: number;
}

/** Why a catalog command was refused, for the SQL layer to map to a MySQL error. */
export type CatalogErrorCode =
  | 'DB_EXISTS'
  | 'NO_SUCH_DB'
  | 'TABLE_EXISTS'
  | 'NO_SUCH_TABLE'
  | 'VERSION_MISMATCH'
  | 'BAD_NAME'
  | 'REPRESENTATION_EXISTS'
  | 'NO_SUCH_REPRESENTATION'
  | 'PLACEMENT'
  | 'ACCOUNT_EXISTS'
  | 'NO_SUCH_ACCOUNT'
  | 'NO_SUCH_GRANT';

export const emptyCatalog: CatalogSnapshot = { version: 0, databases: [], tables: [] };

/** Database and table names: 1–64 characters, no NUL (MySQL's identifier limits). */
export function badName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a name must be a non-empty string';
  if (name.length > 64) return `name '${name.slice(0, 16)}…' is longer than 64 characters`;
  if (name.includes('\u0000')) return 'a name cannot contain NUL';
  if (name.endsWith(' ')) return `name '${name}' ends with a space`;
  return undefined;
}

/** The placement representation name of a table's representation: unique cluster-wide. */
export function representationName(tableId: number, name: string): string {
  return `t${tableId}/${name}`;
}
