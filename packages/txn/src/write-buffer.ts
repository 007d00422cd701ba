import type { Mutation } from '@tessera/storage';
import { compareBytes, inRange, keyId } from './bytes';
import { TxnError } from './errors';
import type { KeyMutation } from './slice-kv';
import type { KeyValue } from './snapshot-reader';

/**
 * A transaction's buffered writes: the last mutation per key wins. Nothing leaves the
 * coordinator before commit, so an abort before commit costs the slices nothing.
 */
export class WriteBuffer {
  private readonly byKey = new Map<string, KeyMutation>();

  constructor(private readonly mutationsMax: number) {}

  get size(): number {
    return this.byKey.size;
  }

  set(key: Uint8Array, mutation: Mutation): void {
    const id = keyId(key);
    if (!this.byKey.has(id) && this.byKey.size >= this.mutationsMax) {
      throw new TxnError('TXN_TOO_LARGE', `more than ${this.mutationsMax} keys written`);
    }
    // Copies: the caller may reuse its arrays after put returns.
    const own = key.slice();
    this.byKey.set(
      id,
      mutation.op === 'put'
        ? { key: own, op: 'put', value: mutation.value.slice() }
        : { key: own, op: 'delete' },
    );
  }

  /** A copy of the buffered writes, to return to with `restore` (savepoints). */
  snapshot(): ReadonlyMap<string, KeyMutation> {
    return new Map(this.byKey);
  }

  /** Back to a `snapshot`: writes buffered since are dropped. */
  restore(snapshot: ReadonlyMap<string, KeyMutation>): void {
    this.byKey.clear();
    for (const [id, m] of snapshot) this.byKey.set(id, m);
  }

  get(key: Uint8Array): KeyMutation | undefined {
    return this.byKey.get(keyId(key));
  }

  /** Every mutation in key order. */
  sorted(): KeyMutation[] {
    return [...this.byKey.values()].sort((a, b) => compareBytes(a.key, b.key));
  }

  /** Mutations with keys in [start, end), in key order. */
  inRange(start: Uint8Array | undefined, end: Uint8Array | undefined): KeyMutation[] {
    return this.sorted().filter((m) => inRange(m.key, start, end));
  }

  /** Laid over rows read from the slices (sorted): own puts replace or add, deletes remove. */
  overlay(
    rows: readonly KeyValue[],
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
  ): KeyValue[] {
    const own = this.inRange(start, end);
    if (own.length === 0) return [...rows];
    const byId = new Map<string, KeyValue>();
    for (const row of rows) byId.set(keyId(row.key), row);
    for (const m of own) {
      if (m.op === 'put') byId.set(keyId(m.key), { key: m.key, value: m.value });
      else byId.delete(keyId(m.key));
    }
    return [...byId.values()].sort((a, b) => compareBytes(a.key, b.key));
  }

  /** True when any write (put or delete) is buffered for a key in [start, end). */
  hasWritesIn(start: Uint8Array | undefined, end: Uint8Array | undefined): boolean {
    for (const m of this.byKey.values()) if (inRange(m.key, start, end)) return true;
    return false;
  }

  /** Deletes buffered in [start, end): how many slice rows the overlay may remove. */
  deletesInRange(start: Uint8Array | undefined, end: Uint8Array | undefined): number {
    return this.inRange(start, end).filter((m) => m.op === 'delete').length;
  }
}
