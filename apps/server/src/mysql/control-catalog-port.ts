/**
 * The SQL engine's catalog port over the control plane: views are the control plane's
 * snapshots (through the shared state cache), changes are control-plane commands, replicated
 * there before they answer.
 */
import { groupIdOfSlice } from '@tessera/cluster';
import type { ControlClient, ControlCommand, ControlResult, JsonValue } from '@tessera/cluster';
import type { CatalogCommand, CatalogOutcome, CatalogPort, CatalogView } from '@tessera/gateway';
import { askControlPlane } from './control-state-cache';
import type { ControlStateCache } from './control-state-cache';

export class ControlCatalogPort implements CatalogPort {
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
