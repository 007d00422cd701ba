/**
 * What a SQL scan program sends back, one `{ key, value }` per output (the key is a primary
 * key: the row's, or a group's first row's), and the gateway's decoder.
 *
 * ```
 * value := u8 1 · row            a row that passed every pushed filter (projected)
 *        | u8 2 · row            a residual row: some pushed expression warned or failed on it,
 *                                so the gateway evaluates everything for it itself (projected)
 *        | u8 3 · bytes row · varint n · n × values     a group: its first row (projected)
 *                                and each aggregate call's partial state (value-codec.ts)
 * row   := the row format of row-codec.ts
 * ```
 */
import type { SqlValue } from '../eval/value.js';
import {
  ByteReader,
  ByteWriter,
  ValueCodecError,
  readSqlValues,
  writeSqlValues,
} from '../eval/value-codec.js';

export type ScanOutput =
  /** A row every pushed filter held for, evaluated without a warning. */
  | { readonly kind: 'row'; readonly row: Uint8Array }
  /** A row the node could not decide cleanly: apply everything to it at the gateway. */
  | { readonly kind: 'residual'; readonly row: Uint8Array }
  /**
   * One group of the rows passing the filters, since the last residual row of the request (a
   * residual row closes every open group, so merging outputs in order is adding rows in order).
   * `states[i]` is call i's `exportState()`.
   */
  | {
      readonly kind: 'group';
      readonly firstRow: Uint8Array;
      readonly states: readonly (readonly SqlValue[])[];
    };

export class ScanOutputError extends Error {
  override readonly name = 'ScanOutputError';
}

const Tag = { row: 1, residual: 2, group: 3 } as const;

/** `row` behind a one-byte tag (row or residual). */
export function rowOutput(kind: 'row' | 'residual', row: Uint8Array): Uint8Array {
  const out = new Uint8Array(row.length + 1);
  out[0] = kind === 'row' ? Tag.row : Tag.residual;
  out.set(row, 1);
  return out;
}

export function groupOutput(
  firstRow: Uint8Array,
  states: readonly (readonly SqlValue[])[],
): Uint8Array {
  const w = new ByteWriter();
  w.u8(Tag.group);
  w.bytes(firstRow);
  w.varint(states.length);
  for (const s of states) writeSqlValues(w, s);
  return w.finish();
}

/** An output's value as the gateway reads it; throws ScanOutputError on other bytes. */
export function decodeScanOutput(value: Uint8Array): ScanOutput {
  const tag = value[0];
  switch (tag) {
    case Tag.row:
      return { kind: 'row', row: value.subarray(1) };
    case Tag.residual:
      return { kind: 'residual', row: value.subarray(1) };
    case Tag.group:
      try {
        const r = new ByteReader(value.subarray(1));
        const firstRow = r.bytes();
        const n = r.varint();
        const states: SqlValue[][] = [];
        for (let i = 0; i < n; i++) states.push(readSqlValues(r));
        r.end('group output');
        return { kind: 'group', firstRow, states };
      } catch (error) {
        if (error instanceof ValueCodecError) {
          throw new ScanOutputError(`bad group output: ${error.message}`, { cause: error });
        }
        throw error;
      }
    case undefined:
    default:
      throw new ScanOutputError(`unknown scan output tag ${String(tag)}`);
  }
}
