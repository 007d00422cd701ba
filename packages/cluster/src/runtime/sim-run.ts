import type { SimClock } from './clock';

/**
 * Driving async code on virtual time. A SimClock event may resolve promises (a ready cycle
 * resuming after its disk sync, a client getting its answer); their continuations are
 * microtasks, so between two events we let them run before firing the next timer. With this,
 * a whole cluster and its clients progress deterministically in one thread.
 */
export interface SimRunOptions {
  /** Bound on events fired: a livelock ends the run instead of hanging it. */
  readonly maxEvents?: number;
  /** Called after every event and its continuations (e.g. to fail fast on a dead node). */
  readonly afterEvent?: () => void;
}

const microtaskRounds = 8;

async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < microtaskRounds; i++) await Promise.resolve();
}

/** Runs virtual time forward by `ms`, firing every due event and letting its continuations run. */
export async function runSimulatedFor(
  clock: SimClock,
  ms: number,
  options: SimRunOptions = {},
): Promise<void> {
  const until = clock.now() + ms;
  const maxEvents = options.maxEvents ?? 10_000_000;
  for (let ran = 0; ran < maxEvents; ran++) {
    const next = clock.peekMs();
    if (next === undefined || next > until) break;
    clock.runNext();
    await drainMicrotasks();
    options.afterEvent?.();
  }
  // No event is due before `until` any more: this only moves time forward.
  clock.runUntil(until);
  await drainMicrotasks();
}

/** Runs until `done()` holds or `maxMs` of virtual time pass, in steps; returns whether done. */
export async function runSimulatedUntil(
  clock: SimClock,
  done: () => boolean,
  maxMs: number,
  stepMs: number,
  options: SimRunOptions = {},
): Promise<boolean> {
  for (let t = 0; t < maxMs; t += stepMs) {
    if (done()) return true;
    await runSimulatedFor(clock, stepMs, options);
  }
  return done();
}
