import { describe, expect, it } from 'vitest';
import { runScenario } from './test/randomized';

// Seeds 1–10; randomized-b runs 11–20 (two files so that vitest runs them in parallel).
const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
const faultSeconds = 120;

describe('randomized faults (seeds 1–10)', () => {
  for (const seed of seeds) {
    it(`seed ${seed}: converges, loses no acknowledged write, serves no stale read`, async () => {
      try {
        const r = await runScenario(seed, faultSeconds);
        console.log(`seed ${seed}: ${JSON.stringify(r)}`);
        expect(r.acked).toBeGreaterThan(100);
      } catch (error) {
        console.error(`randomized scenario failed — replay: runScenario(${seed}, ${faultSeconds})`);
        throw error;
      }
    }, 30_000);
  }
});
