import { stat } from 'node:fs';
import { SeededRng } from '@tessera/cluster';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cryptoSeededRng } from './crypto-rng';
import { SystemClock } from './system-clock';

describe('SystemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Schedules a 0 ms timer, then a deferred function, and reports which ran first. */
  const race = (clock: SystemClock): Promise<string[]> =>
    new Promise((resolve) => {
      const order: string[] = [];
      clock.setTimer(0, () => {
        order.push('timer');
        resolve(order);
      });
      clock.defer(() => order.push('defer'));
    });

  it('runs a deferred function before a 0 ms timer scheduled earlier, from I/O and timers', async () => {
    const clock = new SystemClock();
    for (let i = 0; i < 20; i++) {
      // Engine code runs in socket callbacks (the I/O phase) and in timer callbacks.
      const fromIo = await new Promise<string[]>((resolve) => {
        stat('.', () => {
          void race(clock).then(resolve);
        });
      });
      const fromTimer = await new Promise<string[]>((resolve) => {
        setTimeout(() => {
          void race(clock).then(resolve);
        }, 1);
      });
      expect([fromIo, fromTimer]).toEqual([
        ['defer', 'timer'],
        ['defer', 'timer'],
      ]);
    }
  });

  it('never fires a cancelled timer', async () => {
    const clock = new SystemClock();
    let fired = false;
    const handle = clock.setTimer(5, () => {
      fired = true;
    });
    handle.cancel();
    handle.cancel(); // twice is harmless
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toBe(false);
  });

  it('fires a timer no earlier than its delay', async () => {
    const clock = new SystemClock();
    const start = clock.monotonicMs();
    const firedAt = await new Promise<number>((resolve) => {
      clock.setTimer(20, () => {
        resolve(clock.monotonicMs());
      });
    });
    expect(firedAt - start).toBeGreaterThanOrEqual(19); // timers round to whole ms
  });

  it('refuses delays setTimeout would silently turn into 1 ms', () => {
    const clock = new SystemClock();
    expect(() => clock.setTimer(-1, () => undefined)).toThrow(RangeError);
    expect(() => clock.setTimer(Number.NaN, () => undefined)).toThrow(RangeError);
    expect(() => clock.setTimer(2 ** 31, () => undefined)).toThrow(RangeError);
  });

  it('never goes backwards when the wall clock steps back (NTP step, date set by hand)', () => {
    const clock = new SystemClock();
    const wall = [1_000, 2_000, 1_500, 1_999, 2_000, 2_001, 100];
    const spy = vi.spyOn(Date, 'now');
    for (const ms of wall) spy.mockReturnValueOnce(ms);
    const seen = wall.map(() => clock.now());
    expect(seen).toEqual([1_000, 2_000, 2_000, 2_000, 2_000, 2_001, 2_001]);
  });

  it('tracks the real wall clock and never decreases over many reads', () => {
    const clock = new SystemClock();
    let last = clock.now();
    expect(Math.abs(last - Date.now())).toBeLessThan(1_000);
    let decreases = 0;
    for (let i = 0; i < 100_000; i++) {
      const now = clock.now();
      if (now < last) decreases++;
      last = now;
    }
    expect(decreases).toBe(0);
  });

  it('lets an unref timer not hold the process open (the handle is unref-ed)', async () => {
    const clock = new SystemClock({ unrefTimers: true });
    const before = process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
    const handle = clock.setTimer(10_000, () => undefined);
    const refTimer = clock.setTimer(10_000, () => undefined, { unref: false });
    const after = process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
    // Only ref-ed timers are active resources: the unref-ed one is not counted.
    expect(after - before).toBe(1);
    handle.cancel();
    refTimer.cancel();
    await Promise.resolve();
  });
});

describe('cryptoSeededRng', () => {
  it('returns a seed that replays the same stream', () => {
    const { rng, seed } = cryptoSeededRng();
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    const replay = new SeededRng(seed);
    const a = Array.from({ length: 16 }, () => rng.nextU32());
    const b = Array.from({ length: 16 }, () => replay.nextU32());
    expect(a).toEqual(b);
  });

  it('draws different seeds on different calls', () => {
    const seeds = new Set(Array.from({ length: 32 }, () => cryptoSeededRng().seed));
    expect(seeds.size).toBeGreaterThan(30);
  });
});
