import { describe, expect, it } from 'vitest';
import { SimClock } from './clock';
import { SeededRng } from './rng';
import { MemoryNetwork } from './transport';

describe('SeededRng', () => {
  it('replays the same stream for the same seed and differs across seeds', () => {
    const a = new SeededRng(42);
    const b = new SeededRng(42);
    const c = new SeededRng(43);
    const take = (r: SeededRng) => Array.from({ length: 8 }, () => r.nextU32());
    const sa = take(a);
    expect(take(b)).toEqual(sa);
    expect(take(c)).not.toEqual(sa);
  });

  it('spreads int() over its whole inclusive range, roughly uniformly', () => {
    const rng = new SeededRng(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = rng.int(0, 9);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const n of counts) expect(n).toBeGreaterThan(9_500);
    for (const n of counts) expect(n).toBeLessThan(10_500);
  });

  it('rejects bad bounds instead of returning nonsense', () => {
    expect(() => new SeededRng(1).int(5, 4)).toThrow(RangeError);
    expect(() => new SeededRng(1).int(0.5, 4)).toThrow(RangeError);
  });

  it('forks an independent stream', () => {
    const parent = new SeededRng(9);
    const child = parent.fork();
    expect(child.nextU32()).not.toBe(parent.nextU32());
  });
});

describe('SimClock', () => {
  it('runs events in time order, ties in insertion order, and cancels', () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.setTimer(10, () => log.push('b@10'));
    clock.setTimer(5, () => log.push('a@5'));
    clock.setTimer(10, () => log.push('c@10'));
    const d = clock.setTimer(7, () => log.push('d@7'));
    d.cancel();
    clock.defer(() => log.push('now'));
    clock.runUntil(100);
    expect(log).toEqual(['now', 'a@5', 'b@10', 'c@10']);
    expect(clock.now()).toBe(100);
  });

  it('lets an event schedule more events, and bounds a livelock', () => {
    const clock = new SimClock();
    let n = 0;
    const again = () => {
      n++;
      clock.defer(again);
    };
    clock.defer(again);
    expect(clock.runUntil(1, 1_000)).toBe(1_000);
    expect(n).toBe(1_000);
  });

  it('keeps heap order under many random insertions', () => {
    const clock = new SimClock();
    const rng = new SeededRng(3);
    const seen: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const at = rng.int(0, 500);
      clock.setTimer(at, () => seen.push(clock.now()));
    }
    clock.runUntil(1_000);
    expect(seen).toHaveLength(2_000);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });
});

describe('MemoryNetwork', () => {
  it('delivers asynchronously, never inside send', () => {
    const clock = new SimClock();
    const net = new MemoryNetwork<string>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    const got: string[] = [];
    b.onMessage((from, m) => got.push(`${from}:${m}`));
    a.send(2, 'hi');
    expect(got).toEqual([]);
    clock.runUntil(0);
    expect(got).toEqual(['1:hi']);
  });

  it('drops across a partition and to a down node, and heals', () => {
    const clock = new SimClock();
    const net = new MemoryNetwork<string>({ clock });
    const [a, b, c] = [net.connect(1), net.connect(2), net.connect(3)];
    const got: string[] = [];
    b.onMessage((_f, m) => got.push(`b:${m}`));
    c.onMessage((_f, m) => got.push(`c:${m}`));
    net.partition([[1], [2, 3]]);
    a.send(2, 'x');
    b.send(3, 'y');
    clock.runUntil(1);
    net.heal();
    net.setDown(3, true);
    a.send(3, 'z');
    a.send(2, 'w');
    clock.runUntil(10);
    expect(got).toEqual(['c:y', 'b:w']);
    expect(net.stats.dropped).toBe(2);
  });

  it('loses a message in flight when the receiver crashes before it arrives', () => {
    const clock = new SimClock();
    const rng = new SeededRng(1);
    const net = new MemoryNetwork<string>({
      clock,
      rng,
      faults: { dropRate: 0, duplicateRate: 0, delayMsMin: 5, delayMsMax: 5 },
    });
    const a = net.connect(1);
    const b = net.connect(2);
    const got: string[] = [];
    b.onMessage((_f, m) => got.push(m));
    a.send(2, 'late');
    clock.runUntil(2);
    net.setDown(2, true);
    clock.runUntil(10);
    expect(got).toEqual([]);
  });

  it('injects drops, duplicates and reordering reproducibly from the seed', () => {
    const run = (seed: number) => {
      const clock = new SimClock();
      const net = new MemoryNetwork<number>({
        clock,
        rng: new SeededRng(seed),
        faults: { dropRate: 0.2, duplicateRate: 0.1, delayMsMin: 1, delayMsMax: 20 },
        copy: (m) => m,
      });
      const a = net.connect(1);
      const b = net.connect(2);
      const got: number[] = [];
      b.onMessage((_f, m) => got.push(m));
      for (let i = 0; i < 200; i++) a.send(2, i);
      clock.runUntil(1_000);
      return { got, stats: { ...net.stats } };
    };
    const first = run(11);
    expect(run(11)).toEqual(first);
    expect(first.stats.dropped).toBeGreaterThan(10);
    expect(first.stats.duplicated).toBeGreaterThan(5);
    const inOrder = [...first.got].sort((x, y) => x - y);
    expect(first.got).not.toEqual(inOrder); // reordered
  });

  it('requires an rng for a random policy', () => {
    expect(
      () =>
        new MemoryNetwork<number>({
          clock: new SimClock(),
          faults: { dropRate: 0.1, duplicateRate: 0, delayMsMin: 0, delayMsMax: 0 },
        }),
    ).toThrow(/needs an rng/);
  });
});
