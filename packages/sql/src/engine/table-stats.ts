/**
 * Table sizes for the planner, from what the nodes report: each replica's MVCC record count
 * reaches the catalog view (`CatalogView.replicaStats`, a heartbeat plus a second old at most),
 * and a table's primary representation holds its rows, one slice per replication group. The
 * sum over the slices' ranking replicas estimates the table's rows — an overestimate by the
 * versions and locks not yet garbage-collected, good enough to order joins and choose between a
 * lookup and a scan. Without a report for every slice there is no estimate (the planner falls
 * back to its fixed guess).
 */
import { groupIdOfSlice } from '@tessera/txn';
import type { CatalogView } from './catalog-port.js';
import type { ResolvedTable } from './tables.js';

export function storedRowsEstimate(table: ResolvedTable, view: CatalogView): number | undefined {
  const stats = view.replicaStats;
  const primary = table.view.representations[0];
  if (stats === undefined || stats.length === 0 || primary === undefined) return undefined;
  const representation = view.representations.find((r) => r.id === primary.representationId);
  if (representation === undefined) return undefined;
  let rows = 0;
  for (const slice of representation.slices) {
    const group = groupIdOfSlice(slice.id);
    const report = stats.find((r) => r.groupId === group && r.nodeId === slice.rankingReplica);
    if (report?.records === undefined) return undefined;
    rows += report.records;
  }
  return Math.max(1, rows);
}
