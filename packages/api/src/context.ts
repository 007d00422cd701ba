import type { Role } from './roles';

/**
 * What the API needs from the process that hosts it. The server implements these services on
 * its own store and engine; the API package holds no state and does no I/O of its own, so the
 * console can import its types without pulling in the server.
 */
export interface ApiContext {
  /** The signed-in console user, or null. Set from the session cookie by the host. */
  readonly user: SessionUser | null;
  /** Raw session token from the cookie (needed to sign out), or null. */
  readonly sessionToken: string | null;
  /** Remote address of the HTTP peer, for audit and login rate limiting. */
  readonly remote: string;
  readonly services: ApiServices;
  /** Sets or clears the session cookie on the HTTP response. */
  readonly setSessionCookie: (cookie: SessionCookie | null) => void;
}

export interface SessionUser {
  readonly id: number;
  readonly loginName: string;
  readonly role: Role;
}

export interface SessionCookie {
  readonly token: string;
  readonly maxAgeSeconds: number;
}

export interface ApiServices {
  readonly auth: AuthService;
  readonly users: UserService;
  readonly audit: AuditService;
  readonly server: ServerInfoService;
  readonly cluster: ClusterService;
  readonly metrics: MetricsService;
  readonly sql: SqlConsoleService;
  readonly sessions: SessionService;
}

export type LoginResult =
  | { readonly kind: 'ok'; readonly user: SessionUser; readonly cookie: SessionCookie }
  | { readonly kind: 'bad-credentials' }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number };

export interface AuthService {
  login(loginName: string, password: string, remote: string): Promise<LoginResult>;
  logout(sessionToken: string): Promise<void>;
  /** Verifies the current password before setting the new one; false when it does not match. */
  changePassword(userId: number, currentPassword: string, newPassword: string): Promise<boolean>;
}

export interface UserSummary {
  readonly id: number;
  readonly loginName: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: Date;
  readonly activeSessions: number;
  /**
   * The database account the console's SQL page runs this user's statements as, or null when
   * none is mapped (the SQL page then says so). The first admin maps to 'root'@'%'.
   */
  readonly dbAccount: DbAccountRef | null;
}

/** A MySQL account: user name and host pattern, as CREATE USER names it ('app'@'%'). */
export interface DbAccountRef {
  readonly user: string;
  readonly host: string;
}

export type UserChangeResult =
  | { readonly kind: 'ok'; readonly user: UserSummary }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict'; readonly message: string };

export interface UserService {
  list(): Promise<UserSummary[]>;
  create(loginName: string, password: string, role: Role): Promise<UserChangeResult>;
  update(
    id: number,
    change: {
      readonly role?: Role;
      readonly disabled?: boolean;
      readonly password?: string;
      /** null clears the mapping. */
      readonly dbAccount?: DbAccountRef | null;
    },
  ): Promise<UserChangeResult>;
  remove(id: number): Promise<UserChangeResult>;
}

export interface AuditEventRecord {
  readonly id: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly detail: string;
  readonly remote: string;
}

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditQuery {
  readonly limit: number;
  /** Return events with id below this one (paging backwards in time). */
  readonly beforeId?: number | undefined;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
}

export interface AuditService {
  record(event: Omit<AuditEventRecord, 'id' | 'at'>): Promise<void>;
  list(query: AuditQuery): Promise<{ events: AuditEventRecord[]; nextBeforeId: number | null }>;
}

export interface ServerInfo {
  readonly version: string;
  readonly startedAt: Date;
  readonly uptimeSeconds: number;
  readonly dataDir: string;
  readonly nodeVersion: string;
  readonly pid: number;
  /** Listening endpoints of this process. `mysql` is null until the SQL gateway exists. */
  readonly endpoints: { readonly api: string; readonly mysql: string | null };
}

export interface HealthCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly latencyMs: number;
}

