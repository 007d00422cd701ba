import type {
  ClusterNode,
  NodeState,
  Placement,
  PlacementChange,
  Representation,
  RepresentationSpec,
  SliceId,
  ZoneName,
} from '@tessera/placement';
import { applyChanges, PlacementError, planInitialPlacement, splitSlice } from '@tessera/placement';
import type { NodeId } from '../runtime/transport';
import { badName, emptyCatalog, representationName } from './catalog';
import type {
  CatalogAccount,
  CatalogErrorCode,
  CatalogGrant,
  CatalogRepresentation,
  CatalogSnapshot,
  CatalogTable,
  JsonValue,
  RepresentationRequest,
} from './catalog';
import {
  appendActivity,
  recordRound,
  malformedActivityRound,
  membersOn,
  representationOfSlice,
  staleActivityRound,
} from './rebalancer-activity';
import type { ActivityRequest, RebalancerActivity } from './rebalancer-activity';

/**
 * The replicated state of the control plane: node registry, slice map, timestamp window, id
 * allocators, the SQL catalog and the rebalancer's activity history (rebalancer-activity.ts).
 * The control-plane Raft group applies `ControlCommand`s to it in log order on every member,
 * so `apply` is deterministic: it reads nothing but its state and the command
 * (time arrives inside commands, stamped by the leader), and it never throws on a command that
 * is merely invalid — it answers with a typed rejection and leaves the state unchanged.
 *
 * Liveness (heartbeats) is not here: it is soft state on the leader, and only its decisions
 * (`setNodeState`) are replicated. Replicating every heartbeat would turn reads into writes.
 */
export interface RegisteredNode {
  readonly id: NodeId;
  readonly zone: ZoneName;
  /** Where the node's transport listens (host:port); empty for in-process nodes. */
  readonly address: string;
  readonly state: NodeState;
  /** Leader time of registration and of the last state change, ms. */
  readonly joinedAtMs: number;
  readonly stateChangedAtMs: number;
}

export type ControlCommand =
  | {
      readonly kind: 'registerNode';
      readonly zone: ZoneName;
      readonly address: string;
      readonly atMs: number;
      /**
       * Re-registering a known node (a restart) keeps its id; an unknown id is registered as
       * given (ids from a static cluster file).
       */
      readonly nodeId?: NodeId;
    }
  | {
      readonly kind: 'setNodeState';
      readonly nodeId: NodeId;
      readonly state: NodeState;
      readonly atMs: number;
    }
  | { readonly kind: 'createRepresentation'; readonly spec: Omit<RepresentationSpec, 'id'> }
  | { readonly kind: 'dropRepresentation'; readonly representationId: number }
  | {
      readonly kind: 'applyPlacementChanges';
      readonly changes: readonly PlacementChange[];
      /**
       * Set by the rebalancer: the changes are one decision round (a re-rank, or a step of a
       * replacement: add / finishAdd / abandonAdd), logged in the activity history by this
       * same command (`recordRound`). Such a round is conditional (see
       * `staleActivityRound`): refused whole if the state moved.
       */
      readonly activity?: ActivityRequest;
    }
  /**
   * Splits the slice map at once (no data moves: for an empty slice, tools and tests). A live
   * slice splits with beginSplit / finishSplit.
   */
  | { readonly kind: 'splitSlice'; readonly sliceId: SliceId; readonly at?: bigint }
  /**
   * The rebalancer's split, first half: reserves the new slice's id (answered as `sliceSplit`
   * with `upper`), records the split as pending (`ControlSnapshot.splits`: node agents then
   * have the parent group's leader propose the data split) and a `running` split activity
   * entry with `reason`. The slice map does not change yet.
   */
  | {
      readonly kind: 'beginSplit';
      readonly sliceId: SliceId;
      readonly at: bigint;
      readonly atMs: number;
      readonly reason: string;
    }
  /**
   * Second half, once the new group has a leader: the map splits (parent [start, at), the new
   * slice [at, end) with the same members and ranking replica, both epochs bumped) and the
   * activity entry turns `done` with the bytes that moved and the duration.
   */
  | {
      readonly kind: 'finishSplit';
      readonly sliceId: SliceId;
      readonly atMs: number;
      readonly movedBytes: number;
    }
  | { readonly kind: 'reserveTsoWindow'; readonly endPhysicalMs: number }
  | { readonly kind: 'allocateIds'; readonly counter: AllocatableCounter; readonly count: number }
  // The SQL catalog (catalog.ts): DDL proposed by the SQL layer, applied atomically.
  | { readonly kind: 'createDatabase'; readonly name: string }
  | { readonly kind: 'dropDatabase'; readonly name: string }
  | {
      readonly kind: 'createTable';
      readonly database: string;
      readonly name: string;
      readonly definition: JsonValue;
      /** The primary representation first, then one per secondary index. */
      readonly representations: readonly RepresentationRequest[];
    }
  | { readonly kind: 'dropTable'; readonly database: string; readonly name: string }
  | {
      readonly kind: 'renameTable';
      readonly database: string;
      readonly name: string;
      readonly toDatabase: string;
      readonly toName: string;
    }
  | {
      readonly kind: 'alterTable';
      readonly database: string;
      readonly name: string;
      /** The version the change was computed against; any other refuses (VERSION_MISMATCH). */
      readonly expectedVersion: number;
      readonly definition: JsonValue;
      readonly addRepresentations?: readonly RepresentationRequest[];
      readonly dropRepresentations?: readonly string[];
    }
  | {
      readonly kind: 'createUser';
      readonly user: string;
      readonly host: string;
      readonly plugin: string;
      readonly credential: string;
    }
  | { readonly kind: 'dropUser'; readonly user: string; readonly host: string }
  | {
      readonly kind: 'alterUser';
      readonly user: string;
      readonly host: string;
      readonly plugin: string;
      readonly credential: string;
    }
  | {
      readonly kind: 'grant';
      readonly user: string;
      readonly host: string;
      readonly database: string;
      readonly table: string;
      readonly privileges: readonly string[];
      readonly grantOption: boolean;
    }
  | {
      readonly kind: 'revoke';
      readonly user: string;
      readonly host: string;
      readonly database: string;
      readonly table: string;
      /** Privileges to take away; `ALL` takes every one (and the grant option). */
      readonly privileges: readonly string[];
      readonly grantOption: boolean;
    }
  | {
      readonly kind: 'allocateAutoIncrement';
      readonly tableId: number;
      readonly count: number;
      /** Hand out nothing below this (an explicit larger value was inserted). */
      readonly atLeast?: number;
    };

