import { describe, expect, it } from 'vitest';
import type { TestingKnobs } from './config';
import type { SimResult } from './test/sim';
import { SafetyViolation, Simulation } from './test/sim';
import type { ConfState } from './types';

/**
 * Randomized safety tests: many seeds of a faulty world, Raft's guarantees checked after every
 * step. A failure names its seed; replay it with
 * `new Simulation({ seed, conf, steps: 300, membershipChanges }).run()` in a focused test.
 */
const threeVoters: ConfState = { voters: [1, 2, 3], loggers: [], learners: [] };
const groups: Record<string, ConfState> = {
  '3 voters': threeVoters,
  '2 voters + logger + learner': { voters: [1, 2], loggers: [3], learners: [4] },
  '5 voters': { voters: [1, 2, 3, 4, 5], loggers: [], learners: [] },
  '3 voters + 2 loggers + learner': { voters: [1, 2, 3], loggers: [4, 5], learners: [6] },
};

const SEEDS = 50;
const STEPS = 300;

function runSeed(
  seed: number,
  conf: ConfState,
  knobs?: TestingKnobs,
  membershipChanges = false,
): SimResult {
  try {
    return new Simulation({ seed, conf, steps: STEPS, knobs, membershipChanges }).run();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`seed ${seed} failed (${JSON.stringify(conf)}): ${why}`, { cause: e });
  }
}

describe('randomized safety under faults', () => {
  for (const [name, conf] of Object.entries(groups)) {
    it(`${name}: ${SEEDS} seeds × ${STEPS} steps keep every safety property`, () => {
      const total = { committed: 0, terms: 0, snapshots: 0, restarts: 0, reads: 0 };
      for (let seed = 1; seed <= SEEDS; seed++) {
        const result = runSeed(seed, conf);
        total.committed += result.committedProposals;
        total.terms += result.leaderTerms;
        total.snapshots += result.snapshotsDelivered;
        total.restarts += result.restarts;
        total.reads += result.readsServed;
      }
      // Not vacuous: the faulty world still elects leaders, commits, snapshots, restarts.
      expect(total.committed).toBeGreaterThan(SEEDS * 20);
      expect(total.terms).toBeGreaterThan(SEEDS * 2);
      expect(total.snapshots).toBeGreaterThan(0);
      expect(total.restarts).toBeGreaterThan(SEEDS);
      expect(total.reads).toBeGreaterThan(SEEDS);
    });
  }
});

describe('randomized safety under faults with membership changes', () => {
  const changing: Record<string, ConfState> = {
    '3 voters + learner': { voters: [1, 2, 3], loggers: [], learners: [4] },
    '2 voters + logger': { voters: [1, 2], loggers: [3], learners: [] },
  };
  for (const [name, conf] of Object.entries(changing)) {
    it(`${name}: ${SEEDS} seeds of joins, promotions, demotions and removals`, () => {
      let confChanges = 0;
      let committed = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const result = runSeed(seed, conf, undefined, true);
        confChanges += result.confChanges;
        committed += result.committedProposals;
      }
      expect(confChanges).toBeGreaterThan(SEEDS);
      expect(committed).toBeGreaterThan(SEEDS * 20);
    });
  }
});

describe('the safety checker catches planted bugs', () => {
  function firstViolation(knobs: TestingKnobs): string | undefined {
    for (let seed = 1; seed <= 300; seed++) {
      try {
        new Simulation({ seed, conf: threeVoters, steps: STEPS, knobs }).run();
      } catch (e) {
        if (
          e instanceof SafetyViolation ||
          (e instanceof Error && e.name === 'RaftInvariantError')
        ) {
          return `seed ${seed}: ${e.message}`;
        }
        throw e;
      }
    }
    return undefined;
  }

  it('a leader counting its own unpersisted entries toward commit', () => {
    expect(firstViolation({ countLeaderBeforePersist: true })).toMatch(/durability/);
  });

  it('followers skipping the log-matching check', () => {
    expect(firstViolation({ skipLogMatchingCheck: true })).toBeDefined();
  });

  it('a leader answering reads without a quorum confirming its leadership', () => {
    expect(firstViolation({ readWithoutQuorum: true })).toMatch(/linearizability/);
  });
});
