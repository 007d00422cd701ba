// Test support: a CatalogPort over an in-memory catalog with the control plane's refusal codes
// (the real one is the control plane, wired by the host; its own tests live in the cluster
// package and in apps/server).
import type { ClusterNode, Representation } from '@tessera/placement';
import { planInitialPlacement } from '@tessera/placement';
import type {
  CatalogAccountView,
  CatalogCommand,
  CatalogOutcome,
  CatalogPort,
  CatalogTableView,
  CatalogView,
  RebalancerActivityView,
  ReplicaStatsView,
} from '../catalog-port.js';
import { allPrivilegesAt } from '../privileges.js';

/** 'root'@'%' as the server's bootstrap leaves it: ALL PRIVILEGES ON *.* WITH GRANT OPTION. */
export const rootAccount: CatalogAccountView = {
  user: 'root',
  host: '%',
  plugin: 'caching_sha2_password',
  grants: [{ database: '*', table: '*', privileges: allPrivilegesAt('global'), grantOption: true }],
};

export class MemoryCatalog implements CatalogPort {
  private version = 0;
  private databases: { id: number; name: string }[] = [];
  private tables: CatalogTableView[] = [];
  private nextId = 1;
  private nextRepresentation = 1;
  private representations: Representation[] = [];
  readonly proposed: CatalogCommand[] = [];
  /** Accounts with their credentials (the view leaves credentials out, as the host's does). */
  private accounts: (CatalogAccountView & { credential: string })[];

  /** With nodes, tables are placed (slices over them) as the control plane would. */
  constructor(
    private readonly nodes: readonly ClusterNode[] = [],
    accounts: readonly CatalogAccountView[] = [rootAccount],
  ) {
    this.accounts = accounts.map((a) => ({ ...a, credential: '' }));
  }

  /** The stored credential of an account (tests of CREATE / ALTER USER, SET PASSWORD). */
  credentialOf(user: string, host: string): string | undefined {
    return this.accounts.find((a) => a.user === user && a.host === host)?.credential;
  }

  view(): Promise<CatalogView> {
    return Promise.resolve({
      version: this.version,
      databases: [...this.databases],
      tables: [...this.tables],
      representations: [...this.representations],
      accounts: this.accounts.map(({ credential: _, ...account }) => account),
      ...(this.replicaStats === undefined ? {} : { replicaStats: this.replicaStats }),
      ...(this.rebalancerActivity === undefined
        ? {}
        : { rebalancerActivity: this.rebalancerActivity }),
    });
  }

  /** What the control plane's rebalancer would have logged (tests of system tables). */
  rebalancerActivity: RebalancerActivityView[] | undefined;

  /** What the nodes would report about their replicas (tests of table-size estimates). */
  replicaStats: ReplicaStatsView[] | undefined;

  propose(command: CatalogCommand): Promise<CatalogOutcome> {
    this.proposed.push(command);
    const outcome = this.apply(command);
    if (outcome.kind !== 'rejected') this.version++;
    return Promise.resolve(outcome);
  }