/** The id sequences the state keeps. Node and representation ids come with their commands. */
export type IdCounter = 'node' | 'representation' | 'group' | 'database' | 'table' | 'activity';
/** Sequences handed out in batches by `allocateIds` (AUTO_INCREMENT ranges join with the catalog). */
export type AllocatableCounter = Exclude<
  IdCounter,
  'node' | 'representation' | 'database' | 'table' | 'activity'
>;

export type ControlResult =
  | { readonly kind: 'nodeRegistered'; readonly nodeId: NodeId }
  | {
      readonly kind: 'representationCreated';
      readonly representationId: number;
      readonly slices: readonly SliceId[];
    }
  | { readonly kind: 'sliceSplit'; readonly lower: SliceId; readonly upper: SliceId }
  | { readonly kind: 'idsAllocated'; readonly first: number; readonly count: number }
  | { readonly kind: 'databaseCreated'; readonly databaseId: number }
  | {
      readonly kind: 'tableChanged';
      readonly tableId: number;
      readonly version: number;
      readonly representations: readonly CatalogRepresentation[];
    }
  | { readonly kind: 'autoIncrementAllocated'; readonly first: number; readonly count: number }
  | { readonly kind: 'ok' }
  | { readonly kind: 'rejected'; readonly reason: string; readonly code?: CatalogErrorCode };

/** Every slice change bumps its epoch, so routers can tell a stale slice map from a fresh one. */
export interface ControlSnapshot {
  readonly version: number;
  readonly nodes: readonly RegisteredNode[];
  readonly placement: Placement;
  readonly sliceEpochs: readonly (readonly [SliceId, number])[];
  readonly tsoWindowEndMs: number;
  readonly counters: readonly (readonly [IdCounter, number])[];
  /** Absent in snapshots taken before the catalog existed (read as empty). */
  readonly catalog?: CatalogSnapshot;
  /** The rebalancer's newest activity entries, oldest first (absent in older snapshots). */
  readonly activity?: readonly RebalancerActivity[];
  /** Splits begun and not yet finished, by parent slice (absent in older snapshots). */
  readonly splits?: readonly PendingSplit[];
}

/**
 * A slice split under way (beginSplit … finishSplit): keys of `sliceId` whose distribution
 * hash is ≥ `at` move to the new slice `upper` (Raft group `upper + 1`). Its id is reserved:
 * nothing else is placed under it meanwhile.
 */
export interface PendingSplit {
  readonly sliceId: SliceId;
  readonly at: bigint;
  readonly upper: SliceId;
  /** The activity entry of the split (turns done at finish). */
  readonly activityId: number;
  readonly startedAtMs: number;
}

const maxIdBatch = 1_000_000;

export class ControlState {
  private version = 0;
  private readonly nodes = new Map<NodeId, RegisteredNode>();
  private placement: Placement = { representations: [] };
  private readonly sliceEpochs = new Map<SliceId, number>();
  private tsoWindowEndMs = 0;
  private readonly counters = new Map<IdCounter, number>();
  private catalog: CatalogSnapshot = emptyCatalog;
  private activity: readonly RebalancerActivity[] = [];
  private readonly splits = new Map<SliceId, PendingSplit>();

