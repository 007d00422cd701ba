import { describe, expect, it } from 'vitest';
import { runScenario } from './test/randomized';

// The randomized fault scenario (crashes losing unsynced writes, message loss, partitions)
// with a compaction every few entries, so that lagging and restarted members keep needing
// snapshots: every data member must still converge to identical rows.
const seeds = Array.from({ length: 12 }, (_, i) => 101 + i);
const faultSeconds = 60;
const snapshotEveryEntries = 4;

describe('randomized faults with frequent compaction', () => {
  for (const seed of seeds) {
    it(`seed ${seed}: converges through snapshots, loses no acknowledged write`, async () => {
      try {
        const r = await runScenario(seed, faultSeconds, {}, { snapshotEveryEntries });
        console.log(`seed ${seed}: ${JSON.stringify(r)}`);
        expect(r.acked).toBeGreaterThan(50);
      } catch (error) {
        console.error(
          `randomized snapshot scenario failed — replay: runScenario(${seed}, ${faultSeconds}, {}, { snapshotEveryEntries: ${snapshotEveryEntries} })`,
        );
        throw error;
      }
    }, 30_000);
  }
});
