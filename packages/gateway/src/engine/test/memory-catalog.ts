/**
 * Test support: a CatalogPort over an in-memory catalog, refusing as the control plane does
 * (same codes). The real port is the control plane's, wired by the host (apps/server).
 */
import type {
  CatalogCommand,
  CatalogDatabaseView,
  CatalogOutcome,
  CatalogPort,
  CatalogTableView,
  CatalogView,
} from '@tessera/sql';

export class MemoryCatalog implements CatalogPort {
  private version = 0;
  private databases: CatalogDatabaseView[] = [];
  private tables: CatalogTableView[] = [];
  private nextId = 1;

  view(): Promise<CatalogView> {
    return Promise.resolve({
      version: this.version,
      databases: [...this.databases],
      tables: [...this.tables],
      representations: [],
    });
  }

  propose(command: CatalogCommand): Promise<CatalogOutcome> {
    const outcome = this.apply(command);
    if (outcome.kind !== 'rejected') this.version++;
    return Promise.resolve(outcome);
  }

  private hasTable(database: string, name: string): boolean {
    return this.tables.some((t) => t.database === database && t.name === name);
  }

  private apply(command: CatalogCommand): CatalogOutcome {
    switch (command.kind) {
      case 'createDatabase': {
        if (this.databases.some((d) => d.name === command.name)) {
          return { kind: 'rejected', reason: 'exists', code: 'DB_EXISTS' };
        }
        const id = this.nextId++;
        this.databases.push({ id, name: command.name });
        return { kind: 'databaseCreated', databaseId: id };
      }
      case 'dropDatabase':
        if (!this.databases.some((d) => d.name === command.name)) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_DB' };
        }
        this.databases = this.databases.filter((d) => d.name !== command.name);
        this.tables = this.tables.filter((t) => t.database !== command.name);
        return { kind: 'ok' };
      case 'createTable': {
        if (!this.databases.some((d) => d.name === command.database)) {
          return { kind: 'rejected', reason: 'no such database', code: 'NO_SUCH_DB' };
        }
        if (this.hasTable(command.database, command.name)) {
          return { kind: 'rejected', reason: 'exists', code: 'TABLE_EXISTS' };
        }
        const id = this.nextId++;
        this.tables.push({
          id,
          database: command.database,
          name: command.name,
          version: 1,
          definition: command.definition,
          representations: command.representations.map((r, i) => ({
            name: r.name,
            representationId: id * 100 + i,
          })),
          autoIncrementNext: 1,
        });
        return { kind: 'tableChanged', tableId: id, version: 1 };
      }
      case 'dropTable':
        if (!this.hasTable(command.database, command.name)) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_TABLE' };
        }
        this.tables = this.tables.filter(
          (t) => !(t.database === command.database && t.name === command.name),
        );
        return { kind: 'ok' };
      case 'renameTable': {
        const table = this.tables.find(
          (t) => t.database === command.database && t.name === command.name,
        );
        if (table === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_TABLE' };
        }
        const version = table.version + 1;
        this.tables = this.tables.map((t) =>
          t === table ? { ...t, database: command.toDatabase, name: command.toName, version } : t,
        );
        return { kind: 'tableChanged', tableId: table.id, version };
      }
      case 'alterTable':
      case 'allocateAutoIncrement':
        return { kind: 'rejected', reason: 'not modelled by the test catalog' };
    }
  }
}