  static fromSnapshot(snapshot: ControlSnapshot): ControlState {
    const state = new ControlState();
    state.version = snapshot.version;
    for (const node of snapshot.nodes) state.nodes.set(node.id, node);
    state.placement = snapshot.placement;
    for (const [slice, epoch] of snapshot.sliceEpochs) state.sliceEpochs.set(slice, epoch);
    state.tsoWindowEndMs = snapshot.tsoWindowEndMs;
    for (const [counter, next] of snapshot.counters) state.counters.set(counter, next);
    state.catalog = snapshot.catalog ?? emptyCatalog;
    state.activity = snapshot.activity ?? [];
    for (const split of snapshot.splits ?? []) state.splits.set(split.sliceId, split);
    return state;
  }

  /** A plain, ordered copy: equal states give equal snapshots (tests compare replicas by it). */
  snapshot(): ControlSnapshot {
    return {
      version: this.version,
      nodes: [...this.nodes.values()].sort((a, b) => a.id - b.id),
      placement: this.placement,
      sliceEpochs: [...this.sliceEpochs.entries()].sort((a, b) => a[0] - b[0]),
      tsoWindowEndMs: this.tsoWindowEndMs,
      counters: [...this.counters.entries()].sort((a, b) => a[0].localeCompare(b[0])),
      catalog: this.catalog,
      activity: this.activity,
      splits: [...this.splits.values()].sort((a, b) => a.sliceId - b.sliceId),
    };
  }

  /** Splits begun and not yet finished, by parent slice id. */
  get pendingSplits(): readonly PendingSplit[] {
    return [...this.splits.values()].sort((a, b) => a.sliceId - b.sliceId);
  }

  /** The SQL catalog (databases, tables, their representations), as of this state. */
  get sqlCatalog(): CatalogSnapshot {
    return this.catalog;
  }

  table(database: string, name: string): CatalogTable | undefined {
    return this.catalog.tables.find((t) => t.database === database && t.name === name);
  }

  /** What the rebalancer did, oldest first (the newest `activityLogMax` entries). */
  get rebalancerActivity(): readonly RebalancerActivity[] {
    return this.activity;
  }

  /** Bumped by every change; unchanged by rejected commands. */
  get stateVersion(): number {
    return this.version;
  }

  get reservedTsoWindowEndMs(): number {
    return this.tsoWindowEndMs;
  }

  get slicePlacement(): Placement {
    return this.placement;
  }

  node(id: NodeId): RegisteredNode | undefined {
    return this.nodes.get(id);
  }

  /** The nodes as placement sees them; removed nodes are left out. */
  clusterNodes(): ClusterNode[] {
    return [...this.nodes.values()]
      .filter((n) => n.state !== 'removed')
      .sort((a, b) => a.id - b.id)
      .map((n) => ({ id: n.id, zone: n.zone, state: n.state }));
  }

  sliceEpoch(slice: SliceId): number {
    return this.sliceEpochs.get(slice) ?? 0;
  }

  apply(command: ControlCommand): ControlResult {
    const result = this.applyInner(command);
    if (result.kind !== 'rejected') this.version++;
    return result;
  }

  private applyInner(command: ControlCommand): ControlResult {
    switch (command.kind) {
      case 'registerNode':
        return this.registerNode(command);
      case 'setNodeState':
        return this.setNodeState(command.nodeId, command.state, command.atMs);
      case 'createRepresentation':
        return this.createRepresentation(command.spec);
      case 'dropRepresentation':
        return this.dropRepresentation(command.representationId);
      case 'applyPlacementChanges':
        return this.applyPlacementChanges(command.changes, command.activity);
      case 'splitSlice':
        return this.split(command.sliceId, command.at);
      case 'beginSplit':
        return this.beginSplit(command);
      case 'finishSplit':
        return this.finishSplit(command);
      case 'reserveTsoWindow':
        // Only ever forward: a stale leader's smaller reservation must not pull it back.
        if (command.endPhysicalMs <= this.tsoWindowEndMs) return { kind: 'ok' };
        this.tsoWindowEndMs = command.endPhysicalMs;
        return { kind: 'ok' };
      case 'allocateIds':
        return this.allocateIds(command.counter, command.count);
      case 'createDatabase':
        return this.createDatabase(command.name);
      case 'dropDatabase':
        return this.dropDatabase(command.name);
      case 'createTable':
        return this.createTable(command);
      case 'dropTable':
        return this.dropTable(command.database, command.name);
      case 'renameTable':
        return this.renameTable(command);
      case 'alterTable':
        return this.alterTable(command);
      case 'allocateAutoIncrement':
        return this.allocateAutoIncrement(command.tableId, command.count, command.atLeast ?? 0);
      case 'createUser':
      case 'alterUser':
        return this.putUser(command);
      case 'dropUser':
        return this.dropUser(command.user, command.host);
      case 'grant':
        return this.grant(command);
      case 'revoke':
        return this.revoke(command);
    }
  }

  // ---- accounts and grants -----------------------------------------------------------------

  /** The account `'user'@'host'` exactly as created (host patterns are matched by the caller). */
  account(user: string, host: string): CatalogAccount | undefined {
    return (this.catalog.accounts ?? []).find((a) => a.user === user && a.host === host);
  }

