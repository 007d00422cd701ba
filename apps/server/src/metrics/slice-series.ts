import type { SliceMetricSample, SliceOverview } from '@tessera/api';

/**
 * Every slice's reads/s, writes/s and bytes over the last `capacity` samples, in typed arrays:
 * at 500 slices × 300 samples, objects per sample would be 150 000 live objects for the
 * collector to trace; this is 16 bytes per slice and sample (Float32 rates, Float64 bytes;
 * NaN is null) plus one shared time column.
 *
 * Sample `seq` lives at index `seq % capacity` of every column. A slice's columns are valid
 * from its first recorded sample (`first`) to its last (`last`); samples it missed in between
 * (an overview without it) read as nulls. A slice gone for `capacity` samples (split, table
 * dropped) has nothing left to show and is dropped.
 */
export class SliceSeries {
  private readonly atMs: Float64Array;
  /** Samples recorded so far; the next one is number `seq`. */
  private seq = 0;
  private readonly slices = new Map<number, SliceColumns>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a slice series keeps at least one sample, not ${capacity}`);
    }
    this.atMs = new Float64Array(capacity);
  }

  /** Slices with samples kept. */
  get sliceCount(): number {
    return this.slices.size;
  }

  /** Bytes the columns take (the memory estimate of the README). */
  get columnBytes(): number {
    return this.atMs.byteLength + this.slices.size * this.capacity * bytesPerSample;
  }

  record(atMs: number, slices: readonly SliceOverview[]): void {
    const seq = this.seq++;
    const at = seq % this.capacity;
    this.atMs[at] = atMs;
    for (const s of slices) {
      let columns = this.slices.get(s.sliceId);
      if (columns === undefined) {
        columns = {
          first: seq,
          last: seq,
          reads: new Float32Array(this.capacity),
          writes: new Float32Array(this.capacity),
          bytes: new Float64Array(this.capacity),
        };
        this.slices.set(s.sliceId, columns);
      }
      // Samples this slice missed since its last one read as nulls.
      for (
        let missed = Math.max(columns.last + 1, seq - this.capacity + 1);
        missed < seq;
        missed++
      ) {
        const i = missed % this.capacity;
        columns.reads[i] = NaN;
        columns.writes[i] = NaN;
        columns.bytes[i] = NaN;
      }
      columns.reads[at] = s.readsPerSec ?? NaN;
      columns.writes[at] = s.writesPerSec ?? NaN;
      columns.bytes[at] = s.bytes ?? NaN;
      columns.last = seq;
    }
    for (const [sliceId, columns] of this.slices) {
      if (columns.last <= seq - this.capacity) this.slices.delete(sliceId);
    }
  }

  /** One slice's samples taken after `sinceMs` (all kept when undefined), oldest first. */
  samples(sliceId: number, sinceMs: number | undefined): SliceMetricSample[] {
    const columns = this.slices.get(sliceId);
    if (columns === undefined) return [];
    const from = Math.max(columns.first, this.seq - this.capacity);
    const out: SliceMetricSample[] = [];
    for (let seq = from; seq <= columns.last; seq++) {
      const i = seq % this.capacity;
      const at = this.atMs[i] ?? 0;
      if (sinceMs !== undefined && at <= sinceMs) continue;
      out.push({
        at,
        readsPerSec: orNull(columns.reads[i]),
        writesPerSec: orNull(columns.writes[i]),
        bytes: orNull(columns.bytes[i]),
      });
    }
    return out;
  }
}

interface SliceColumns {
  readonly first: number;
  last: number;
  readonly reads: Float32Array;
  readonly writes: Float32Array;
  readonly bytes: Float64Array;
}

const bytesPerSample = 4 + 4 + 8;

function orNull(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}
