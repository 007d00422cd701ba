/**
 * The parts of a slice's overview that come from the catalog and from the nodes' load reports
 * rather than from the slice map: what it stores (`db.table.index`), its hash range as text,
 * and its size and load. Kept apart from embedded-cluster.ts so the overview stays one pass
 * over the map; everything here is derived once per overview (or once per catalog version),
 * never per slice and node.
 */
import type { SliceOverview } from '@tessera/api';
import type { CatalogSnapshot, NodePositions, ReplicaReport } from '@tessera/cluster';
import type { HashRange } from '@tessera/placement';

/** What a representation stores, as the console names and filters it. */
export type RepresentationLabel = Pick<SliceOverview, 'table' | 'database' | 'tableName' | 'index'>;

/**
 * Labels of the catalog's representations by placement representation id: `db.table` for a
 * table's primary data, `db.table.index` for a secondary index (the rebalancer history's
 * names, `representationOfSlice`). Taken from the catalog's fields, never parsed from the
 * joined name: database, table and index names may contain dots.
 */
export function representationLabels(catalog: CatalogSnapshot): Map<number, RepresentationLabel> {
  const labels = new Map<number, RepresentationLabel>();
  for (const table of catalog.tables) {
    const name = `${table.database}.${table.name}`;
    for (const r of table.representations) {
      const primary = r.name === 'PRIMARY';
      labels.set(r.representationId, {
        table: primary ? name : `${name}.${r.name}`,
        database: table.database,
        tableName: table.name,
        index: primary ? null : r.name,
      });
    }
  }
  return labels;
}

/** A representation outside the SQL catalog (the seed or a bench table): its placement name. */
export function placementOnlyLabel(name: string): RepresentationLabel {
  return { table: name, database: null, tableName: name, index: null };
}

/** A hash as 16 hex digits; the end of the space (2^64) as its 17 digits, `10000000000000000`. */
export function hashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

export function hashRangeHex(range: HashRange): Pick<SliceOverview, 'hashStart' | 'hashEnd'> {
  return { hashStart: hashHex(range.start), hashEnd: hashHex(range.end) };
}

/** One slice's size and load, from the reports of its group's members. */
export type SliceLoad = Pick<SliceOverview, 'bytes' | 'readsPerSec' | 'writesPerSec'>;

const noLoad: SliceLoad = { bytes: null, readsPerSec: null, writesPerSec: null };

/**
 * Each group's size and load from the nodes' latest reports, in one pass over them: reads and
 * writes per second from the report of the member that says it leads (the highest term when
 * two do: a deposed leader's report lingers until its next beat), only from fresh reports (a
 * silent node serves nothing); bytes from that leader, else from the member reporting the
 * most (a copy catching up reports fewer).
 */
export function sliceLoads(
  reports: readonly NodePositions[],
  nowMs: number,
  staleAfterMs: number,
): { of(groupId: number): SliceLoad } {
  const leaders = new Map<number, { report: ReplicaReport; fresh: boolean }>();
  const largest = new Map<number, number>();
  for (const node of reports) {
    const fresh = nowMs - node.atMs <= staleAfterMs;
    for (const r of node.replicas) {
      if (r.bytes !== undefined && r.bytes > (largest.get(r.groupId) ?? -1)) {
        largest.set(r.groupId, r.bytes);
      }
      if (r.raftRole !== 'leader') continue;
      const known = leaders.get(r.groupId);
      if (known === undefined || r.term > known.report.term) {
        leaders.set(r.groupId, { report: r, fresh });
      }
    }
  }
  return {
    of(groupId) {
      const leader = leaders.get(groupId);
      const bytes = leader?.report.bytes ?? largest.get(groupId) ?? null;
      if (leader === undefined || !leader.fresh)
        return bytes === null ? noLoad : { bytes, readsPerSec: null, writesPerSec: null };
      return {
        bytes,
        readsPerSec: leader.report.readsPerSec ?? null,
        writesPerSec: leader.report.writesPerSec ?? null,
      };
    },
  };
}