  private putUser(
    command: Extract<ControlCommand, { kind: 'createUser' | 'alterUser' }>,
  ): ControlResult {
    const { user, host } = command;
    const who = `'${user}'@'${host}'`;
    if (user.length > 32 || host.length > 255) {
      return rejectAs('BAD_NAME', `account name ${who} is too long`);
    }
    const existing = this.account(user, host);
    if (command.kind === 'createUser' && existing !== undefined) {
      return rejectAs('ACCOUNT_EXISTS', `Operation CREATE USER failed for ${who}`);
    }
    if (command.kind === 'alterUser' && existing === undefined) {
      return rejectAs('NO_SUCH_ACCOUNT', `Operation ALTER USER failed for ${who}`);
    }
    const account: CatalogAccount = {
      user,
      host,
      plugin: command.plugin,
      credential: command.credential,
      grants: existing?.grants ?? [],
    };
    this.putAccount(account);
    return { kind: 'ok' };
  }

  private dropUser(user: string, host: string): ControlResult {
    if (this.account(user, host) === undefined) {
      return rejectAs('NO_SUCH_ACCOUNT', `Operation DROP USER failed for '${user}'@'${host}'`);
    }
    this.setCatalog({
      accounts: (this.catalog.accounts ?? []).filter((a) => !(a.user === user && a.host === host)),
    });
    return { kind: 'ok' };
  }

  private grant(command: Extract<ControlCommand, { kind: 'grant' }>): ControlResult {
    const account = this.account(command.user, command.host);
    if (account === undefined) {
      return rejectAs(
        'NO_SUCH_ACCOUNT',
        `You are not allowed to create a user with GRANT ('${command.user}'@'${command.host}')`,
      );
    }
    const level = (g: CatalogGrant) => g.database === command.database && g.table === command.table;
    const current = account.grants.find(level);
    const privileges = [...new Set([...(current?.privileges ?? []), ...command.privileges])].sort();
    const grant: CatalogGrant = {
      database: command.database,
      table: command.table,
      privileges,
      grantOption: (current?.grantOption ?? false) || command.grantOption,
    };
    this.putAccount({ ...account, grants: [...account.grants.filter((g) => !level(g)), grant] });
    return { kind: 'ok' };
  }

  private revoke(command: Extract<ControlCommand, { kind: 'revoke' }>): ControlResult {
    const account = this.account(command.user, command.host);
    const level = (g: CatalogGrant) => g.database === command.database && g.table === command.table;
    const current = account?.grants.find(level);
    if (account === undefined || current === undefined) {
      return rejectAs(
        'NO_SUCH_GRANT',
        `There is no such grant defined for user '${command.user}' on host '${command.host}'`,
      );
    }
    const all = command.privileges.includes('ALL');
    const privileges = all ? [] : current.privileges.filter((p) => !command.privileges.includes(p));
    const grantOption = all || command.grantOption ? false : current.grantOption;
    const rest = account.grants.filter((g) => !level(g));
    const grants =
      privileges.length === 0 && !grantOption
        ? rest
        : [...rest, { ...current, privileges, grantOption }];
    this.putAccount({ ...account, grants });
    return { kind: 'ok' };
  }

  private putAccount(account: CatalogAccount): void {
    const others = (this.catalog.accounts ?? []).filter(
      (a) => !(a.user === account.user && a.host === account.host),
    );
    const grants = [...account.grants].sort(
      (a, b) => a.database.localeCompare(b.database) || a.table.localeCompare(b.table),
    );
    const accounts = [...others, { ...account, grants }].sort(
      (a, b) => a.user.localeCompare(b.user) || a.host.localeCompare(b.host),
    );
    this.setCatalog({ accounts });
  }

  // ---- the SQL catalog ---------------------------------------------------------------------

  private createDatabase(name: string): ControlResult {
    const bad = badName(name);
    if (bad !== undefined) return rejectAs('BAD_NAME', bad);
    if (this.catalog.databases.some((d) => d.name === name)) {
      return rejectAs('DB_EXISTS', `Can't create database '${name}'; database exists`);
    }
    const id = this.next('database');
    this.setCatalog({ databases: [...this.catalog.databases, { id, name }] });
    return { kind: 'databaseCreated', databaseId: id };
  }

  private dropDatabase(name: string): ControlResult {
    if (!this.catalog.databases.some((d) => d.name === name)) {
      return rejectAs('NO_SUCH_DB', `Can't drop database '${name}'; database doesn't exist`);
    }
    const dropped = this.catalog.tables.filter((t) => t.database === name);
    this.dropRepresentationsOf(dropped.flatMap((t) => t.representations));
    this.setCatalog({
      databases: this.catalog.databases.filter((d) => d.name !== name),
      tables: this.catalog.tables.filter((t) => t.database !== name),
    });
    return { kind: 'ok' };
  }

