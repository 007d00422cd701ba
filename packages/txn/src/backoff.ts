import type { Clock, Rng } from '@tessera/cluster';

/**
 * Exponential backoff with jitter on the injected clock and rng, so a seed replays the same
 * waits. Attempt n waits between half and all of min(cap, base * 2^n).
 */
export class Backoff {
  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly baseMs: number,
    private readonly capMs: number,
  ) {}

  delayMs(attempt: number): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt, 30));
    const half = Math.max(1, Math.floor(ceiling / 2));
    return half + this.rng.int(0, half);
  }

  sleep(attempt: number): Promise<void> {
    const ms = this.delayMs(attempt);
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}
