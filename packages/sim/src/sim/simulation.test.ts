import { describe, expect, it } from 'vitest';
import type { SimulationReport } from './run-simulation';
import { runSimulation } from './run-simulation';

async function runSeeds(
  seeds: readonly number[],
  options: Omit<Parameters<typeof runSimulation>[0], 'seed'>,
): Promise<SimulationReport[]> {
  const reports: SimulationReport[] = [];
  for (const seed of seeds) reports.push(await runSimulation({ ...options, seed }));
  return reports;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const failures = (reports: readonly SimulationReport[]) =>
  reports.filter((r) => !r.ok).map((r) => `seed ${r.seed}:\n${r.violations.join('\n')}`);
const sum = (reports: readonly SimulationReport[], key: keyof SimulationReport['stats']) =>
  reports.reduce((total, r) => total + r.stats[key], 0);

describe('the simulated cluster keeps its promises', () => {
  it('200 seeds: bank transfers over replicated slices under crashes, partitions and a lossy network', async () => {
    const reports = await runSeeds(range(1, 200), {
      durationMs: 3_000,
      faults: true,
      coordinatorCrashChance: 0.05,
    });
    expect(failures(reports), failures(reports).join('\n\n')).toEqual([]);
    // The run must really contend and really fail over, or it proves little.
    expect(sum(reports, 'committed')).toBeGreaterThan(200 * 10);
    expect(sum(reports, 'reads')).toBeGreaterThan(200 * 5);
    expect(sum(reports, 'crashes')).toBeGreaterThan(100);
    expect(sum(reports, 'partitions')).toBeGreaterThan(100);
  }, 300_000);

  it('replays a seed exactly', async () => {
    const options = { seed: 7, durationMs: 1_500, faults: true, coordinatorCrashChance: 0.05 };
    expect(await runSimulation(options)).toEqual(await runSimulation(options));
  }, 60_000);

  it('catches a planted bug: commit timestamps taken before prewrite tear snapshots', async () => {
    const reports = await runSeeds(range(1, 8), {
      durationMs: 3_000,
      faults: false,
      plantedBug: 'commitTsBeforePrewrite',
      workload: { thinkMsMax: 2 },
    });
    expect(failures(reports).length).toBeGreaterThan(0);
  }, 120_000);

  it('catches a planted bug: acknowledging before the commit point loses acknowledged transfers', async () => {
    const reports = await runSeeds(range(1, 8), {
      durationMs: 3_000,
      faults: true,
      coordinatorCrashChance: 0.2,
      plantedBug: 'ackBeforePrimaryCommit',
      workload: { thinkMsMax: 2 },
    });
    expect(failures(reports).join('\n')).toMatch(/lost write/);
  }, 120_000);
});