  private createTable(command: Extract<ControlCommand, { kind: 'createTable' }>): ControlResult {
    const { database, name } = command;
    const bad = badName(name);
    if (bad !== undefined) return rejectAs('BAD_NAME', bad);
    if (!this.catalog.databases.some((d) => d.name === database)) {
      return rejectAs('NO_SUCH_DB', `Unknown database '${database}'`);
    }
    if (this.table(database, name) !== undefined) {
      return rejectAs('TABLE_EXISTS', `Table '${name}' already exists`);
    }
    if (command.representations.length === 0) {
      return rejectAs('PLACEMENT', 'a table needs its primary representation');
    }
    const tableId = this.peek('table');
    const placed = this.placeAll(tableId, command.representations, []);
    if (placed.kind === 'rejected') return placed;
    this.next('table');
    const table: CatalogTable = {
      id: tableId,
      database,
      name,
      version: 1,
      definition: command.definition,
      representations: placed.representations,
      autoIncrementNext: 1,
    };
    this.setCatalog({ tables: [...this.catalog.tables, table] });
    return {
      kind: 'tableChanged',
      tableId,
      version: 1,
      representations: table.representations,
    };
  }

  private dropTable(database: string, name: string): ControlResult {
    const table = this.table(database, name);
    if (table === undefined)
      return rejectAs('NO_SUCH_TABLE', `Unknown table '${database}.${name}'`);
    this.dropRepresentationsOf(table.representations);
    this.setCatalog({ tables: this.catalog.tables.filter((t) => t.id !== table.id) });
    return { kind: 'ok' };
  }

  private renameTable(command: Extract<ControlCommand, { kind: 'renameTable' }>): ControlResult {
    const table = this.table(command.database, command.name);
    if (table === undefined) {
      return rejectAs('NO_SUCH_TABLE', `Table '${command.database}.${command.name}' doesn't exist`);
    }
    const bad = badName(command.toName);
    if (bad !== undefined) return rejectAs('BAD_NAME', bad);
    if (!this.catalog.databases.some((d) => d.name === command.toDatabase)) {
      return rejectAs('NO_SUCH_DB', `Unknown database '${command.toDatabase}'`);
    }
    if (this.table(command.toDatabase, command.toName) !== undefined) {
      return rejectAs('TABLE_EXISTS', `Table '${command.toName}' already exists`);
    }
    return this.replaceTable({
      ...table,
      database: command.toDatabase,
      name: command.toName,
      version: table.version + 1,
    });
  }

  private alterTable(command: Extract<ControlCommand, { kind: 'alterTable' }>): ControlResult {
    const table = this.table(command.database, command.name);
    if (table === undefined) {
      return rejectAs('NO_SUCH_TABLE', `Table '${command.database}.${command.name}' doesn't exist`);
    }
    if (table.version !== command.expectedVersion) {
      return rejectAs(
        'VERSION_MISMATCH',
        `table '${command.database}.${command.name}' is at version ${table.version}, ` +
          `not ${command.expectedVersion}`,
      );
    }
    const dropNames = command.dropRepresentations ?? [];
    for (const drop of dropNames) {
      if (drop === table.representations[0]?.name) {
        return rejectAs('PLACEMENT', `the primary representation '${drop}' cannot be dropped`);
      }
      if (!table.representations.some((r) => r.name === drop)) {
        return rejectAs('NO_SUCH_REPRESENTATION', `no index '${drop}' on '${table.name}'`);
      }
    }
    const kept = table.representations.filter((r) => !dropNames.includes(r.name));
    const placed = this.placeAll(table.id, command.addRepresentations ?? [], kept);
    if (placed.kind === 'rejected') return placed;
    this.dropRepresentationsOf(table.representations.filter((r) => dropNames.includes(r.name)));
    return this.replaceTable({
      ...table,
      version: table.version + 1,
      definition: command.definition,
      representations: placed.representations,
    });
  }

  private allocateAutoIncrement(tableId: number, count: number, atLeast: number): ControlResult {
    const table = this.catalog.tables.find((t) => t.id === tableId);
    if (table === undefined) return rejectAs('NO_SUCH_TABLE', `no table with id ${tableId}`);
    if (!Number.isSafeInteger(count) || count < 1 || count > maxIdBatch) {
      return reject(`auto-increment batch must be 1..${maxIdBatch}, got ${count}`);
    }
    if (!Number.isSafeInteger(atLeast) || atLeast < 0) {
      return reject(`auto-increment floor must be a safe integer ≥ 0, got ${atLeast}`);
    }
    const first = Math.max(table.autoIncrementNext, atLeast);
    if (first + count > Number.MAX_SAFE_INTEGER) return reject('auto-increment values exhausted');
    // Not a schema change: the table's version stays, the catalog's moves (state changed).
    this.setCatalog({
      tables: this.catalog.tables.map((t) =>
        t.id === tableId ? { ...t, autoIncrementNext: first + count } : t,
      ),
    });
    return { kind: 'autoIncrementAllocated', first, count };
  }

