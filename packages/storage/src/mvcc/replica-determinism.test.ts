import { describe, expect, it } from 'vitest';
import { engineKinds, seededRandom } from '../../test/engines';
import { toHex } from '../bytes';
import { MemoryEngine } from '../engine/memory-engine';
import { MvccStore } from './mvcc-store';
import type { CommandResult, MvccCommand } from './types';

/**
 * The replicated state machine must compute the same results and the same bytes on every
 * replica, whatever engine it runs on: a random Percolator workload is applied to both engines
 * and every result and the final raw key space are compared.
 */
function workload(seed: number, entries: number): MvccCommand[][] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => new TextEncoder().encode(k));
  let ts = 10;
  const open: { key: Uint8Array; startTs: number }[] = [];
  const out: MvccCommand[][] = [];
  for (let i = 0; i < entries; i++) {
    const cmds: MvccCommand[] = [];
    for (let j = 0, n = 1 + Math.floor(rand() * 3); j < n; j++) {
      ts += 1 + Math.floor(rand() * 3);
      const r = rand();
      const pending =
        open.length > 0 ? open.splice(Math.floor(rand() * open.length), 1)[0] : undefined;
      if (pending !== undefined && r < 0.35) {
        cmds.push({ kind: 'commit', key: pending.key, startTs: pending.startTs, commitTs: ts });
      } else if (pending !== undefined && r < 0.5) {
        cmds.push({ kind: 'rollback', key: pending.key, startTs: pending.startTs });
      } else {
        if (pending !== undefined) open.push(pending);
        const key = pick(keys);
        const startTs = ts - Math.floor(rand() * 6);
        cmds.push(
          rand() < 0.8
            ? {
                kind: 'prewrite',
                key,
                startTs,
                primary: key,
                op: 'put',
                value: Uint8Array.of(i, j),
              }
            : { kind: 'prewrite', key, startTs, primary: key, op: 'delete' },
        );
        open.push({ key, startTs });
      }
      if (rand() < 0.05)
        cmds.push({ kind: 'gc', safePointTs: Math.max(1, ts - 30), maxRecords: 4 });
    }
    out.push(cmds);
  }
  return out;
}

describe('replica determinism across engines', () => {
  it('gives identical results and identical bytes on MemoryEngine and LmdbEngine', async () => {
    const commands = workload(42, 300);
    const runs: { results: CommandResult[]; dump: string[]; reads: unknown[] }[] = [];
    for (const kind of engineKinds) {
      const under = kind.create();
      const { engine } = under;
      const store = new MvccStore(engine);
      const setup = engine.newBatch();
      store.createSpace(setup, 1);
      await engine.commit(setup);
      const results: CommandResult[] = [];
      const durable: Promise<void>[] = [];
      let index = 0;
      // Entries are applied back to back without waiting for the disk (commit is visible at
      // once), as the Raft apply loop does; durability is awaited once at the end.
      for (const entry of commands) {
        const batch = engine.newBatch();
        const r = store.apply(batch, 1, { index: ++index, term: 1, commands: entry });
        if (r.kind !== 'applied') throw new Error(r.kind);
        results.push(...r.results);
        durable.push(engine.commit(batch));
      }
      await Promise.all(durable);
      const dump = [...engine.range({})].map((e) => `${toHex(e.key)}=${toHex(e.value)}`);
      const info = store.spaceInfo(1);
      const reads = [
        store.scan(1, undefined, undefined, 10_000, { limit: 100 }),
        store.scan(1, undefined, undefined, 10_000, { limit: 100, reverse: true }),
      ];
      // Size accounting agrees with the records actually stored.
      const records = dump.filter((line) => line.startsWith('02')).length;
      expect(info?.approxRecords).toBe(records);
      runs.push({ results, dump, reads });
      await under.dispose();
    }
    const [memory, lmdb] = runs;
    expect(lmdb?.results).toEqual(memory?.results);
    expect(lmdb?.dump).toEqual(memory?.dump);
    expect(lmdb?.reads).toEqual(memory?.reads);
    const kinds = new Set(memory?.results.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(['ok', 'keyLocked', 'writeConflict', 'gc']),
    );
  });

  it('rolls a space back consistently when a MemoryEngine crashes before sync', () => {
    const engine = new MemoryEngine({ durability: 'manual' });
    const store = new MvccStore(engine);
    const setup = engine.newBatch();
    store.createSpace(setup, 1);
    void engine.commit(setup);
    engine.sync();
    let index = 0;
    for (const entry of workload(7, 50)) {
      const batch = engine.newBatch();
      store.apply(batch, 1, { index: ++index, term: 1, commands: entry });
      void engine.commit(batch);
      if (index === 20) engine.sync();
    }
    engine.crash();
    expect(store.spaceInfo(1)?.appliedIndex).toBe(20);
    // Re-applying entry 21 is allowed again, as Raft would after a restart.
    const batch = engine.newBatch();
    expect(store.apply(batch, 1, { index: 21, term: 1, commands: [] }).kind).toBe('applied');
  });
});
