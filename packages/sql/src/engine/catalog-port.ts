/**
 * What the SQL engine needs from the control plane's catalog, as an interface the host wires
 * to a `ControlClient` (the sql package may not import the cluster package; these shapes are
 * the control plane's own, structurally). Keeping the engine on a port also lets it run over
 * one gateway's cached view and refresh it when a version says it is stale.
 */
import type { Representation } from '@tessera/placement';

export interface CatalogDatabaseView {
  readonly id: number;
  readonly name: string;
}

export interface CatalogTableView {
  readonly id: number;
  readonly database: string;
  readonly name: string;
  readonly version: number;
  /** A TableDefinition (schema/definition.ts), as JSON. */
  readonly definition: unknown;
  /** PRIMARY first, then one per secondary index. */
  readonly representations: readonly {
    readonly name: string;
    readonly representationId: number;
  }[];
  readonly autoIncrementNext: number;
}

export interface CatalogView {
  /** The control plane's state version this view was taken at. */
  readonly version: number;
  readonly databases: readonly CatalogDatabaseView[];
  readonly tables: readonly CatalogTableView[];
  /** The slice map: every representation's slices (by representation id). */
  readonly representations: readonly Representation[];
  /** The node registry (for the `system` database); absent when the port does not know it. */
  readonly nodes?: readonly {
    readonly id: number;
    readonly zone: string;
    readonly address: string;
    readonly state: string;
  }[];
  /**
   * Where each replica stands and its load, as its node last reported to the control plane
   * (for `system.replicas`); absent when the port does not know it, and a replica missing
   * from it has not been reported yet.
   */
  readonly replicaStats?: readonly ReplicaStatsView[];
  /**
   * What the control plane's rebalancer did, oldest first (its newest entries, for
   * `system.rebalancer_activity`); absent when the port does not know it.
   */
  readonly rebalancerActivity?: readonly RebalancerActivityView[];
  /**
   * The MySQL accounts and their grants (privileges.ts checks every statement against the
   * session's). Credentials stay out of the view: the engine makes new ones (through
   * SessionDeps) but never reads them.
   */
  readonly accounts: readonly CatalogAccountView[];
}

/** An account `'user'@'host'` (host: a name, an address or a `%` / `_` pattern). */
export interface CatalogAccountView {
  readonly user: string;
  readonly host: string;
  readonly plugin: string;
  readonly grants: readonly CatalogGrantView[];
}

/** Privileges at one level: `*`.`*` (global), `db`.`*`, or `db`.`table`. */
export interface CatalogGrantView {
  readonly database: string;
  readonly table: string;
  /** Upper-case privilege names (privileges.ts); never `ALL` (stored expanded). */
  readonly privileges: readonly string[];
  readonly grantOption: boolean;
}

/** One replica's position and load as its node reported them (a heartbeat ago at most). */
export interface ReplicaStatsView {
  readonly nodeId: number;
  readonly groupId: number;
  /** leader / follower / candidate / … as Raft sees it now. */
  readonly raftRole: string;
  /** Applied log index and the highest commit timestamp applied. */
  readonly applied: number;
  readonly appliedCommitTs: number;
  /** MVCC records and their key + value bytes (absent from nodes that do not say). */
  readonly records?: number;
  readonly bytes?: number;
  /** Between the node's last two reports (absent until there are two). */
  readonly readsPerSec?: number;
  readonly writesPerSec?: number;
}

/** One rebalancer action as the control plane logged it (rebalancer-activity.ts there). */
export interface RebalancerActivityView {
  readonly id: number;
  /** The control-plane leader's clock when it decided (ms since the Unix epoch). */
  readonly atMs: number;
  /** 'rerank', 'add', 'remove', 'move' or 'drained' today ('split' later). */
  readonly action: string;
  /** -1 for an entry about a node rather than a slice (`drained`). */
  readonly sliceId: number;
  /** `db.table`, `db.table.index`, or the placement's own name. */
  readonly representation: string;
  /** Node ids; 0 when the action has no such side. */
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  /** 'running', 'done' or 'failed'. */
  readonly state: string;
  readonly bytes: number;
  readonly durationMs: number;
}

export interface RepresentationRequest {
  readonly name: string;
  readonly replicas?: number;
  readonly loggers?: number;
  readonly sliceCount?: number;
}

/** The catalog commands the engine proposes (a subset of the control plane's). */
export type CatalogCommand =
  | { readonly kind: 'createDatabase'; readonly name: string }
  | { readonly kind: 'dropDatabase'; readonly name: string }
  | {
      readonly kind: 'createTable';
      readonly database: string;
      readonly name: string;
      readonly definition: unknown;
      readonly representations: readonly RepresentationRequest[];
    }
  | { readonly kind: 'dropTable'; readonly database: string; readonly name: string }
  | {
      readonly kind: 'alterTable';
      readonly database: string;
      readonly name: string;
      /** The version the change was computed against; any other is refused (VERSION_MISMATCH). */
      readonly expectedVersion: number;
      readonly definition: unknown;
      readonly addRepresentations?: readonly RepresentationRequest[];
      readonly dropRepresentations?: readonly string[];
    }
  | {
      readonly kind: 'renameTable';
      readonly database: string;
      readonly name: string;
      readonly toDatabase: string;
      readonly toName: string;
    }
  // Accounts (accounts.ts): the credential is made by the host's credential maker.
  | {
      readonly kind: 'createUser' | 'alterUser';
      readonly user: string;
      readonly host: string;
      readonly plugin: string;
      readonly credential: string;
    }
  | { readonly kind: 'dropUser'; readonly user: string; readonly host: string }
  | {
      readonly kind: 'grant' | 'revoke';
      readonly user: string;
      readonly host: string;
      readonly database: string;
      readonly table: string;
      readonly privileges: readonly string[];
      readonly grantOption: boolean;
    }
  | {
      readonly kind: 'allocateAutoIncrement';
      readonly tableId: number;
      readonly count: number;
      readonly atLeast?: number;
    };

export type CatalogOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'databaseCreated'; readonly databaseId: number }
  | { readonly kind: 'tableChanged'; readonly tableId: number; readonly version: number }
  | { readonly kind: 'autoIncrementAllocated'; readonly first: number; readonly count: number }
  | { readonly kind: 'rejected'; readonly reason: string; readonly code?: string };

export interface CatalogPort {
  /** A view at least as new as `minVersion` (the newest the port can get otherwise). */
  view(minVersion?: number): Promise<CatalogView>;
  /** Replicates one command; resolves with its outcome once applied. */
  propose(command: CatalogCommand): Promise<CatalogOutcome>;
}