  /**
   * Places new representations of table `tableId` after `existing`, all or none: each is
   * planned against the placement including the ones planned before it, and the placement
   * changes only if every one succeeded.
   */
  private placeAll(
    tableId: number,
    requests: readonly RepresentationRequest[],
    existing: readonly CatalogRepresentation[],
  ):
    | { readonly kind: 'placed'; readonly representations: CatalogRepresentation[] }
    | Extract<ControlResult, { kind: 'rejected' }> {
    const names = new Set(existing.map((r) => r.name));
    let placement = this.placement;
    let nextId = this.peek('representation');
    const added: CatalogRepresentation[] = [];
    const planned: Placement['representations'][number][] = [];
    for (const request of requests) {
      const bad = badName(request.name);
      if (bad !== undefined) return rejectAs('BAD_NAME', bad);
      if (names.has(request.name)) {
        return rejectAs('REPRESENTATION_EXISTS', `Duplicate key name '${request.name}'`);
      }
      names.add(request.name);
      const spec: RepresentationSpec = {
        id: nextId,
        name: representationName(tableId, request.name),
        ...(request.replicas === undefined ? {} : { replicas: request.replicas }),
        ...(request.loggers === undefined ? {} : { loggers: request.loggers }),
        ...(request.sliceCount === undefined ? {} : { sliceCount: request.sliceCount }),
      };
      let representation;
      try {
        representation = planInitialPlacement(spec, this.clusterNodes(), { existing: placement });
      } catch (err) {
        if (err instanceof PlacementError) return rejectAs('PLACEMENT', err.message);
        throw err;
      }
      placement = { representations: [...placement.representations, representation] };
      planned.push(representation);
      added.push({ name: request.name, representationId: nextId });
      nextId++;
    }
    this.placement = placement;
    this.counters.set('representation', nextId);
    for (const r of planned) for (const slice of r.slices) this.sliceEpochs.set(slice.id, 1);
    return { kind: 'placed', representations: [...existing, ...added] };
  }

  private dropRepresentationsOf(representations: readonly CatalogRepresentation[]): void {
    const ids = new Set(representations.map((r) => r.representationId));
    for (const r of this.placement.representations) {
      if (ids.has(r.id)) for (const slice of r.slices) this.sliceEpochs.delete(slice.id);
    }
    this.placement = {
      representations: this.placement.representations.filter((r) => !ids.has(r.id)),
    };
  }

  private replaceTable(table: CatalogTable): ControlResult {
    this.setCatalog({
      tables: this.catalog.tables.map((t) => (t.id === table.id ? table : t)),
    });
    return {
      kind: 'tableChanged',
      tableId: table.id,
      version: table.version,
      representations: table.representations,
    };
  }

  private setCatalog(change: Partial<Omit<CatalogSnapshot, 'version'>>): void {
    this.catalog = { ...this.catalog, ...change, version: this.catalog.version + 1 };
  }

  private registerNode(command: Extract<ControlCommand, { kind: 'registerNode' }>): ControlResult {
    if (command.zone.trim() === '') return reject('a node needs a zone');
    if (command.nodeId !== undefined) {
      const known = this.nodes.get(command.nodeId);
      if (known === undefined) return this.registerWithId(command.nodeId, command);
      if (known.state === 'removed') return reject(`node ${command.nodeId} was removed`);
      if (known.zone !== command.zone) {
        return reject(`node ${command.nodeId} is in zone ${known.zone}, not ${command.zone}`);
      }
      // A draining node that re-registers (a restart, a new address) keeps draining: only
      // an explicit setNodeState `up` cancels a drain.
      if (known.state === 'draining') {
        this.nodes.set(known.id, { ...known, address: command.address });
        return { kind: 'nodeRegistered', nodeId: known.id };
      }
      this.nodes.set(known.id, {
        ...known,
        address: command.address,
        state: 'up',
        stateChangedAtMs: command.atMs,
      });
      return { kind: 'nodeRegistered', nodeId: known.id };
    }
    const id = this.next('node');
    this.nodes.set(id, {
      id,
      zone: command.zone,
      address: command.address,
      state: 'up',
      joinedAtMs: command.atMs,
      stateChangedAtMs: command.atMs,
    });
    return { kind: 'nodeRegistered', nodeId: id };
  }

  /**
   * A node whose id was chosen outside (a static cluster file, the simulator): registered
   * under that id, and the id sequence moves past it so generated ids never collide.
   */
  private registerWithId(
    id: NodeId,
    command: Extract<ControlCommand, { kind: 'registerNode' }>,
  ): ControlResult {
    if (!Number.isSafeInteger(id) || id < 1 || id > 0xffff_ffff) {
      return reject(`node id ${id} must be 1..4294967295`);
    }
    this.nodes.set(id, {
      id,
      zone: command.zone,
      address: command.address,
      state: 'up',
      joinedAtMs: command.atMs,
      stateChangedAtMs: command.atMs,
    });
    if (this.peek('node') <= id) this.counters.set('node', id + 1);
    return { kind: 'nodeRegistered', nodeId: id };
  }

