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
    change: { readonly role?: Role; readonly disabled?: boolean; readonly password?: string },
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
  readonly table: string;
  readonly sliceId: number;
  readonly groupId: number;
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
  /** Entries behind the leader's last index (0 on the leader; null when unknown). */
  readonly lag: number | null;
}
