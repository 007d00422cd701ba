/**
 * COM_FIELD_LIST (deprecated in MySQL, still sent by the `mariadb` / `mysql` CLI on `USE` for
 * its name completion unless started with -A): the columns of one table of the current
 * database, with their defaults, as MySQL's `mysqld_list_fields` answers it.
 */
import { SqlSemanticError } from '../errors.js';
import type { TableDefinition } from '../schema/definition.js';
import type { CatalogPort, CatalogView } from './catalog-port.js';
import { resultTypeOf } from './column-values.js';
import type { ResultColumn } from './ddl.js';
import { defaultText, likeRegExp } from './describe.js';
import { isVirtualDatabase, virtualTable } from './information-schema.js';

export interface FieldListColumn extends ResultColumn {
  /** The column's default as text, null for none (MySQL sends NULL then). */
  readonly defaultValue: string | null;
}

/**
 * The visible columns of `table` in `database` whose names match `wildcard` (a LIKE pattern;
 * empty = all): 1046 without a database, 1049 / 1146 for what does not exist, 1109 for an
 * unknown information_schema table.
 */
export async function fieldList(
  catalog: CatalogPort,
  database: string | undefined,
  table: string,
  wildcard: string,
): Promise<FieldListColumn[]> {
  if (database === undefined) throw new SqlSemanticError(1046, '3D000', 'No database selected');
  const pattern = wildcard === '' ? undefined : likeRegExp(wildcard);
  const columns = isVirtualDatabase(database)
    ? virtualTable(database, table).columns
    : definitionOf(await catalog.view(), database, table).columns;
  return columns
    .filter((c) => c.hidden !== true && (pattern?.test(c.name) ?? true))
    .map((c) => ({
      name: c.name,
      type: resultTypeOf(c),
      database,
      table,
      defaultValue: defaultText(c),
    }));
}

/** The stored definition of `database`.`table` (placement not needed): 1049, 1146. */
function definitionOf(view: CatalogView, database: string, table: string): TableDefinition {
  const found = view.tables.find((t) => t.database === database && t.name === table);
  if (found !== undefined) return found.definition as TableDefinition;
  if (!view.databases.some((d) => d.name === database)) {
    throw new SqlSemanticError(1049, '42000', `Unknown database '${database}'`);
  }
  throw new SqlSemanticError(1146, '42S02', `Table '${database}.${table}' doesn't exist`);
}
