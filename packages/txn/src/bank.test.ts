import { describe, expect, it } from 'vitest';
import { runBank } from './test/bank';
import type { BankConfig, BankReport } from './test/bank';

function runSeeds(
  seeds: readonly number[],
  config: Omit<BankConfig, 'seed'>,
): Promise<{
  failures: string[];
  totals: Omit<BankReport, 'seed' | 'violations' | 'finalBalances'>;
}> {
  return (async () => {
    const failures: string[] = [];
    const totals = {
      acknowledged: 0,
      crashed: 0,
      conflicts: 0,
      aborts: 0,
      snapshotReads: 0,
      lockTimeouts: 0,
      txnAborted: 0,
    };
    for (const seed of seeds) {
      let report: BankReport;
      try {
        report = await runBank({ ...config, seed });
      } catch (error) {
        failures.push(`seed ${seed}: threw ${String(error)}`);
        continue;
      }
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += report[key];
      if (report.violations.length > 0) {
        failures.push(`seed ${seed}: ${report.violations.slice(0, 3).join('; ')}`);
      }
    }
    return { failures, totals };
  })();
}

const seeds = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from + i);

describe('snapshot isolation: bank transfers over 4 slices', () => {
  it('50 seeds, short network delays, 5% coordinator crashes, duplicated writes', async () => {
    const { failures, totals } = await runSeeds(seeds(1, 50), { crashChance: 0.05 });
    expect(failures, failures.join('\n')).toEqual([]);
    // The workload must actually contend and crash, or it proves little.
    expect(totals.acknowledged).toBeGreaterThan(50 * 20);
    expect(totals.conflicts).toBeGreaterThan(50);
    expect(totals.crashed).toBeGreaterThan(20);
    expect(totals.snapshotReads).toBeGreaterThan(50 * 15);
  }, 60_000);

  it('20 seeds, network delays beyond the lock TTL: live txns get rolled back by readers', async () => {
    const { failures, totals } = await runSeeds(seeds(1_001, 20), {
      crashChance: 0.05,
      delayMsMax: 80,
    });
    expect(failures, failures.join('\n')).toEqual([]);
    expect(totals.txnAborted).toBeGreaterThan(0);
    expect(totals.acknowledged).toBeGreaterThan(20 * 15);
  }, 60_000);

  it('20 seeds with the primary prewritten first', async () => {
    const { failures } = await runSeeds(seeds(2_001, 20), {
      crashChance: 0.05,
      delayMsMax: 20,
      options: { prewriteOrder: 'primaryFirst' },
    });
    expect(failures, failures.join('\n')).toEqual([]);
  }, 60_000);

  it('replays a seed exactly', async () => {
    const config = { seed: 42, crashChance: 0.05, delayMsMax: 40 };
    expect(await runBank(config)).toEqual(await runBank(config));
  });
});
