import type { KvReader, WriteBatch } from '@tessera/storage';
import { invariant } from '../node/errors';
import { decodeControlSnapshot, encodeControlSnapshot } from './control-codec';
import type { ControlSnapshot } from './control-state';

/**
 * Where a control-plane member keeps its applied state: one record, rewritten in the same
 * batch as the log entries it applied, so the state and its position never disagree.
 *
 * Stored under a tag byte the storage package does not use (0xC0 is the replica registry;
 * 0xC1 is this):
 *
 * ```
 * C1 01 → appliedIndex u64 BE · appliedTerm u64 BE · encodeControlSnapshot(state)
 * ```
 *
 * The whole state is rewritten per applying cycle. It is small (node registry, slice map,
 * counters: tens of KB at hundreds of slices) and changes rarely (membership, placement,
 * one timestamp-window reservation per second or so), so a rewrite costs less than keeping
 * per-field records consistent. The same bytes are the Raft snapshot a lagging member gets.
 */
export const controlStateKey = Uint8Array.of(0xc1, 0x01);

export interface AppliedControlState {
  readonly index: number;
  readonly term: number;
  readonly snapshot: ControlSnapshot;
}

export function putAppliedControlState(batch: WriteBatch, applied: AppliedControlState): void {
  const body = encodeControlSnapshot(applied.snapshot);
  const out = new Uint8Array(16 + body.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(applied.index));
  view.setBigUint64(8, BigInt(applied.term));
  out.set(body, 16);
  batch.put(controlStateKey, out);
}

export function loadAppliedControlState(reader: KvReader): AppliedControlState | undefined {
  const bytes = reader.get(controlStateKey);
  if (bytes === undefined) return undefined;
  invariant(bytes.length >= 16, 'control state record shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = Number(view.getBigUint64(0));
  const term = Number(view.getBigUint64(8));
  invariant(
    Number.isSafeInteger(index) && Number.isSafeInteger(term),
    'control state position out of range',
  );
  return { index, term, snapshot: decodeControlSnapshot(bytes.subarray(16)) };
}
