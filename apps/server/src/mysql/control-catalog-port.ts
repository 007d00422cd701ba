/**
 * The SQL engine's catalog port over the control plane: views are the control plane's
 * snapshots (through the shared state cache), changes are control-plane commands, replicated
 * there before they answer.
 */
import { groupIdOfSlice } from '@tessera/cluster';
import type {
  CatalogAccount,
  ControlClient,
  ControlCommand,
  ControlResult,
  ControlSnapshot,
  JsonValue,
} from '@tessera/cluster';
import type {
  CatalogAccountView,
  CatalogCommand,
  CatalogOutcome,
  CatalogPort,
  CatalogView,
  ReplicaStatsView,
} from '@tessera/gateway';
import { askControlPlane } from './control-state-cache';
import type { ControlStateCache } from './control-state-cache';

export class ControlCatalogPort implements CatalogPort {
  /** The replicas' positions and load as last fetched (see `watchReplicaStats`). */
  private replicaStats: readonly ReplicaStatsView[] | undefined;
  private accountViews: { version: number; accounts: readonly CatalogAccountView[] } | undefined;
  private lastView:
    | {
        readonly snapshot: ControlSnapshot;
        readonly replicaStats: readonly ReplicaStatsView[] | undefined;
        readonly view: CatalogView;
      }
    | undefined;