  /**
   * The node-state rules, shared by every caller (the failure detector, SQL's ALTER CLUSTER,
   * the API), answered as a typed rejection:
   *
   * - a removed node stays removed (it cannot be set to anything, nor re-register);
   * - `draining` only from `up` (setting it again is a no-op);
   * - `removed` refused for a live (`up` or `draining`) node that still holds slice members
   *   — drain it first; a `down` node may be removed with its members, which the rebalancer
   *   then replaces at once (rebalancer.ts, `lostForReplacement`);
   * - `up` from `draining` cancels the drain; `down` and `up` otherwise as the caller says.
   */
  private setNodeState(nodeId: NodeId, state: NodeState, atMs: number): ControlResult {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return reject(`no node ${nodeId}`);
    if (node.state === 'removed') return reject(`node ${nodeId} was removed`);
    if (node.state === state) return { kind: 'ok' };
    switch (state) {
      case 'draining':
        if (node.state !== 'up') {
          return reject(`node ${nodeId} is ${node.state}; only an up node can be drained`);
        }
        break;
      case 'removed': {
        const held = membersOn(this.placement, nodeId);
        if (node.state !== 'down' && held > 0) {
          const members = held === 1 ? 'slice member' : 'slice members';
          return reject(`node ${nodeId} still holds ${held} ${members}; drain it first`);
        }
        break;
      }
      case 'up':
      case 'down':
        break;
    }
    this.nodes.set(nodeId, { ...node, state, stateChangedAtMs: atMs });
    return { kind: 'ok' };
  }

  private createRepresentation(spec: Omit<RepresentationSpec, 'id'>): ControlResult {
    if (this.placement.representations.some((r) => r.name === spec.name)) {
      return reject(`a representation named '${spec.name}' already exists`);
    }
    const id = this.peek('representation');
    let representation;
    try {
      representation = planInitialPlacement({ ...spec, id }, this.clusterNodes(), {
        existing: this.placement,
      });
    } catch (err) {
      if (err instanceof PlacementError) return reject(err.message);
      throw err;
    }
    this.next('representation');
    representation = this.clearOfReservedIds(representation);
    this.placement = { representations: [...this.placement.representations, representation] };
    for (const slice of representation.slices) this.sliceEpochs.set(slice.id, 1);
    return {
      kind: 'representationCreated',
      representationId: id,
      slices: representation.slices.map((s) => s.id),
    };
  }

  /**
   * Placement numbers new slices from the map's highest id: shifted past the ids pending splits
   * reserved, should they meet (the new slices' groups must never be a split's new group).
   */
  private clearOfReservedIds(representation: Representation): Representation {
    const reserved = [...this.splits.values()].map((s) => s.upper);
    if (reserved.length === 0) return representation;
    const ids = representation.slices.map((s) => s.id);
    if (!ids.some((id) => reserved.includes(id))) return representation;
    const offset = Math.max(...reserved) + 1 - Math.min(...ids);
    return {
      ...representation,
      slices: representation.slices.map((s) => ({ ...s, id: s.id + offset })),
    };
  }

  private dropRepresentation(id: number): ControlResult {
    const found = this.placement.representations.find((r) => r.id === id);
    if (found === undefined) return reject(`no representation ${id}`);
    // Its pending splits end with it: nothing will finish them (their new groups, if the data
    // split happened, are removed by the agents like the rest of the representation's).
    for (const slice of found.slices) {
      const pending = this.splits.get(slice.id);
      if (pending === undefined) continue;
      this.splits.delete(slice.id);
      this.activity = this.activity.map((a) =>
        a.id === pending.activityId ? { ...a, state: 'failed' as const } : a,
      );
    }
    this.placement = {
      representations: this.placement.representations.filter((r) => r.id !== id),
    };
    for (const slice of found.slices) this.sliceEpochs.delete(slice.id);
    return { kind: 'ok' };
  }

  private applyPlacementChanges(
    changes: readonly PlacementChange[],
    activity: ActivityRequest | undefined,
  ): ControlResult {
    if (activity !== undefined) {
      const bad = malformedActivityRound(activity, changes);
      if (bad !== undefined) return reject(bad);
      const stale = staleActivityRound(activity, changes, {
        placement: this.placement,
        isUp: (node) => this.nodes.get(node)?.state === 'up',
        node: (node) => this.nodes.get(node),
        activity: this.activity,
      });
      if (stale !== undefined) return reject(`stale ${activity.action} round: ${stale}`);
    }
    const recorded =
      activity === undefined
        ? undefined
        : recordRound(
            this.activity,
            activity,
            changes,
            this.placement,
            this.catalog,
            this.peek('activity'),
          );
    try {
      this.placement = applyChanges(this.placement, changes);
    } catch (err) {
      if (err instanceof PlacementError) return reject(err.message);
      throw err;
    }
    for (const change of changes) this.bumpEpoch(change.slice);
    if (recorded !== undefined) {
      this.activity = recorded.log;
      this.counters.set('activity', this.peek('activity') + recorded.added);
    }
    return { kind: 'ok' };
  }