export interface ServerInfoService {
  info(): ServerInfo;
  /** Runs every health check (console store reachable, data dir writable, …). */
  health(): Promise<HealthCheck[]>;
  /** Resolves after `ms` or when `signal` aborts; the live stream's pacing, injected for tests. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

/** The cluster as this process sees it: control plane, nodes, tables and slices. */
export interface ClusterService {
  overview(): ClusterOverview;
  /**
   * The rebalancer's history, newest first (the control plane keeps the last 1000 entries):
   * at most `limit` entries with an id below `beforeId` when given (paging back).
   */
  rebalancerActivity(query: RebalancerActivityQuery): readonly RebalancerActivityEntry[];
  /**
   * Crashes one data node (the embedded cluster: no heartbeats, Raft or KV answers; its disk
   * kept), for demos and failover tests. Resolves once it no longer serves.
   */
  killNode(nodeId: number): Promise<ClusterNodeOpResult>;
  /** Restarts a killed data node from its own disk; resolves once it runs (catch-up follows). */
  restartNode(nodeId: number): Promise<ClusterNodeOpResult>;
  /**
   * Starts one more data node (the embedded cluster: in process, the next free id) in `zone`,
   * or where the host chooses when undefined; resolves once the control plane registered it
   * (`added`). Elsewhere `notHosted`: a node joins by starting a data-node process.
   */
  addNode(zone: string | undefined): Promise<ClusterNodeOpResult>;
  /** Marks a node draining: the rebalancer moves its replicas away, in the background. */
  drainNode(nodeId: number): Promise<ClusterNodeOpResult>;
  /** Marks a node removed (refused while it still holds data) and stops it if it runs here. */
  removeNode(nodeId: number): Promise<ClusterNodeOpResult>;
}

export interface RebalancerActivityQuery {
  readonly limit: number;
  readonly beforeId?: number;
  /** Only the entries about this slice (its history). */
  readonly slice?: number;
}

/**
 * One decision of the rebalancer, as `system.rebalancer_activity` shows it: a re-rank, a
 * replacement (`add` / `remove`), a `move`, a `split`, a node `drained`.
 */
export interface RebalancerActivityEntry {
  /** 1, 2, 3… in the order the control plane applied them. */
  readonly id: number;
  /** When the control-plane leader decided it. */
  readonly time: Date;
  readonly action: string;
  /** The slice, or null for a node-level entry (`drained`). */
  readonly slice: number | null;
  /** What the slice stores: `db.table`, `db.table.index`, or the placement's own name. */
  readonly representation: string;
  /** The node it moved from / to (null when none: a drained node has no `to`). */
  readonly fromNode: number | null;
  readonly toNode: number | null;
  readonly reason: string;
  /** `running`, `done`, `failed`… */
  readonly state: string;
  /** Bytes copied (adds, moves, splits, drains); 0 for a change that copies nothing. */
  readonly bytes: number;
  /** From decision to done, ms (0 while running or for a one-step change). */
  readonly durationMs: number;
}

/** What a node operation did, or why not (no such node, wrong state, refused, not here). */
export type ClusterNodeOpResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'added'; readonly nodeId: number; readonly zone: string }
  | { readonly kind: 'unknownNode'; readonly nodes: readonly number[] }
  | { readonly kind: 'notRunning' }
  | { readonly kind: 'alreadyRunning' }
  /** The control plane (or the host) refused; `reason` is a sentence for the console. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** This process does not run the data nodes (add, kill, restart outside the embedded cluster). */
  | { readonly kind: 'notHosted' };

export interface ClusterOverview {
  /** How the cluster runs relative to this process (embedded: every role in this process). */
  readonly mode: 'embedded';
  readonly controlPlane: {
    /** The member serving as leader (holding its lease), or null while none does. */
    readonly leader: number | null;
    readonly members: readonly ControlMemberOverview[];
  };
  readonly nodes: readonly NodeOverview[];
  readonly tables: readonly TableOverview[];
  readonly slices: readonly SliceOverview[];
  /** A slice larger than this splits (the rebalancer's split threshold, bytes). */
  readonly splitThresholdBytes: number;
  /** What the rebalancer is doing now, from its activity entries. */
  readonly rebalancer: RebalancerStatus;
}

export interface RebalancerStatus {
  /** Moves, replacements and splits still running (state `running`). */
  readonly running: number;
  /** When it last decided something, or null when it never did. */
  readonly lastDecisionAt: Date | null;
}

export interface ControlMemberOverview {
  readonly id: number;
  readonly up: boolean;
  readonly raftRole: string;
  readonly term: number;
  readonly applied: number;
  readonly serving: boolean;
}