  private place(
    tableId: number,
    r: { readonly name: string; readonly sliceCount?: number },
  ): { name: string; representationId: number } {
    const representationId = this.nextRepresentation++;
    if (this.nodes.length > 0) {
      this.representations.push(
        planInitialPlacement(
          {
            id: representationId,
            name: `t${tableId}/${r.name}`,
            ...(r.sliceCount === undefined ? {} : { sliceCount: r.sliceCount }),
          },
          this.nodes,
          { existing: { representations: this.representations } },
        ),
      );
    }
    return { name: r.name, representationId };
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
        const placed = command.representations.map((r) => this.place(id, r));
        this.tables.push({
          id,
          database: command.database,
          name: command.name,
          version: 1,
          definition: command.definition,
          representations: placed,
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
      case 'alterTable': {
        const table = this.tables.find(
          (t) => t.database === command.database && t.name === command.name,
        );
        if (table === undefined)
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_TABLE' };
        if (table.version !== command.expectedVersion) {
          return { kind: 'rejected', reason: 'stale', code: 'VERSION_MISMATCH' };
        }
        const dropped = new Set(command.dropRepresentations ?? []);
        const kept = table.representations.filter((r) => !dropped.has(r.name));
        const added = (command.addRepresentations ?? []).map((r) => this.place(table.id, r));
        const version = table.version + 1;
        this.tables = this.tables.map((t) =>
          t === table
            ? {
                ...t,
                version,
                definition: command.definition,
                representations: [...kept, ...added],
              }
            : t,
        );
        return { kind: 'tableChanged', tableId: table.id, version };
      }
      case 'renameTable': {
        const table = this.tables.find(
          (t) => t.database === command.database && t.name === command.name,
        );
        if (table === undefined)
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_TABLE' };
        this.tables = this.tables.map((t) =>
          t === table
            ? { ...t, database: command.toDatabase, name: command.toName, version: t.version + 1 }
            : t,
        );
        return { kind: 'tableChanged', tableId: table.id, version: table.version + 1 };
      }
      case 'allocateAutoIncrement': {
        const table = this.tables.find((t) => t.id === command.tableId);
        if (table === undefined)
          return { kind: 'rejected', reason: 'no table', code: 'NO_SUCH_TABLE' };
        const first = Math.max(table.autoIncrementNext, command.atLeast ?? 0);
        this.tables = this.tables.map((t) =>
          t.id === table.id ? { ...t, autoIncrementNext: first + command.count } : t,
        );
        return { kind: 'autoIncrementAllocated', first, count: command.count };
      }
      case 'createUser':
      case 'alterUser':
      case 'dropUser':
      case 'grant':
      case 'revoke':
        return this.applyToAccount(command);
    }
  }

  /** The control plane's account semantics (control-state.ts), codes included. */
  private applyToAccount(
    command: Extract<
      CatalogCommand,
      { kind: 'createUser' | 'alterUser' | 'dropUser' | 'grant' | 'revoke' }
    >,
  ): CatalogOutcome {
    const existing = this.accounts.find((a) => a.user === command.user && a.host === command.host);
    const others = this.accounts.filter((a) => a !== existing);
    switch (command.kind) {
      case 'createUser':
      case 'alterUser': {
        if (command.kind === 'createUser' && existing !== undefined) {
          return { kind: 'rejected', reason: 'exists', code: 'ACCOUNT_EXISTS' };
        }
        if (command.kind === 'alterUser' && existing === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_ACCOUNT' };
        }
        const { user, host, plugin, credential } = command;
        this.accounts = [
          ...others,
          { user, host, plugin, credential, grants: existing?.grants ?? [] },
        ];
        return { kind: 'ok' };
      }
      case 'dropUser':
        if (existing === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_ACCOUNT' };
        }
        this.accounts = others;
        return { kind: 'ok' };
      case 'grant':
      case 'revoke': {
        const level = (g: { database: string; table: string }) =>
          g.database === command.database && g.table === command.table;
        const current = existing?.grants.find(level);
        if (existing === undefined) {
          return { kind: 'rejected', reason: 'missing', code: 'NO_SUCH_ACCOUNT' };
        }
        if (command.kind === 'revoke' && current === undefined) {
          return { kind: 'rejected', reason: 'no grant', code: 'NO_SUCH_GRANT' };
        }
        const held = current?.privileges ?? [];
        const privileges =
          command.kind === 'grant'
            ? [...new Set([...held, ...command.privileges])].sort()
            : command.privileges.includes('ALL')
              ? []
              : held.filter((p) => !command.privileges.includes(p));
        const grantOption =
          command.kind === 'grant'
            ? (current?.grantOption ?? false) || command.grantOption
            : !command.privileges.includes('ALL') &&
              !command.grantOption &&
              current?.grantOption === true;
        const rest = existing.grants.filter((g) => !level(g));
        const grants =
          privileges.length === 0 && !grantOption
            ? rest
            : [
                ...rest,
                { database: command.database, table: command.table, privileges, grantOption },
              ];
        this.accounts = [...others, { ...existing, grants }];
        return { kind: 'ok' };
      }
    }
  }
}