  constructor(
    private readonly control: ControlClient,
    private readonly state: ControlStateCache,
    /** Host time (ms) and sleep, for waiting on a new table's leaders. */
    private readonly clock: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  async view(minVersion?: number): Promise<CatalogView> {
    const cached = this.state.cached;
    const snapshot =
      minVersion !== undefined && cached !== undefined && cached.version >= minVersion
        ? cached
        : await this.state.current();
    const last = this.lastView;
    // One view object per state and stats answer: statements between changes share it (and
    // what the engine derives from it), instead of rebuilding it per statement.
    if (last?.snapshot === snapshot && last.replicaStats === this.replicaStats) return last.view;
    const view = this.buildView(snapshot);
    this.lastView = { snapshot, replicaStats: this.replicaStats, view };
    return view;
  }

  private buildView(snapshot: ControlSnapshot): CatalogView {
    const catalog = snapshot.catalog;
    return {
      version: snapshot.version,
      databases: catalog?.databases ?? [],
      tables: catalog?.tables ?? [],
      representations: snapshot.placement.representations,
      nodes: snapshot.nodes.map((n) => ({
        id: n.id,
        zone: n.zone,
        address: n.address,
        state: n.state,
      })),
      ...(this.replicaStats === undefined ? {} : { replicaStats: this.replicaStats }),
      // The rebalancer's history travels in the replicated state (system.rebalancer_activity).
      rebalancerActivity: snapshot.activity ?? [],
      accounts: this.accountsOf(snapshot.version, catalog?.accounts ?? []),
    };
  }

  /** The accounts without their credentials, rebuilt only when the state's version moved. */
  private accountsOf(
    version: number,
    accounts: readonly CatalogAccount[],
  ): readonly CatalogAccountView[] {
    if (this.accountViews?.version !== version) {
      this.accountViews = {
        version,
        accounts: accounts.map(({ user, host, plugin, grants }) => ({
          user,
          host,
          plugin,
          grants,
        })),
      };
    }
    return this.accountViews.accounts;
  }

  /**
   * Keeps `system.replicas` current: every `intervalMs` asks the control-plane leader for the
   * positions and rates the nodes reported in their heartbeats (one small call a second, off
   * the statements' path — a statement reads the last answer, at most a heartbeat plus an
   * interval old). Returns the function that stops it.
   */
  watchReplicaStats(
    setTimer: (ms: number, fn: () => void) => { cancel(): void },
    intervalMs = 1_000,
  ): () => void {
    let stopped = false;
    let timer: { cancel(): void } | undefined;
    const poll = () => {
      void this.control.positions().then(
        (nodes) => {
          this.replicaStats = nodes.flatMap((n) =>
            n.replicas.map((r) => ({
              nodeId: n.nodeId,
              groupId: r.groupId,
              raftRole: r.raftRole,
              applied: r.applied,
              appliedCommitTs: r.appliedCommitTs,
              ...(r.records === undefined ? {} : { records: r.records }),
              ...(r.bytes === undefined ? {} : { bytes: r.bytes }),
              ...(r.readsPerSec === undefined ? {} : { readsPerSec: r.readsPerSec }),
              ...(r.writesPerSec === undefined ? {} : { writesPerSec: r.writesPerSec }),
            })),
          );
        },
        () => undefined, // electing or unreachable: keep the last answer, ask again next time
      );
      if (!stopped) timer = setTimer(intervalMs, poll);
    };
    poll();
    return () => {
      stopped = true;
      timer?.cancel();
    };
  }

  async propose(command: CatalogCommand): Promise<CatalogOutcome> {
    const result = await askControlPlane(command.kind, () =>
      this.control.command(controlCommandOf(command)),
    );
    if (
      result.kind === 'tableChanged' &&
      (command.kind === 'createTable' ||
        (command.kind === 'alterTable' && (command.addRepresentations?.length ?? 0) > 0))
    ) {
      await this.awaitLeaders(result.tableId);
    }
    return catalogOutcomeOf(command, result);
  }

  /**
   * CREATE TABLE answers once the table is usable: every replication group of its
   * representations has been created on its nodes and elected a leader, as the nodes report
   * in their heartbeats (positions). Bounded: after `readyTimeoutMs` it answers anyway, and a
   * statement that meets a group still electing waits in the KV client's retries.
   */
  private async awaitLeaders(tableId: number, readyTimeoutMs = 15_000): Promise<void> {
    const deadline = this.clock() + readyTimeoutMs;
    const snapshot = await this.state.current();
    const table = snapshot.catalog?.tables.find((t) => t.id === tableId);
    if (table === undefined) return;
    const ids = new Set(table.representations.map((r) => r.representationId));
    const groups = new Set(
      snapshot.placement.representations
        .filter((r) => ids.has(r.id))
        .flatMap((r) => r.slices.map((slice) => groupIdOfSlice(slice.id))),
    );
    while (this.clock() < deadline) {
      const positions = await this.control.positions().catch(() => []);
      const led = new Set(
        positions.flatMap((p) =>
          p.replicas.filter((r) => r.raftRole === 'leader').map((r) => r.groupId),
        ),
      );
      if ([...groups].every((g) => led.has(g))) return;
      await this.sleep(100);
    }
  }
}

function controlCommandOf(command: CatalogCommand): ControlCommand {
  switch (command.kind) {
    case 'createTable':
    case 'alterTable':
      return { ...command, definition: jsonValue(command.definition) };
    case 'createDatabase':
    case 'dropDatabase':
    case 'dropTable':
    case 'renameTable':
    case 'allocateAutoIncrement':
    case 'createUser':
    case 'alterUser':
    case 'dropUser':
    case 'grant':
    case 'revoke':
      return command;
  }
}

function catalogOutcomeOf(command: CatalogCommand, result: ControlResult): CatalogOutcome {
  switch (result.kind) {
    case 'ok':
    case 'databaseCreated':
    case 'autoIncrementAllocated':
    case 'rejected':
      return result;
    case 'tableChanged':
      return { kind: 'tableChanged', tableId: result.tableId, version: result.version };
    case 'nodeRegistered':
    case 'representationCreated':
    case 'sliceSplit':
    case 'idsAllocated':
      throw new Error(`the control plane answered ${command.kind} with ${result.kind}`);
  }
}

/** A table definition is plain JSON by contract (the SQL layer's TableDefinition); checked here. */
function jsonValue(value: unknown): JsonValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  ) {
    return value;
  }
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined) out[key] = jsonValue(v);
    }
    return out;
  }
  throw new TypeError(`a table definition holds a ${typeof value}, which is not JSON`);
}
