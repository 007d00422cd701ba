/**
 * The read-only `system` database: the cluster's state as SQL tables, computed from the
 * control plane's view at statement time (nothing is stored; writes are refused).
 *
 * | table | one row per |
 * | --- | --- |
 * | `system.nodes` | registered data node: id, zone, address, state |
 * | `system.tables` | SQL table: database, name, id, version, representations |
 * | `system.representations` | representation (a table's primary or an index): id, name, table, slices, replicas, loggers |
 * | `system.slices` | slice: representation, id, group, hash range, ranking node, members |
 * | `system.replicas` | slice member: slice, group, node, role (ranking / replica / logger / learner), Raft role, applied position (index, commit timestamp), size, reads/s, writes/s as its node last reported them (NULL until reported) |
 * | `system.rebalancer_activity` | rebalancer action, oldest first (the control plane keeps its newest 1 000): time (UTC), action (`rerank`, `add`, `remove`, `move`, `drained`), slice (NULL for `drained`), representation (`db.table[.index]`), from / to node, reason (`node 3 down`, `node 2 draining`, `balance: …`, `hot: …`), state, bytes copied, duration |
 * | `system.sessions` | connection of this gateway (processes.ts; per gateway until gateways register sessions with the control plane) |
 */
import { groupIdOfSlice } from '@tessera/txn';
import type { ColumnSchema, ColumnType, TableDefinition } from '../schema/definition.js';
import { representationOf } from '../schema/definition.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlSemanticError } from '../errors.js';
import { partsFromEpochMicros } from '../eval/temporal.js';
import { datetime, double, int, str, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import type { CatalogView } from './catalog-port.js';
import { sessionsTable } from './processes.js';
import type { LiveState } from './processes.js';

export const systemDatabase = 'system';

const bigintType: ColumnType = { name: 'bigint', family: 'int', intBytes: 8 };
const ubigintType: ColumnType = { name: 'bigint', family: 'int', intBytes: 8, unsigned: true };
const doubleType: ColumnType = { name: 'double', family: 'double' };
const datetime3: ColumnType = { name: 'datetime', family: 'datetime', fsp: 3 };
const textType: ColumnType = {
  name: 'varchar',
  family: 'varchar',
  length: 255,
  collation: defaultCollation.name,
};

function column(id: number, name: string, type: ColumnType, nullable = false): ColumnSchema {
  return {
    id,
    name,
    type,
    nullable,
    default: { kind: 'none' },
    autoIncrement: false,
    onUpdateCurrentTimestamp: false,
  };
}

const s = (v: string): SqlValue => str(v, defaultCollation);
const orNull = (v: number | undefined, f: (n: number) => SqlValue): SqlValue =>
  v === undefined ? null : f(v);

export interface SystemTable {
  readonly columns: readonly ColumnSchema[];
  /** `live`: what the session sees besides the catalog (its gateway's connections). */
  rows(view: CatalogView, live?: LiveState): SqlValue[][];
}

const tables: Readonly<Record<string, SystemTable>> = {
  nodes: {
    columns: [
      column(1, 'node_id', bigintType),
      column(2, 'zone', textType),
      column(3, 'address', textType),
      column(4, 'state', textType),
    ],
    rows: (view) => (view.nodes ?? []).map((n) => [int(n.id), s(n.zone), s(n.address), s(n.state)]),
  },
  tables: {
    columns: [
      column(1, 'table_schema', textType),
      column(2, 'table_name', textType),
      column(3, 'table_id', bigintType),
      column(4, 'version', bigintType),
      column(5, 'representations', bigintType),
    ],
    rows: (view) =>
      view.tables.map((t) => [
        s(t.database),
        s(t.name),
        int(t.id),
        int(t.version),
        int(t.representations.length),
      ]),
  },
  representations: {
    columns: [
      column(1, 'representation_id', bigintType),
      column(2, 'name', textType),
      column(3, 'table_schema', textType),
      column(4, 'table_name', textType),
      column(5, 'index_name', textType),
      column(6, 'slices', bigintType),
      column(7, 'replicas', bigintType),
      column(8, 'loggers', bigintType),
    ],
    rows: (view) =>
      view.representations.map((r) => {
        const owner = view.tables.find((t) =>
          t.representations.some((x) => x.representationId === r.id),
        );
        const placed = owner?.representations.find((x) => x.representationId === r.id)?.name;
        // An index rebuilt by ALTER TABLE keeps its entries under another representation name.
        const index =
          (owner?.definition as TableDefinition | undefined)?.indexes.find(
            (i) => representationOf(i) === placed,
          )?.name ?? placed;
        return [
          int(r.id),
          s(r.name),
          s(owner?.database ?? ''),
          s(owner?.name ?? ''),
          s(index ?? ''),
          int(r.slices.length),
          int(r.replication.replicas),
          int(r.replication.loggers),
        ];
      }),
  },
  slices: {
    columns: [
      column(1, 'representation_id', bigintType),
      column(2, 'slice_id', bigintType),
      column(3, 'group_id', bigintType),
      column(4, 'hash_start', ubigintType),
      column(5, 'hash_end', textType),
      column(6, 'ranking_node', bigintType),
      column(7, 'members', textType),
    ],
    rows: (view) =>
      view.representations.flatMap((r) =>
        r.slices.map((slice) => [
          int(r.id),
          int(slice.id),
          int(groupIdOfSlice(slice.id)),
          uint(slice.range.start),
          s(slice.range.end.toString()),
          int(slice.rankingReplica),
          s(slice.members.map((m) => `${m.node}:${m.role}`).join(',')),
        ]),
      ),
  },
  replicas: {
    columns: [
      column(1, 'slice_id', bigintType),
      column(2, 'group_id', bigintType),
      column(3, 'node_id', bigintType),
      column(4, 'zone', textType),
      column(5, 'role', textType),
      column(6, 'is_ranking', bigintType),
      column(7, 'raft_role', textType, true),
      column(8, 'applied_index', ubigintType, true),
      column(9, 'applied_commit_ts', ubigintType, true),
      column(10, 'records', ubigintType, true),
      column(11, 'size_bytes', ubigintType, true),
      column(12, 'reads_per_sec', doubleType, true),
      column(13, 'writes_per_sec', doubleType, true),
    ],
    rows: (view) => {
      const stats = new Map(
        (view.replicaStats ?? []).map((r) => [`${r.nodeId}/${r.groupId}`, r] as const),
      );
      return view.representations.flatMap((r) =>
        r.slices.flatMap((slice) =>
          slice.members.map((m) => {
            const group = groupIdOfSlice(slice.id);
            const at = stats.get(`${m.node}/${group}`);
            const ranking = m.node === slice.rankingReplica;
            return [
              int(slice.id),
              int(group),
              int(m.node),
              s(m.zone),
              s(ranking ? 'ranking' : m.role),
              int(ranking ? 1 : 0),
              at === undefined ? null : s(at.raftRole),
              at === undefined ? null : uint(BigInt(at.applied)),
              at === undefined ? null : uint(BigInt(at.appliedCommitTs)),
              orNull(at?.records, (n) => uint(BigInt(n))),
              orNull(at?.bytes, (n) => uint(BigInt(n))),
              orNull(at?.readsPerSec, (n) => double(Math.round(n * 10) / 10)),
              orNull(at?.writesPerSec, (n) => double(Math.round(n * 10) / 10)),
            ];
          }),
        ),
      );
    },
  },
  rebalancer_activity: {
    columns: [
      column(1, 'time', datetime3),
      column(2, 'action', textType),
      column(3, 'slice', bigintType, true),
      column(4, 'representation', textType),
      column(5, 'from_node', bigintType, true),
      column(6, 'to_node', bigintType, true),
      column(7, 'reason', textType),
      column(8, 'state', textType),
      column(9, 'bytes', ubigintType),
      column(10, 'duration_ms', ubigintType),
    ],
    rows: (view) =>
      (view.rebalancerActivity ?? []).map((a) => [
        // The leader's clock, shown in UTC (as system.sessions' times).
        datetime(partsFromEpochMicros(BigInt(a.atMs) * 1000n, 0), 3),
        s(a.action),
        a.sliceId < 0 ? null : int(a.sliceId), // a node-level entry (`drained`) has no slice
        s(a.representation),
        a.from === 0 ? null : int(a.from),
        a.to === 0 ? null : int(a.to),
        s(a.reason),
        s(a.state),
        uint(BigInt(a.bytes)),
        uint(BigInt(a.durationMs)),
      ]),
  },
  sessions: sessionsTable,
};

export function systemTableNames(): string[] {
  return Object.keys(tables).sort();
}

/** The system table `name`, or 1146 as MySQL answers for a missing table. */
export function systemTable(name: string): SystemTable {
  const table = tables[name];
  if (table === undefined) {
    throw new SqlSemanticError(1146, '42S02', `Table '${systemDatabase}.${name}' doesn't exist`);
  }
  return table;
}
