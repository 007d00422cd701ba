// Test support: a CatalogPort over an in-memory catalog with the control plane's refusal codes
// (the real one is the control plane, wired by the host; its own tests live in the cluster
// package and in apps/server).
import type {
  CatalogCommand,
  CatalogOutcome,
  CatalogPort,
  CatalogTableView,
  CatalogView,
} from '../catalog-port.js';

export class MemoryCatalog implements CatalogPort {
  private version = 0;
  private databases: { id: number; name: string }[] = [];
  private tables: CatalogTableView[] = [];
  private nextId = 1;
  readonly proposed: CatalogCommand[] = [];

  view(): Promise<CatalogView> {
    return Promise.resolve({
      version: this.version,
      databases: [...this.databases],
      tables: [...this.tables],
      representations: [],
    });
  }

  propose(command: CatalogCommand): Promise<CatalogOutcome> {
    this.proposed.push(command);
    const outcome = this.apply(command);
    if (outcome.kind !== 'rejected') this.version++;
    return Promise.resolve(outcome);
  }

  private apply(command: CatalogCommand): CatalogOutcome {
    switch (command.kind) {
      case 'createDatabase':
        if (this.databases.some((d) => d.name === command.name)) {
          return { kind: 'rejected', reason: 'exists', code: 'DB_EXISTS' };
        }
        this.databases.push({ id: this.nextId, name: command.name });
        return { kind: 'databaseCreated', databaseId: this.nextId++ };
      case 'dropDatabase':
        if (!this.databases.some((d) => d.name === command.name)) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_DB' };
        }
        this.databases = this.databases.filter((d) => d.name !== command.name);
        this.tables = this.tables.filter((t) => t.database !== command.name);
        return { kind: 'ok' };
      case 'createTable': {
        if (!this.databases.some((d) => d.name === command.database)) {
          return { kind: 'rejected', reason: 'no db', code: 'NO_SUCH_DB' };
        }
        if (this.tables.some((t) => t.database === command.database && t.name === command.name)) {
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
        if (!this.tables.some((t) => t.database === command.database && t.name === command.name)) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_TABLE' };
        }
        this.tables = this.tables.filter(
          (t) => !(t.database === command.database && t.name === command.name),
        );
        return { kind: 'ok' };
      case 'allocateAutoIncrement':
        return { kind: 'rejected', reason: 'not modelled here' };
    }
  }
}
