/**
 * Which columns of a table a statement may read: what a scan pushed to the slices must still
 * send back (the projection of pushdown-plan.ts). Conservative by construction — a column is
 * kept when ANY column reference anywhere in the statement (subqueries, ON / USING, ORDER BY
 * inside GROUP_CONCAT, …) carries its name, whatever table it names, and every column is kept
 * when a `*` may reach the table. Dropping a column the statement reads would change results;
 * keeping one it does not only costs bytes.
 */
import type { Query } from '../ast.js';
import type { ResolvedTable } from './tables.js';

export interface ColumnMentions {
  /** Lower-case names of every column reference and USING column. */
  readonly names: ReadonlySet<string>;
  /** Aliases named by `alias.*`; '' for a bare `*`. */
  readonly stars: ReadonlySet<string>;
}

/** Every column name `query` mentions, found by walking its whole syntax tree. */
export function columnMentions(query: Query): ColumnMentions {
  const names = new Set<string>();
  const stars = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const kind = record.kind;
    if (kind === 'column' && typeof record.name === 'string') {
      names.add(record.name.toLowerCase());
      return;
    }
    if (kind === 'star') {
      stars.add(typeof record.table === 'string' ? record.table : '');
      return;
    }
    if (kind === 'join' && Array.isArray(record.using)) {
      for (const n of record.using) if (typeof n === 'string') names.add(n.toLowerCase());
    }
    for (const value of Object.values(record)) {
      if (value !== null && typeof value === 'object') visit(value);
    }
  };
  visit(query);
  return { names, stars };
}

/**
 * The column ids of `table` (read under `alias`) the statement may read, in table order; undefined
 * when that is every column (nothing to project away).
 */
export function columnsNeeded(
  table: ResolvedTable,
  alias: string,
  mentions: ColumnMentions,
): number[] | undefined {
  if (mentions.stars.has('') || mentions.stars.has(alias)) return undefined;
  const ids = table.columns
    .filter((c) => mentions.names.has(c.name.toLowerCase()))
    .map((c) => c.id);
  return ids.length === table.columns.length ? undefined : ids;
}
