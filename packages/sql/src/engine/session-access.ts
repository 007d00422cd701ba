/**
 * A session's access control: who it is, and for each statement the catalog as of the
 * statement's start, checked against the account's grants in that same view.
 *
 *   SqlSession.executeOne(stmt)
 *     │ SessionAccess.authorize(stmt)   one catalog view (the port caches it by version), the
 *     │                                 account's grants in it, checkStatement (1142, 1044, ...)
 *     ▼
 *   StatementAccess { view, visible, catalog }
 *       view     routing, and the grants the statement was checked against
 *       visible  what the executors see: the databases and tables the account holds some
 *                privilege on (SHOW DATABASES / TABLES, information_schema, system.tables)
 *       catalog  the session's port, its views filtered the same way (DDL, SHOW, DESCRIBE)
 *
 * Statements that read no catalog (SET, BEGIN, SELECT 1, ...) fetch nothing and are checked
 * against nothing.
 */
import type { Statement } from '../ast.js';
import type { CatalogPort, CatalogView } from './catalog-port.js';
import type { AccountContext } from './accounts.js';
import {
  AccountPrivileges,
  databaseAccessDenied,
  isOpenDatabase,
  visibleView,
} from './privileges.js';
import type { PrivilegeName, SessionIdentity } from './privileges.js';
import { checkStatement, readsCatalog } from './statement-privileges.js';

export interface StatementAccess {
  /** The catalog as of the statement's start. */
  readonly view: CatalogView;
  /** What of it the account may see. */
  readonly visible: CatalogView;
  /** The session's catalog port, filtered as `visible` is. */
  readonly catalog: CatalogPort;
}

export class SessionAccess {
  private indexed: { version: number; privileges: AccountPrivileges } | undefined;

  constructor(
    private readonly catalog: CatalogPort,
    readonly who: SessionIdentity,
    private readonly makeCredential: (plugin: string, password: string) => Promise<string>,
  ) {}

  /**
   * Checks `stmt` against the account's grants as of now (throws MySQL's access-denied
   * error); answers the statement's view of the catalog, or undefined when it reads none.
   */
  async authorize(
    stmt: Statement,
    database: string | undefined,
  ): Promise<StatementAccess | undefined> {
    if (!readsCatalog(stmt)) return undefined;
    const view = await this.catalog.view();
    const privileges = this.privilegesIn(view);
    checkStatement(stmt, { view, privileges, who: this.who, database });
    if (privileges.seesEverything()) return { view, visible: view, catalog: this.catalog };
    return {
      view,
      visible: visibleView(view, privileges),
      catalog: filtered(this.catalog, privileges),
    };
  }

  /** USE and COM_INIT_DB: some privilege on the database (1044). */
  async authorizeUse(database: string): Promise<void> {
    if (isOpenDatabase(database)) return;
    const privileges = this.privilegesIn(await this.catalog.view());
    if (!privileges.hasAnyOnDatabase(database)) throw databaseAccessDenied(this.who, database);
  }

  /**
   * Whether the account holds `privilege` globally as of now (KILL of another user's
   * connection: SUPER; every row of SHOW PROCESSLIST: PROCESS).
   */
  async hasGlobalPrivilege(privilege: PrivilegeName): Promise<boolean> {
    return this.privilegesIn(await this.catalog.view()).has(privilege);
  }

  /** The account's grants in `view`, indexed once per catalog version. */
  private privilegesIn(view: CatalogView): AccountPrivileges {
    if (this.indexed?.version !== view.version) {
      this.indexed = {
        version: view.version,
        privileges: AccountPrivileges.of(view, this.who.account),
      };
    }
    return this.indexed.privileges;
  }

  /** What the account statements (accounts.ts) run with. */
  accountContext(database: string | undefined): AccountContext {
    return {
      catalog: this.catalog,
      who: this.who,
      database,
      makeCredential: this.makeCredential,
    };
  }
}

/** `port` with every view cut to what `privileges` may see; changes pass through. */
function filtered(port: CatalogPort, privileges: AccountPrivileges): CatalogPort {
  return {
    view: async (minVersion?: number) => visibleView(await port.view(minVersion), privileges),
    propose: (command) => port.propose(command),
  };
}
