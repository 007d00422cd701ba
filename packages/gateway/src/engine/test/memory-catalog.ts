/**
 * Test support: a CatalogPort over an in-memory catalog, refusing as the control plane does
 * (same codes). Like the host's, the same catalog is the handler's AccountSource: accounts made
 * by CREATE USER log in. The real port is the control plane's, wired by the host (apps/server).
 */
import type {
  CatalogAccountView,
  CatalogCommand,
  CatalogDatabaseView,
  CatalogGrantView,
  CatalogOutcome,
  CatalogPort,
  CatalogTableView,
  CatalogView,
} from '@tessera/sql';
import type { AccountSource, StoredAccount } from '../accounts';

/** An account with its credential and grants. */
export type TestAccount = StoredAccount & { readonly grants: readonly CatalogGrantView[] };

export class MemoryCatalog implements CatalogPort, AccountSource {
  private version = 0;
  private databases: CatalogDatabaseView[] = [];
  private tables: CatalogTableView[] = [];
  private nextId = 1;

  constructor(private accountList: readonly TestAccount[] = []) {}

  view(): Promise<CatalogView> {
    return Promise.resolve({
      version: this.version,
      databases: [...this.databases],
      tables: [...this.tables],
      representations: [],
      accounts: this.accountList.map(({ user, host, plugin, grants }): CatalogAccountView => ({
        user,
        host,
        plugin,
        grants,
      })),
    });
  }

  accounts(): Promise<readonly StoredAccount[]> {
    return Promise.resolve(this.accountList);
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
      case 'createUser':
      case 'alterUser':
      case 'dropUser':
      case 'grant':
      case 'revoke':
        return this.applyToAccount(command);
    }
  }

  /** The control plane's account semantics and codes (privileges as given; no ALL). */
  private applyToAccount(
    command: Extract<
      CatalogCommand,
      { kind: 'createUser' | 'alterUser' | 'dropUser' | 'grant' | 'revoke' }
    >,
  ): CatalogOutcome {
    const existing = this.accountList.find(
      (a) => a.user === command.user && a.host === command.host,
    );
    const others = this.accountList.filter((a) => a !== existing);
    switch (command.kind) {
      case 'createUser':
      case 'alterUser': {
        if ((command.kind === 'createUser') === (existing !== undefined)) {
          const code = existing === undefined ? 'NO_SUCH_ACCOUNT' : 'ACCOUNT_EXISTS';
          return { kind: 'rejected', reason: code, code };
        }
        const { user, host, plugin, credential } = command;
        this.accountList = [
          ...others,
          { user, host, plugin, credential, grants: existing?.grants ?? [] },
        ];
        return { kind: 'ok' };
      }
      case 'dropUser':
        if (existing === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_ACCOUNT' };
        }
        this.accountList = others;
        return { kind: 'ok' };
      case 'grant':
      case 'revoke': {
        if (existing === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_ACCOUNT' };
        }
        const level = (g: CatalogGrantView) =>
          g.database === command.database && g.table === command.table;
        const current = existing.grants.find(level);
        if (command.kind === 'revoke' && current === undefined) {
          return { kind: 'rejected', reason: 'no grant', code: 'NO_SUCH_GRANT' };
        }
        const held = current?.privileges ?? [];
        const granting = command.kind === 'grant';
        const privileges = granting
          ? [...new Set([...held, ...command.privileges])]
          : held.filter((p) => !command.privileges.includes(p));
        const grantOption = granting
          ? (current?.grantOption ?? false) || command.grantOption
          : (current?.grantOption ?? false) && !command.grantOption;
        const rest = existing.grants.filter((g) => !level(g));
        const grants =
          privileges.length === 0 && !grantOption
            ? rest
            : [
                ...rest,
                { database: command.database, table: command.table, privileges, grantOption },
              ];
        this.accountList = [...others, { ...existing, grants }];
        return { kind: 'ok' };
      }
    }
  }
}