  private split(sliceId: SliceId, at: bigint | undefined): ControlResult {
    if (this.splits.has(sliceId)) return reject(`slice ${sliceId} is being split already`);
    let result;
    try {
      result = splitSlice(this.placement, sliceId, at, this.nextFreeSliceId());
    } catch (err) {
      if (err instanceof PlacementError) return reject(err.message);
      throw err;
    }
    this.placement = result.placement;
    this.bumpEpoch(result.lower);
    this.sliceEpochs.set(result.upper, 1);
    return { kind: 'sliceSplit', lower: result.lower, upper: result.upper };
  }

  /**
   * The id a new slice gets: past every slice of the map and every id a pending split
   * reserved (slice ids are max + 1, so a split's reservation must be seen by later ones).
   */
  private nextFreeSliceId(): SliceId {
    let max = -1;
    for (const r of this.placement.representations)
      for (const s of r.slices) max = Math.max(max, s.id);
    for (const split of this.splits.values()) max = Math.max(max, split.upper);
    return max + 1;
  }

  private beginSplit(command: Extract<ControlCommand, { kind: 'beginSplit' }>): ControlResult {
    const { sliceId, at, atMs, reason } = command;
    if (typeof at !== 'bigint' || !isWholeMs(atMs) || typeof reason !== 'string') {
      return reject('a split needs a bigint point, a time and a reason');
    }
    if (reason.length > 1_000) return reject('a split reason is at most 1000 characters');
    if (this.splits.has(sliceId)) return reject(`slice ${sliceId} is being split already`);
    const slice = this.placement.representations
      .flatMap((r) => r.slices)
      .find((s) => s.id === sliceId);
    if (slice === undefined) return reject(`no slice ${sliceId}`);
    if (at <= slice.range.start || at >= slice.range.end) {
      return reject(`slice ${sliceId}: split point ${at} is not strictly inside its range`);
    }
    const upper = this.nextFreeSliceId();
    const activityId = this.peek('activity');
    const entry: RebalancerActivity = {
      id: activityId,
      atMs,
      action: 'split',
      sliceId,
      representation: representationOfSlice(this.placement, this.catalog, sliceId),
      from: slice.rankingReplica,
      to: slice.rankingReplica,
      reason,
      state: 'running',
      bytes: 0,
      durationMs: 0,
    };
    this.activity = appendActivity(this.activity, [entry]);
    this.counters.set('activity', activityId + 1);
    this.splits.set(sliceId, { sliceId, at, upper, activityId, startedAtMs: atMs });
    this.bumpEpoch(sliceId);
    return { kind: 'sliceSplit', lower: sliceId, upper };
  }

  private finishSplit(command: Extract<ControlCommand, { kind: 'finishSplit' }>): ControlResult {
    const { sliceId, atMs, movedBytes } = command;
    const pending = this.splits.get(sliceId);
    if (pending === undefined) return reject(`slice ${sliceId} has no split under way`);
    if (!isWholeMs(atMs) || !isWholeMs(movedBytes)) {
      return reject('a finished split needs whole ms and whole bytes ≥ 0');
    }
    let result;
    try {
      result = splitSlice(this.placement, sliceId, pending.at, pending.upper);
    } catch (err) {
      if (err instanceof PlacementError) return reject(err.message);
      throw err;
    }
    this.placement = result.placement;
    this.splits.delete(sliceId);
    this.bumpEpoch(result.lower);
    this.sliceEpochs.set(result.upper, 1);
    this.activity = this.activity.map((a) =>
      a.id === pending.activityId
        ? {
            ...a,
            state: 'done' as const,
            bytes: movedBytes,
            durationMs: Math.max(0, atMs - pending.startedAtMs),
          }
        : a,
    );
    return { kind: 'sliceSplit', lower: result.lower, upper: result.upper };
  }

  private allocateIds(counter: AllocatableCounter, count: number): ControlResult {
    if (!Number.isInteger(count) || count < 1 || count > maxIdBatch) {
      return reject(`id batch must be 1..${maxIdBatch}, got ${count}`);
    }
    const first = this.peek(counter);
    this.counters.set(counter, first + count);
    return { kind: 'idsAllocated', first, count };
  }

  private bumpEpoch(slice: SliceId): void {
    this.sliceEpochs.set(slice, (this.sliceEpochs.get(slice) ?? 0) + 1);
  }

  /** Ids start at 1 so that 0 can mean "none" in logs and wire formats. */
  private peek(counter: IdCounter): number {
    return this.counters.get(counter) ?? 1;
  }

  private next(counter: IdCounter): number {
    const id = this.peek(counter);
    this.counters.set(counter, id + 1);
    return id;
  }
}

function isWholeMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function reject(reason: string): ControlResult {
  return { kind: 'rejected', reason };
}

function rejectAs(
  code: CatalogErrorCode,
  reason: string,
): Extract<ControlResult, { kind: 'rejected' }> {
  return { kind: 'rejected', reason, code };
}
