/**
 * The scan processors every data node serves (embedded or its own process): the SQL engine's,
 * which runs the filters, projections, top-N and partial aggregates a statement pushes down
 * with a scan next to the data (packages/sql/src/pushdown). A node without it answers such a
 * scan `programRefused` and the gateway reads the rows instead: slower, never wrong.
 */
import type { ScanProcessor } from '@tessera/storage';
import { SQL_PROCESSOR, sqlScanProcessor } from '@tessera/sql';

export function dataNodeScanProcessors(): ReadonlyMap<string, ScanProcessor> {
  return new Map([[SQL_PROCESSOR, sqlScanProcessor()]]);
}
