import { describe, expect, it } from 'vitest';
import { b, s } from '../../test/engines';
import { MemoryEngine } from './memory-engine';

function put(engine: MemoryEngine, key: string, value: string): Promise<void> {
  const batch = engine.newBatch();
  batch.put(b(key), b(value));
  return engine.commit(batch);
}

describe('MemoryEngine crash semantics', () => {
  it('loses a batch that was not synced and keeps one that was', async () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    const first = put(engine, 'a', '1');
    expect(engine.sync()).toBe(1);
    await first;
    void put(engine, 'a', '2');
    void put(engine, 'b', '1');
    const del = engine.newBatch();
    del.delete(b('a'));
    void engine.commit(del);
    expect(engine.get(b('a'))).toBeUndefined();
    expect(engine.unsynced).toBe(3);
    engine.crash();
    expect(s(engine.get(b('a')))).toBe('1');
    expect(engine.get(b('b'))).toBeUndefined();
    expect(engine.unsynced).toBe(0);
  });

  it('settles a commit promise only when sync runs', async () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    let durable = false;
    void put(engine, 'k', 'v').then(() => (durable = true));
    await Promise.resolve();
    expect(durable).toBe(false);
    engine.sync();
    await Promise.resolve();
    expect(durable).toBe(true);
  });

  it('never settles the promise of a batch lost in a crash', async () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    let settled = false;
    void put(engine, 'k', 'v').finally(() => (settled = true));
    engine.crash();
    engine.sync();
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
  });

  it('loses everything on wipe (disk replaced)', async () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    void put(engine, 'a', '1');
    engine.sync();
    void put(engine, 'b', '1');
    engine.wipe();
    expect([...engine.range({})]).toEqual([]);
    engine.crash();
    expect([...engine.range({})]).toEqual([]);
    const after = put(engine, 'c', '1');
    engine.sync();
    await after;
    expect(s(engine.get(b('c')))).toBe('1');
  });

  it('keeps a snapshot taken before a crash consistent with the state it saw', () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    void put(engine, 'a', '1');
    const snap = engine.snapshot();
    engine.crash();
    expect(s(snap.get(b('a')))).toBe('1');
    expect(engine.get(b('a'))).toBeUndefined();
    snap.release();
  });
});
