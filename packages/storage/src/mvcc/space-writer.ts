import type { KvReader } from '../engine/kv-engine';
import type { WriteBatch } from '../engine/write-batch';

/**
 * Writes records of one space generation into a batch while keeping the space's size
 * accounting exact: each put or delete looks at the record it replaces. The reader must be a
 * BatchView over the same batch so that writes earlier in the batch are counted once.
 */
export class SpaceWriter {
  recordsDelta = 0;
  bytesDelta = 0;

  constructor(
    readonly view: KvReader,
    private readonly batch: WriteBatch,
  ) {}

  put(key: Uint8Array, value: Uint8Array): void {
    const old = this.view.get(key);
    if (old === undefined) {
      this.recordsDelta++;
      this.bytesDelta += key.length + value.length;
    } else {
      this.bytesDelta += value.length - old.length;
    }
    this.batch.put(key, value);
  }

  delete(key: Uint8Array): void {
    const old = this.view.get(key);
    if (old === undefined) return;
    this.recordsDelta--;
    this.bytesDelta -= key.length + old.length;
    this.batch.delete(key);
  }
}
