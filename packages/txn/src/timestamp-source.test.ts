import { SimClock } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import { MemoryWindowStore, OracleTimestampSource } from './timestamp-source';

describe('OracleTimestampSource', () => {
  it('hands out positive, strictly increasing timestamps, from virtual time 0 on', async () => {
    const clock = new SimClock(0);
    const windowStore = new MemoryWindowStore();
    const source = new OracleTimestampSource({ clock, windowStore, windowMs: 10 });
    let last = 0;
    for (let i = 0; i < 5_000; i++) {
      if (i % 100 === 0) clock.runUntil(clock.now() + 3);
      const ts = await source.next();
      expect(ts).toBeGreaterThan(last);
      last = ts;
    }
    expect(windowStore.persists).toBeGreaterThan(1);
  });

  it('a restarted oracle starts above everything handed out before', async () => {
    const clock = new SimClock(50);
    const windowStore = new MemoryWindowStore();
    const first = new OracleTimestampSource({ clock, windowStore });
    let last = 0;
    for (let i = 0; i < 100; i++) last = await first.next();
    const second = new OracleTimestampSource({ clock, windowStore });
    expect(await second.next()).toBeGreaterThan(last);
  });
});