export interface NodeOverview {
  readonly id: number;
  readonly zone: string;
  /** As the control plane's registry says (liveness judged by heartbeats). */
  readonly state: 'up' | 'down' | 'draining' | 'removed';
  /** Whether the node's process part is running here. */
  readonly running: boolean;
  readonly replicas: number;
  /** Slices this node leads (ranking replicas serving reads and writes). */
  readonly leading: number;
  readonly loggers: number;
  /**
   * Key + value bytes of the node's replicas, summed from its latest report to the control
   * plane (kept after it stops: the data is still on its disk); null before its first report.
   */
  readonly bytes: number | null;
  /**
   * Reads asked of / write commands applied by the node's replicas per second, summed from its
   * two latest reports (reads are served by ranking replicas, so they are its leaders' reads);
   * null before two reports or while its reports are stale (a stopped node serves nothing).
   */
  readonly readsPerSec: number | null;
  readonly writesPerSec: number | null;
}

export interface TableOverview {
  readonly name: string;
  readonly slices: number;
  readonly replicas: number;
  readonly loggers: number;
}

export interface SliceOverview {
  /** The representation's name: `db.table`, `db.table.index`, or the placement's own name. */
  readonly table: string;
  /** `table` parsed: the database, table and index (null: the table's primary data). */
  readonly database: string | null;
  readonly tableName: string;
  readonly index: string | null;
  readonly sliceId: number;
  readonly groupId: number;
  /**
   * The slice's hash range [hashStart, hashEnd) of the 64-bit distribution hash, as 16 hex
   * digits each (hashEnd 'ffffffffffffffff' + 1 is written '10000000000000000').
   */
  readonly hashStart: string;
  readonly hashEnd: string;
  /** Key + value bytes, as its leader (else any member) last reported; null before a report. */
  readonly bytes: number | null;
  /** Reads served by / writes applied on the slice per second (its leader's report). */
  readonly readsPerSec: number | null;
  readonly writesPerSec: number | null;
  /** Placement's ranking replica (where reads should go) and the Raft leader seen now. */
  readonly rankingNode: number;
  readonly leader: number | null;
  readonly members: readonly SliceMemberOverview[];
}

export interface SliceMemberOverview {
  readonly node: number;
  readonly role: 'voter' | 'logger' | 'learner';
  /** The member's Raft role, or 'down' when its node does not run. */
  readonly raftRole: string;
  readonly applied: number;
  /** The highest commit timestamp applied on this member (0 on a logger). */
  readonly appliedCommitTs: number;
  /** Entries behind the leader's applied index (0 on the leader; null when unknown). */
  readonly lag: number | null;
}

/**
 * Time series the server samples once a second (the last 15 minutes kept in memory), the
 * cluster's events and its hotspots.
 */
export interface MetricsService {
  /** Cluster-wide samples taken after `sinceMs` (epoch ms; all kept when absent), oldest first. */
  cluster(query: { readonly sinceMs?: number | undefined }): readonly ClusterMetricSample[];
  /** One slice's load and size over time, oldest first. */
  slice(
    sliceId: number,
    query: { readonly sinceMs?: number | undefined },
  ): readonly SliceMetricSample[];
  /** Events newest first, `limit` of them older than `beforeId`, optionally of one slice. */
  events(query: EventQuery): readonly ClusterEvent[];
  /** Nodes serving clearly more than the others now, and the slices making them hot. */
  hotspots(): readonly Hotspot[];
}

export interface ClusterMetricSample {
  /** End of the one-second window, epoch ms. */
  readonly at: number;
  /** Statements the SQL gateway finished in the window (per second), and those that failed. */
  readonly statementsPerSec: number;
  readonly errorsPerSec: number;
  /** Statement latency percentiles over the window, ms; null when none finished. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Connected SQL sessions at the end of the window. */
  readonly sessions: number;
  readonly nodes: readonly NodeMetricSample[];
}

export interface NodeMetricSample {
  readonly node: number;
  readonly readsPerSec: number | null;
  readonly writesPerSec: number | null;
  readonly bytes: number | null;
  /** Share of the window the node spent serving reads and applying writes, 0..100. */
  readonly busyPercent: number | null;
}

export interface SliceMetricSample {
  readonly at: number;
  readonly readsPerSec: number | null;
  readonly writesPerSec: number | null;
  readonly bytes: number | null;
}

export interface EventQuery {
  readonly limit: number;
  readonly beforeId?: number | undefined;
  readonly slice?: number | undefined;
}

