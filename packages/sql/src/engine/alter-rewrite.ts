/**
 * The data side of an ALTER TABLE that writes (alter.ts runs it while the table is locked for
 * writes): every stored row gets its values for the new definition — converted strictly from the
 * old column, checked, or computed — added to the row under the new columns' ids, and the
 * entries of the added and rebuilt indexes are written into their new representations.
 *
 *   - A row keeps every value it had: the definition still in force reads it unchanged until
 *     the swap (a converted column's new value sits under a new id), and the primary key never
 *     moves (plan: a primary-key column's values are never converted), so readers of either
 *     definition meet consistent rows at any snapshot.
 *   - Pages of `pageRows` rows, each read and written in its own transaction: every row is
 *     written back, so a concurrent change of a row read conflicts with the page (first
 *     committer wins; the page is read again). The transaction size stays bounded for any
 *     table size.
 *   - Rounds: the first round writes every row; each next one compares the table with what was
 *     written and does the rows that changed, appeared or disappeared since (a writer that had
 *     resolved the table before it was locked), until a round finds nothing. Still finding
 *     changes after `roundsMax` rounds answers 1205.
 *
 * Values that do not fit answer as an INSERT would (1264, 1265, 1366, 1406, 1292) but with
 * MySQL's ALTER numbering of the row, and NULL into NOT NULL answers 1138; a duplicate in an
 * added or rebuilt unique index 1062. Nothing the caller can see has changed then: the new
 * representations are dropped by the caller and the rows' added values are never read.
 */
