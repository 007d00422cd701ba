import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbEngine } from '@tessera/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { runBank } from './test/bank';

describe('bank workload over LMDB (real disk)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps snapshot totals and final balances with durable commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-txn-lmdb-'));
    dirs.push(dir);
    const engine = LmdbEngine.open({ path: dir });
    try {
      const report = await runBank({
        seed: 11,
        engine,
        workers: 4,
        transfersPerWorker: 6,
        readsPerReader: 6,
        crashChance: 0.1,
      });
      expect(report.violations).toEqual([]);
      expect(report.acknowledged).toBeGreaterThan(5);
      expect(report.finalBalances.reduce((x, y) => x + y, 0)).toBe(800);
    } finally {
      await engine.close();
    }
  }, 30_000);
});