/** Something that happened to the cluster, as the server observed it. */
export interface ClusterEvent {
  /** 1, 2, 3… in the order observed. */
  readonly id: number;
  readonly at: Date;
  readonly kind:
    | 'node-state'
    | 'control-leader'
    | 'slice-leader'
    | 'under-replicated'
    | 'replicated'
    | 'rebalancer';
  readonly severity: 'info' | 'warning' | 'error';
  /** A sentence for the console: `Node 2 is down`, `Slice 14 (shop.orders) leader 1 → 3`. */
  readonly message: string;
  readonly node: number | null;
  readonly slice: number | null;
}

export interface Hotspot {
  readonly node: number;
  readonly readsPerSec: number;
  readonly writesPerSec: number;
  /** The node's reads + writes per second over the mean of the nodes serving. */
  readonly ratio: number;
  /** Its busiest slices (up to 5), busiest first. */
  readonly slices: readonly {
    readonly sliceId: number;
    readonly representation: string;
    readonly readsPerSec: number;
    readonly writesPerSec: number;
  }[];
}

/** The console's SQL page: statements run in process as the user's mapped database account. */
export interface SqlConsoleService {
  /** Runs `sql` (one or more statements) on a fresh session; each statement's outcome. */
  run(user: SessionUser, request: SqlRunRequest): Promise<SqlRunResult>;
  history(
    user: SessionUser,
    query: { readonly limit: number; readonly beforeId?: number | undefined },
  ): Promise<{ entries: SqlHistoryEntry[]; nextBeforeId: number | null }>;
}

export interface SqlRunRequest {
  readonly sql: string;
  /** The default database (USE), or null for none. */
  readonly database: string | null;
  /** Rows kept per result set; the rest are counted, not sent. */
  readonly maxRows: number;
}

export type SqlRunResult =
  | {
      readonly kind: 'ran';
      readonly account: DbAccountRef;
      /** The default database after the last statement (a USE changes it). */
      readonly database: string | null;
      readonly statements: readonly SqlStatementResult[];
    }
  /** The console user has no database account, or it no longer exists. */
  | { readonly kind: 'noAccount'; readonly message: string }
  /** This server cannot run SQL now (no MySQL listener, shutting down, too many connections). */
  | { readonly kind: 'unavailable'; readonly message: string };

export type SqlStatementResult =
  | {
      readonly kind: 'rows';
      readonly sql: string;
      readonly columns: readonly { readonly name: string; readonly type: string }[];
      /** Values as MySQL's text protocol shows them; null is SQL NULL. */
      readonly rows: readonly (readonly (string | null)[])[];
      /** Rows the statement returned (may exceed rows.length when truncated). */
      readonly rowCount: number;
      readonly truncated: boolean;
      readonly warnings: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: 'ok';
      readonly sql: string;
      readonly affectedRows: number;
      readonly lastInsertId: number;
      readonly info: string;
      readonly warnings: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: 'error';
      readonly sql: string;
      readonly code: number;
      readonly sqlState: string;
      readonly message: string;
      readonly durationMs: number;
    };

export interface SqlHistoryEntry {
  readonly id: number;
  readonly at: Date;
  readonly sql: string;
  readonly database: string | null;
  readonly outcome: 'ok' | 'error';
  /** The first error's `code: message`, or ''. */
  readonly error: string;
  readonly durationMs: number;
  /** Rows returned plus rows affected, over all statements. */
  readonly rows: number;
}

/** Connected SQL clients (this gateway's), as SHOW PROCESSLIST sees them. */
export interface SessionService {
  list(): readonly SqlSessionInfo[];
  /** KILL [CONNECTION | QUERY] id; false when no such connection. */
  kill(id: number, scope: 'connection' | 'query'): boolean;
}

export interface SqlSessionInfo {
  readonly id: number;
  readonly user: string;
  /** `host:port` of the client; `console` for the console's own SQL page sessions. */
  readonly host: string;
  readonly database: string | null;
  /** Sleep, Query, Execute, Killed… */
  readonly command: string;
  /** Seconds in the current command (or idle). */
  readonly timeSeconds: number;
  readonly state: string;
  /** The statement running now, or null. */
  readonly statement: string | null;
  readonly inTransaction: boolean;
  /** Seconds since the transaction began, or null outside one. */
  readonly transactionSeconds: number | null;
  readonly statements: number;
  readonly connectedAt: Date;
}