import { decodeRow, encodeRow } from '../encoding/row-codec.js';
import type { RowValue } from '../encoding/row-codec.js';
import { SqlSemanticError } from '../errors.js';
import type { EvalContext } from '../eval/context.js';
import { int, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import type { ColumnSchema } from '../schema/definition.js';
import type { Transaction, TxnClient } from '@tessera/txn';
import { isTxnError } from '@tessera/txn';
import { successor } from './access.js';
import { addedValue } from './alter-plan.js';
import type { AlterPlan, ColumnSource } from './alter-plan.js';
import type { CatalogPort } from './catalog-port.js';
import { fitToColumn, fromRowValue, toRowValue } from './column-values.js';
import { duplicate, indexEntry } from './dml.js';
import type { ResolvedTable } from './tables.js';

export interface RewriteInput {
  readonly txn: TxnClient;
  readonly catalog: CatalogPort;
  /** The table resolved with the definition still in force. */
  readonly before: ResolvedTable;
  /** The table resolved with the plan's definition (its new representations placed). */
  readonly after: ResolvedTable;
  readonly plan: AlterPlan;
  readonly evalContext: () => EvalContext;
  readonly pageRows?: number;
  readonly roundsMax?: number;
  /** Tests only: runs after each round (1 = the first). */
  readonly afterRound?: (round: number) => Promise<void>;
}

export interface RewriteOutcome {
  /** Rows written by the first round (MySQL's "Records: n"). */
  readonly rows: number;
  /** The largest value of a column that became AUTO_INCREMENT (the counter must pass it). */
  readonly largestAuto?: bigint;
}

/** Rows per transaction: with every index rebuilt, well under the txn's mutation bound. */
const PAGE_ROWS = 1_000;
const ROUNDS_MAX = 4;
const PAGE_RETRIES = 5;

/** What was written for one row (by its primary key, hex). */
interface Written {
  readonly bytes: Uint8Array;
  /** The entries of the filled indexes, and which of them are unique (owned by this row). */
  readonly entries: readonly Uint8Array[];
  readonly unique: readonly string[];
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

export async function rewriteTable(input: RewriteInput): Promise<RewriteOutcome> {
  const run = new Rewrite(input);
  const rows = await run.round();
  for (let round = 1; ; round++) {
    await input.afterRound?.(round);
    const changed = await run.round();
    if (changed === 0) break;
    if (round >= (input.roundsMax ?? ROUNDS_MAX)) {
      throw new SqlSemanticError(
        1205,
        'HY000',
        'Lock wait timeout exceeded; try restarting transaction',
      );
    }
  }
  return { rows, ...(run.largestAuto === undefined ? {} : { largestAuto: run.largestAuto }) };
}

class Rewrite {
  private readonly written = new Map<string, Written>();
  /** Unique entry (hex) → the row (hex) that owns it. */
  private readonly owners = new Map<string, string>();
  private readonly filled: ResolvedTable['indexes'];
  private readonly sources: readonly ColumnSource[];
  private readonly autoComputed: ColumnSchema | undefined;
  largestAuto: bigint | undefined;
  /** Rows numbered as MySQL's copy numbers them in its messages (in primary-key order). */
  private rowNumber = 0;

  constructor(private readonly input: RewriteInput) {
    const names = new Set(input.plan.filled.map((i) => i.name));
    this.filled = input.after.indexes.filter((i) => names.has(i.index.name));
    this.sources = input.after.columns.map((c) => {
      const source = input.plan.sources.get(c.id);
      if (source === undefined) throw new Error(`no source for column ${c.name}`);
      return source;
    });
    this.autoComputed = input.after.columns.find(
      (c, i) => c.autoIncrement && this.sources[i]?.kind === 'computed',
    );
  }

  /** One pass over the table; how many rows it wrote or removed entries of. */
  async round(): Promise<number> {
    const prefix = this.input.before.primary.layout.prefix;
    const end = successor(prefix);
    const seen = new Set<string>();
    let cursor = prefix;
    let count = 0;
    this.rowNumber = 0;
    for (;;) {
      const page = await this.page(cursor, end, seen);
      count += page.written;
      if (page.last === undefined) break;
      // The next key after `last`: itself followed by a zero byte.
      cursor = new Uint8Array(page.last.length + 1);
      cursor.set(page.last);
    }
    const gone = [...this.written.keys()].filter((k) => !seen.has(k));
    if (gone.length > 0) await this.forget(gone);
    return count + gone.length;
  }

  /** Reads (and rewrites) one page from `start`; `last` is its last key when more may follow. */
  private async page(
    start: Uint8Array,
    end: Uint8Array,
    seen: Set<string>,
  ): Promise<{ written: number; last?: Uint8Array }> {
    const limit = this.input.pageRows ?? PAGE_ROWS;
    const firstRow = this.rowNumber;
    for (let attempt = 0; ; attempt++) {
      this.rowNumber = firstRow;
      const txn = await this.input.txn.begin();
      try {
        const rows = await txn.scan(start, end, { limit });
        const changed = rows.filter((r) => {
          const w = this.written.get(hex(r.key));
          return w === undefined || !sameBytes(w.bytes, r.value);
        });
        const staged = await this.write(txn, rows, changed);
        if (staged.length > 0) await txn.commit();
        else await txn.rollback();
        for (const r of rows) seen.add(hex(r.key));
        for (const [key, w] of staged) this.remember(key, w);
        const last = rows.length < limit ? undefined : rows.at(-1)?.key;
        return { written: staged.length, ...(last === undefined ? {} : { last }) };
      } catch (error) {
        if (txn.state === 'active') await txn.rollback().catch(() => undefined);
        const conflict =
          isTxnError(error) && (error.code === 'WRITE_CONFLICT' || error.code === 'TXN_ABORTED');
        if (!conflict || attempt >= PAGE_RETRIES) throw error;
      }
    }
  }

  /** Writes the `changed` rows of a page; what was written, to remember once committed. */
  private async write(
    txn: Transaction,
    rows: readonly { key: Uint8Array; value: Uint8Array }[],
    changed: readonly { key: Uint8Array; value: Uint8Array }[],
  ): Promise<[string, Written][]> {
    const autos = await this.autoValues(changed.length);
    const releasing = new Set(changed.map((r) => hex(r.key)));
    const pageOwners = new Map<string, string>();
    const staged: [string, Written][] = [];
    const isChanged = new Set(releasing);
    for (const { key, value } of rows) {
      this.rowNumber++;
      const id = hex(key);
      if (!isChanged.has(id)) continue;
      const stored = decodeRow(value);
      const values = this.valuesOf(stored, this.rowNumber, autos);
      const row = new Map<number, RowValue>(stored);
      this.input.after.columns.forEach((c, i) => {
        if (this.sources[i]?.kind !== 'filled') row.set(c.id, toRowValue(values[i] ?? null));
      });
      const bytes = encodeRow(row);
      txn.put(key, bytes);
      for (const old of this.written.get(id)?.entries ?? []) txn.delete(old);
      const entries: Uint8Array[] = [];
      const unique: string[] = [];
      for (const index of this.filled) {
        const entry = indexEntry(this.input.after, index, values, key);
        if (entry.checkUnique) {
          const e = hex(entry.key);
          const committed = this.owners.get(e);
          const owner =
            pageOwners.get(e) ??
            (committed !== undefined && !releasing.has(committed) ? committed : undefined);
          if (owner !== undefined && owner !== id) {
            throw duplicate(this.input.after, index.index.name, entry.shown);
          }
          pageOwners.set(e, id);
          unique.push(e);
        }
        txn.put(entry.key, entry.value);
        entries.push(entry.key);
      }
      staged.push([id, { bytes, entries, unique }]);
    }
    return staged;
  }

  /** The row's values for the new definition, by column slot. */
  private valuesOf(
    stored: ReadonlyMap<number, RowValue>,
    rowNumber: number,
    autos: bigint[],
  ): SqlValue[] {
    const ectx = this.input.evalContext();
    return this.input.after.columns.map((column, i) => {
      const source = this.sources[i];
      switch (source?.kind) {
        case undefined:
        case 'kept':
        case 'filled':
          return fromRowValue(stored.get(column.id), column);
        case 'checked':
        case 'converted': {
          const v = fromRowValue(stored.get(source.from.id), source.from);
          if (v === null) {
            if (column.nullable) return null;
            throw new SqlSemanticError(1138, '22004', 'Invalid use of NULL value');
          }
          const fitted = fitInAlter(v, column, ectx, rowNumber);
          if (
            column.autoIncrement &&
            fitted !== null &&
            (fitted.kind === 'int' || fitted.kind === 'uint')
          ) {
            if (this.largestAuto === undefined || fitted.v > this.largestAuto)
              this.largestAuto = fitted.v;
          }
          return fitted;
        }
        case 'computed': {
          if (column === this.autoComputed) {
            const n = autos.shift();
            if (n === undefined) throw new Error('fewer AUTO_INCREMENT values than rows');
            return column.type.unsigned === true ? uint(n) : int(n);
          }
          return addedValue(column, ectx, rowNumber);
        }
      }
    });
  }

  /** Values for an added AUTO_INCREMENT column, from the table's counter (MySQL: in key order). */
  private async autoValues(count: number): Promise<bigint[]> {
    if (this.autoComputed === undefined || count === 0) return [];
    const outcome = await this.input.catalog.propose({
      kind: 'allocateAutoIncrement',
      tableId: this.input.after.view.id,
      count,
      atLeast: this.input.after.definition.options.autoIncrementStart ?? 1,
    });
    if (outcome.kind !== 'autoIncrementAllocated') {
      throw new SqlSemanticError(
        1467,
        'HY000',
        'Failed to read auto-increment value from storage engine',
      );
    }
    return Array.from({ length: count }, (_, i) => BigInt(outcome.first + i));
  }

  private remember(id: string, w: Written): void {
    for (const e of this.written.get(id)?.unique ?? []) {
      if (this.owners.get(e) === id) this.owners.delete(e);
    }
    this.written.set(id, w);
    for (const e of w.unique) this.owners.set(e, id);
  }

  /** Rows deleted since they were written: their index entries go too. */
  private async forget(ids: readonly string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const txn = await this.input.txn.begin();
      try {
        for (const id of ids) for (const e of this.written.get(id)?.entries ?? []) txn.delete(e);
        await txn.commit();
        for (const id of ids) {
          for (const e of this.written.get(id)?.unique ?? []) {
            if (this.owners.get(e) === id) this.owners.delete(e);
          }
          this.written.delete(id);
        }
        return;
      } catch (error) {
        if (txn.state === 'active') await txn.rollback().catch(() => undefined);
        if (!isTxnError(error) || !error.retryable || attempt >= PAGE_RETRIES) throw error;
      }
    }
  }
}

/**
 * `fitToColumn` as ALTER TABLE answers it: a string too long is "Data truncated" (1265) there,
 * where an INSERT says "Data too long" (1406).
 */
function fitInAlter(v: SqlValue, column: ColumnSchema, ectx: EvalContext, row: number): SqlValue {
  try {
    return fitToColumn(v, column, ectx, row);
  } catch (error) {
    if (error instanceof SqlSemanticError && error.errno === 1406) {
      throw new SqlSemanticError(
        1265,
        '01000',
        `Data truncated for column '${column.name}' at row ${row}`,
      );
    }
    throw error;
  }
}
