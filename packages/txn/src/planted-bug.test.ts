import { describe, expect, it } from 'vitest';
import { runBank } from './test/bank';

// The validators are tested too: a planted bug must make them fail (RFC 0002 "Simulation").
const seeds = [1, 2, 3, 4, 5];

describe('planted bugs are caught by the bank validator', () => {
  it('acknowledging before the primary commit, with coordinator crashes, loses acknowledged transfers', async () => {
    const caught: number[] = [];
    for (const seed of seeds) {
      const honest = await runBank({ seed, crashChance: 0.1 });
      expect(honest.violations, `seed ${seed}`).toEqual([]);
      const buggy = await runBank({ seed, crashChance: 0.1, plantAckBeforeCommit: true });
      if (buggy.violations.some((v) => v.includes('is not visible'))) caught.push(seed);
    }
    expect(caught).toEqual(seeds);
  });

  it('the same bug without crashes goes unnoticed (the crash is what exposes it)', async () => {
    const buggy = await runBank({ seed: 1, crashChance: 0, plantAckBeforeCommit: true });
    expect(buggy.violations).toEqual([]);
  });

  it('a commitTs taken before the prewrites tears snapshots', async () => {
    const caught: number[] = [];
    for (const seed of seeds) {
      const report = await runBank({ seed, commitTsBeforePrewrite: true, delayMsMax: 20 });
      if (report.violations.length > 0) caught.push(seed);
    }
    expect(caught).toEqual(seeds);
  });
});
