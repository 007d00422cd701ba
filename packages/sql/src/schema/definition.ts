/**
 * A table's definition as the catalog stores it (JSON, versioned by the catalog): columns with
 * stable ids, the primary key (a hidden one when the table declares none), secondary indexes,
 * and Tessera's table options. The control plane keeps it opaque; this module owns its shape.
 *
 * Column ids never change and are never reused (`nextColumnId`), so rows stored by column id
 * (row-codec.ts) survive ADD / DROP / RENAME COLUMN without a rewrite: a row stored before a
 * column was added lacks its id and reads the column's `fill`; a dropped column's id stays in
 * old rows, unread. A column whose stored values change type (MODIFY / CHANGE) gets a new id.
 */
import type { KeyType } from '../encoding/key-codec.js';
import { collationNamed, defaultCollation } from '../encoding/key-codec.js';

export type TypeFamily =
  | 'int'
  | 'decimal'
  | 'float'
  | 'double'
  | 'bit'
  | 'char'
  | 'varchar'
  | 'text'
  | 'binary'
  | 'varbinary'
  | 'blob'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'year'
  | 'json'
  | 'enum'
  | 'set';

export interface ColumnType {
  /** MySQL's lower-case type name as SHOW CREATE TABLE prints it: int, bigint, varchar, … */
  readonly name: string;
  readonly family: TypeFamily;
  readonly unsigned?: boolean;
  /** Storage bytes of an integer type (1, 2, 3, 4, 8). */
  readonly intBytes?: number;
  /** Characters for CHAR/VARCHAR, bytes for BINARY/VARBINARY, bits for BIT. */
  readonly length?: number;
  /** DECIMAL(precision, scale). */
  readonly precision?: number;
  readonly scale?: number;
  /** Fractional seconds digits for DATETIME / TIMESTAMP / TIME. */
  readonly fsp?: number;
  /** Text families: the collation (which implies the character set). */
  readonly collation?: string;
  /** ENUM / SET members in order. */
  readonly values?: readonly string[];
}

/** A column's default, as SHOW CREATE TABLE prints it and as INSERT evaluates it. */
export type ColumnDefault =
  | { readonly kind: 'none' }
  | { readonly kind: 'null' }
  /** A literal, kept as its canonical SQL text (`'abc'`, `42`, `1.50`). */
  | { readonly kind: 'literal'; readonly sql: string }
  | { readonly kind: 'currentTimestamp'; readonly fsp: number }
  /** MySQL 8.0.13+ expression defaults `DEFAULT (expr)`, kept as SQL text. */
  | { readonly kind: 'expression'; readonly sql: string };

export interface ColumnSchema {
  readonly id: number;
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly default: ColumnDefault;
  readonly autoIncrement: boolean;
  readonly onUpdateCurrentTimestamp: boolean;
  readonly comment?: string;
  /** The hidden primary-key column of a table declared without one. */
  readonly hidden?: boolean;
  /**
   * What a row stored before this column existed holds (ALTER TABLE ADD COLUMN: the default
   * at the time of the ALTER, or the type's implicit default for NOT NULL). Absent: NULL.
   * Unlike `default`, it never changes after the ADD.
   */
  readonly fill?: StoredFill;
}

/** A stored value (row-codec.ts's RowValue) as JSON: `int` is a bigint's decimal text. */
export type StoredFill =
  | { readonly int: string }
  | { readonly double: number }
  | { readonly text: string }
  | { readonly hex: string };

export interface IndexPart {
  readonly columnId: number;
  /** Key prefix length in characters (bytes for binary types), for `col(10)`. */
  readonly prefix?: number;
  readonly desc?: boolean;
}

export interface IndexSchema {
  /** `PRIMARY` for the primary key. */
  readonly name: string;
  readonly unique: boolean;
  readonly parts: readonly IndexPart[];
  readonly comment?: string;
  /**
   * The name of the representation holding the index's entries, when it is not the index's
   * own name (an index rebuilt by ALTER TABLE, or renamed, keeps its entries elsewhere).
   */
  readonly representation?: string;
}

export interface ForeignKeySchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refDatabase?: string;
  readonly refColumns: readonly string[];
}

export interface TableDefinition {
  readonly format: 1;
  readonly columns: readonly ColumnSchema[];
  readonly primaryKey: IndexSchema;
  readonly indexes: readonly IndexSchema[];
  /** Recorded, not enforced (said with a warning at CREATE). */
  readonly foreignKeys: readonly ForeignKeySchema[];
  readonly nextColumnId: number;
  readonly options: TableOptions;
  /** Set while an ALTER TABLE writes rows or index entries (alter.ts); writes answer 1205. */
  readonly pendingAlter?: PendingAlter;
}

/**
 * An ALTER TABLE in progress: the table keeps this (old) definition for every statement until
 * the ALTER has written the data `definition` needs, then swaps it in. Its new
 * representations are already placed (named in `definition`'s indexes).
 */
export interface PendingAlter {
  readonly definition: TableDefinition;
  /** Who runs it (connection and start), so an abandoned one can be recognised. */
  readonly owner: string;
  readonly startedAtMicros: string;
}

export interface TableOptions {
  /** The table's default collation (its character set follows). */
  readonly collation: string;
  readonly comment?: string;
  /** AUTO_INCREMENT = n: the first value handed out. */
  readonly autoIncrementStart?: number;
  /** Xpand's options: slices of the primary representation, replicas per slice. */
  readonly slices?: number;
  readonly replicas?: number;
  /** The distribution key: the first n primary-key (or index) columns (Xpand default 1). */
  readonly distributionColumns: number;
}

/** The name of the hidden primary-key column of a table declared without a primary key. */
export const hiddenRowIdColumn = '_tessera_row_id';

/** The representation an index's entries live in (the index's name unless it says else). */
export function representationOf(index: IndexSchema): string {
  return index.representation ?? index.name;
}

export function columnById(def: TableDefinition, id: number): ColumnSchema | undefined {
  return def.columns.find((c) => c.id === id);
}

export function columnByName(def: TableDefinition, name: string): ColumnSchema | undefined {
  const lower = name.toLowerCase();
  return def.columns.find((c) => c.name.toLowerCase() === lower);
}

export function characterSetOf(collation: string): string {
  const underscore = collation.indexOf('_');
  return underscore < 0 ? collation : collation.slice(0, underscore);
}

/** How a column is encoded in a key (key-codec.ts). */
export function keyTypeOf(type: ColumnType): KeyType {
  switch (type.family) {
    case 'int':
    case 'bit':
      return { kind: type.unsigned === true || type.family === 'bit' ? 'uint' : 'int' };
    case 'decimal':
      return { kind: 'decimal' };
    case 'float':
    case 'double':
      return { kind: 'double' };
    case 'char':
    case 'varchar':
    case 'text':
      return {
        kind: 'text',
        collation: collationNamed(type.collation ?? '') ?? defaultCollation,
      };
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'json':
      return { kind: 'bytes' };
    case 'date':
      return { kind: 'date' };
    case 'datetime':
    case 'timestamp':
      return { kind: 'datetime' };
    case 'time':
      return { kind: 'time' };
    case 'year':
      return { kind: 'year' };
    case 'enum':
      return { kind: 'enum' };
    case 'set':
      return { kind: 'set' };
  }
}
