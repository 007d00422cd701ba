import { describe, expect, it } from 'vitest';
import type { SimulationReport } from './run-simulation';
import { rerankBoundMs, rereplicateBoundMs } from './node-loss';
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
  it('200 seeds: bank transfers and single-key registers over replicated slices under crashes, partitions and a lossy network', async () => {
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
    // The control plane failed over (its leader too), disks were lost, and nodes back from a
    // crash caught up by snapshot past compacted logs (≈60, ≈40 and ≈290 over these seeds).
    expect(sum(reports, 'controlCrashes')).toBeGreaterThan(25);
    expect(sum(reports, 'diskLosses')).toBeGreaterThan(15);
    expect(sum(reports, 'snapshotsInstalled')).toBeGreaterThan(100);
    // A node rarely stays down past nodeDownAfterMs in this schedule (restarts come fast), but
    // some do, and their slices were re-ranked under all the other faults (4 over these seeds;
    // the node-loss scenario below is the thorough test).
    expect(sum(reports, 'reranks')).toBeGreaterThan(0);
    // The registers: every key's history was found linearizable (else a violation above),
    // and there was something to check — answered reads, acknowledged writes, failed writes,
    // and writes whose outcome the client never learned (a crashed coordinator, an unanswered
    // commit) — on every seed, not just on average.
    expect(sum(reports, 'registerReads')).toBeGreaterThan(200 * 30);
    expect(sum(reports, 'registerWrites')).toBeGreaterThan(200 * 20);
    expect(sum(reports, 'registerFailed')).toBeGreaterThan(200);
    expect(sum(reports, 'registerUnknown')).toBeGreaterThan(100);
    expect(reports.filter((r) => r.stats.registerWrites < 2 || r.stats.registerReads < 5)).toEqual(
      [],
    );
  }, 300_000);

  it('20 seeds: a data node dies for good mid-traffic; its slices get live ranking replicas that lead, its replicas and loggers are replaced, and every promise holds', async () => {
    // Long enough for the replacements (down detection + replaceAfterMs + copy) to run under
    // the traffic and the faults.
    const reports = await runSeeds(range(1, 20), {
      durationMs: 12_000,
      faults: true,
      coordinatorCrashChance: 0.05,
      nodeLoss: true,
    });
    // Each report checked the bound (node-loss.ts: rerankBoundMs), the history and the
    // usual invariants; a miss is a violation listed here.
    expect(failures(reports), failures(reports).join('\n\n')).toEqual([]);
    const took = reports.map((r) => r.nodeLoss?.rerankMs);
    expect(took.every((ms) => ms !== undefined && ms <= rerankBoundMs)).toBe(true);
    // Every member it held was replaced within the bound (a data replica through a learner, a
    // logger by a logger; node-loss.ts checked the map, Raft's voters and the history).
    const replaced = reports.map((r) => r.nodeLoss?.rereplicateMs);
    expect(replaced.every((ms) => ms !== undefined && ms <= rereplicateBoundMs)).toBe(true);
    // Each report checked every member it held was copied off it — by an add, or by a balance
    // move already under way when it died — and removed (checkReplacedOff); most by adds.
    expect(sum(reports, 'replacements')).toBeGreaterThanOrEqual(20);
    // Every run really lost a node that ranked something, and traffic went on around it.
    expect(reports.every((r) => (r.nodeLoss?.slices ?? 0) > 0)).toBe(true);
    expect(sum(reports, 'committed')).toBeGreaterThan(20 * 5);
    expect(sum(reports, 'registerWrites')).toBeGreaterThan(20 * 10);
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
      // This bug tears multi-key snapshots only: a single-key write still takes effect inside
      // its own interval, so the registers stay linearizable and are left out to save time.
      registers: { clients: 0 },
    });
    expect(failures(reports).length).toBeGreaterThan(0);
  }, 120_000);

  it('catches a planted bug: register reads served 100 ms below their startTs are not linearizable', async () => {
    const reports = await runSeeds(range(1, 6), {
      durationMs: 1_500,
      faults: true,
      coordinatorCrashChance: 0.05,
      plantedBug: 'staleRegisterReads',
    });
    // Every seed should catch it; demand most, and that only the register check complains
    // (the bank's reads are not stale).
    expect(failures(reports).length).toBeGreaterThanOrEqual(4);
    for (const r of reports.filter((report) => !report.ok)) {
      expect(r.violations).toHaveLength(1);
      expect(r.violations[0]).toMatch(/^linearizability \(register\): FAIL/);
    }
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
    // The registers see it too: an acknowledged write that a later read does not find.
    expect(failures(reports).join('\n')).toMatch(/linearizability \(register\): FAIL/);
  }, 120_000);
});
