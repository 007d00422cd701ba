/**
 * The scan-program contract (storage's `ScanProgramSpec` / `ScanProcessor` / `ScanProgramRun`,
 * re-exported by @tessera/txn): a read that carries a program gets the program's outputs
 * instead of rows. This package implements the 'sql' processor (processor.ts) and builds its
 * programs (builder.ts); storage, cluster and txn only carry the bytes.
 */
export type { ProgramRefused, ScanProcessor, ScanProgramRun, ScanProgramSpec } from '@tessera/txn';
