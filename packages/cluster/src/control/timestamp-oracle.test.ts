import { describe, expect, it } from 'vitest';
import { SeededRng } from '../runtime/rng';
import { composeTimestamp, logicalOf, logicalPerMs, physicalOf } from './timestamp';
import type { TimestampBatch } from './timestamp-oracle';
import { OracleUnavailableError, TimestampOracle } from './timestamp-oracle';

/** A replicated register of window ends, with persistence the test resolves by hand. */
class Harness {
  nowMs = 1_000;
  replicatedEnd = 0;
  pending: { end: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  autoPersist = true;

  oracle(windowMs = 3_000): TimestampOracle {
    return new TimestampOracle(
      {
        physicalNow: () => this.nowMs,
        windowMs,
        persistWindowEnd: (end) =>
          new Promise<void>((resolve, reject) => {
            const done = () => {
              this.replicatedEnd = Math.max(this.replicatedEnd, end);
              resolve();
            };
            if (this.autoPersist) queueMicrotask(done);
            else this.pending.push({ end, resolve: done, reject });
          }),
      },
      this.replicatedEnd,
    );
  }
}

const all = (batches: TimestampBatch[]) =>
  batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => b.first + i));

describe('timestamps', () => {
  it('compose and decompose, and refuse parts out of range', () => {
    const ts = composeTimestamp(123_456, 7);
    expect(physicalOf(ts)).toBe(123_456);
    expect(logicalOf(ts)).toBe(7);
    expect(() => composeTimestamp(1, logicalPerMs)).toThrow(RangeError);
    expect(() => composeTimestamp(-1, 0)).toThrow(RangeError);
  });
});

describe('TimestampOracle', () => {
  it('hands out strictly increasing, non-overlapping batches', async () => {
    const h = new Harness();
    const oracle = h.oracle();
    const batches = await Promise.all([1, 5, 100, 1, 4096, 3].map((n) => oracle.allocate(n)));
    const ts = all(batches);
    expect(ts).toHaveLength(1 + 5 + 100 + 1 + 4096 + 3);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBe((ts[i - 1] ?? 0) + 1);
    expect(physicalOf(ts[0] ?? 0)).toBeGreaterThanOrEqual(h.nowMs);
  });

  it('serves nothing until a window above the clock is replicated', async () => {
    const h = new Harness();
    h.autoPersist = false;
    const oracle = h.oracle();
    let served = false;
    const p = oracle.allocate().then((b) => {
      served = true;
      return b;
    });
    await Promise.resolve();
    expect(served).toBe(false);
    expect(h.pending).toHaveLength(1);
    expect(h.pending[0]?.end).toBe(h.nowMs + 3_000);
    h.pending[0]?.resolve();
    const batch = await p;
    expect(physicalOf(batch.first)).toBeLessThan(h.replicatedEnd);
  });

  it('never goes backwards across a leader change, even when the new leader clock is behind', async () => {
    const h = new Harness();
    const first = h.oracle();
    const before = all(await Promise.all([first.allocate(10), first.allocate(10)]));
    // The new leader's clock is 500 ms behind the old one's.
    h.nowMs -= 500;
    const second = h.oracle();
    const after = all([await second.allocate(10)]);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    expect(physicalOf(Math.min(...after))).toBeGreaterThanOrEqual(h.replicatedEnd - 3_000);
  });

  it('runs ahead of a stalled clock inside its window, then waits for a renewal', async () => {
    const h = new Harness();
    h.autoPersist = false;
    const oracle = h.oracle(2);
    const p1 = oracle.allocate(logicalPerMs);
    h.pending.shift()?.resolve(); // window [1000, 1002)
    const b1 = await p1;
    const b2 = await oracle.allocate(logicalPerMs); // the clock has not moved: runs ahead to 1001
    expect(physicalOf(b2.first)).toBe(h.nowMs + 1);
    let thirdServed = false;
    const p3 = oracle.allocate(1).then((b) => {
      thirdServed = true;
      return b;
    });
    await Promise.resolve();
    expect(thirdServed).toBe(false); // 1002 is not reserved yet
    h.pending.shift()?.resolve();
    const b3 = await p3;
    expect(b3.first).toBe(b2.first + b2.count);
    expect(b1.first + b1.count).toBe(b2.first);
  });

  it('fails waiting requests when the window cannot be replicated, and recovers', async () => {
    const h = new Harness();
    h.autoPersist = false;
    const oracle = h.oracle();
    const p = oracle.allocate();
    h.pending.shift()?.reject(new Error('not leader'));
    await expect(p).rejects.toBeInstanceOf(OracleUnavailableError);
    h.autoPersist = true;
    await expect(oracle.allocate()).resolves.toMatchObject({ count: 1 });
  });

  it('reserves a window large enough for a batch bigger than the window (regression: no livelock)', async () => {
    const h = new Harness();
    const oracle = h.oracle(1);
    const batch = await oracle.allocate(3 * logicalPerMs);
    expect(batch.count).toBe(3 * logicalPerMs);
    expect(physicalOf(batch.first + batch.count - 1)).toBeLessThan(h.replicatedEnd);
  });

  it('bounds batch size and queue length', async () => {
    const h = new Harness();
    h.autoPersist = false;
    const oracle = new TimestampOracle(
      {
        physicalNow: () => h.nowMs,
        persistWindowEnd: () => new Promise(() => undefined),
        maxQueued: 2,
      },
      0,
    );
    await expect(oracle.allocate(0)).rejects.toThrow(RangeError);
    await expect(oracle.allocate(1_000_000)).rejects.toThrow(RangeError);
    void oracle.allocate();
    void oracle.allocate();
    await expect(oracle.allocate()).rejects.toBeInstanceOf(OracleUnavailableError);
  });

  it('stays monotonic under random clocks, batch sizes and leader changes', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new SeededRng(seed);
      const h = new Harness();
      let oracle = h.oracle(rng.int(1, 50));
      let last = -1;
      for (let step = 0; step < 200; step++) {
        h.nowMs = Math.max(0, h.nowMs + rng.int(-20, 30));
        if (rng.chance(0.05)) oracle = h.oracle(rng.int(1, 50));
        const batch = await oracle.allocate(rng.int(1, 5_000));
        expect(batch.first, `seed ${seed} step ${step}`).toBeGreaterThan(last);
        expect(physicalOf(batch.first + batch.count - 1)).toBeLessThan(oracle.reservedWindowEndMs);
        last = batch.first + batch.count - 1;
      }
    }
  });
});
