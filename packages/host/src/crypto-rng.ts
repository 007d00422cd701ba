import { randomInt } from 'node:crypto';
import { SeededRng } from '@tessera/cluster';

export interface SeededRngWithSeed {
  readonly rng: SeededRng;
  /** Log this at start-up: `new SeededRng(seed)` replays the same stream in an investigation. */
  readonly seed: number;
}

/**
 * A `SeededRng` seeded from the operating system's CSPRNG. Production draws jitter and backoff
 * from it; the seed is returned so that an incident report can name it. The stream itself is
 * xoshiro128** — not for secrets (tokens, keys), only for the engine's randomized timing.
 */
export function cryptoSeededRng(): SeededRngWithSeed {
  const seed = randomInt(0, 0x1_0000_0000);
  return { rng: new SeededRng(seed), seed };
}
