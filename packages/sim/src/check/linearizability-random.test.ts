import { SeededRng } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, failedKeys } from './linearizability';
import type { RegisterOp, RegisterRead, RegisterValue } from './register';
import { registerModel } from './register';
import { randomRegisterHistory } from './test/random-register';

/**
 * Randomized: histories of a real sequential register under random concurrency are linearizable
 * by construction, so the checker must accept every one; one planted wrong read must make it
 * reject. A failure names its seed: replay with `randomRegisterHistory(new SeededRng(seed))`.
 */
const SEEDS = 40;

/** Ops that definitely took effect and installed a value: ok writes, ok swapping cas. */
function installed(op: RegisterOp): RegisterValue | null {
  if (op.status !== 'ok') return null;
  switch (op.kind) {
    case 'read':
      return null;
    case 'write':
      return op.input;
    case 'cas':
      return op.output === true ? op.input.value : null;
  }
}

function okReads(history: readonly RegisterOp[]): RegisterRead[] {
  return history.filter((op): op is RegisterRead => op.kind === 'read' && op.status === 'ok');
}

/**
 * A value certainly overwritten before `read` was called: its (unique, ok) writer returned
 * before another installing write was called, which returned before the read was called.
 */
function staleValueFor(read: RegisterRead, history: readonly RegisterOp[]): RegisterValue | null {
  const installers = history.filter((op) => op.key === read.key && installed(op) !== null);
  for (const newer of installers) {
    if (newer.returnMs >= read.callMs) continue;
    const older = installers.find((op) => op.returnMs < newer.callMs);
    const value = older === undefined ? null : installed(older);
    if (value !== null) return value;
  }
  return null;
}

function withOutput(history: readonly RegisterOp[], read: RegisterRead, value: RegisterValue) {
  return history.map((op) => (op === read ? { ...read, output: value } : op));
}

describe('randomized register histories (5 keys × 200 ops × 8 clients)', () => {
  it(`accepts ${SEEDS} linearizable histories and rejects each with one planted wrong read`, () => {
    let checkMs = 0;
    let failMs = 0;
    let steps = 0;
    let stalePlanted = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new SeededRng(seed);
      const history = randomRegisterHistory(rng);
      expect(history).toHaveLength(1000);

      const startedMs = performance.now();
      const verdict = checkLinearizability(history, registerModel);
      checkMs += performance.now() - startedMs;
      steps += verdict.steps;
      expect(verdict.result, `seed ${seed}`).toBe('ok');
      expect(verdict.keys, `seed ${seed}`).toHaveLength(5);

      const reads = okReads(history);
      const victim = reads[rng.int(0, reads.length - 1)]!;
      const failStartedMs = performance.now();
      const neverWritten = checkLinearizability(withOutput(history, victim, -1), registerModel);
      failMs += performance.now() - failStartedMs;
      const failure = failedKeys(neverWritten);
      expect(neverWritten.result, `seed ${seed}`).toBe('fail');
      expect(failure.map((f) => f.key)).toEqual([victim.key]);
      expect(failure[0]!.pending.map((p) => p.op.id)).toContain(victim.id);

      const staleCandidates = reads
        .map((read) => ({ read, stale: staleValueFor(read, history) }))
        .filter((c) => c.stale !== null);
      if (staleCandidates.length === 0) continue;
      const { read, stale } = staleCandidates[rng.int(0, staleCandidates.length - 1)]!;
      const overwritten = checkLinearizability(withOutput(history, read, stale!), registerModel);
      expect(overwritten.result, `seed ${seed}, stale read #${read.id}`).toBe('fail');
      expect(failedKeys(overwritten).map((f) => f.key)).toEqual([read.key]);
      stalePlanted++;
    }
    expect(stalePlanted).toBeGreaterThan(SEEDS / 2);
    // Per 1000-operation history: well under a second even on a slow CI machine.
    expect(checkMs / SEEDS).toBeLessThan(250);
    expect(failMs / SEEDS).toBeLessThan(250);
    console.log(
      `register histories: ${SEEDS} × 1000 ops checked in ${checkMs.toFixed(0)} ms ` +
        `(${(checkMs / SEEDS).toFixed(1)} ms and ${Math.round(steps / SEEDS)} steps per history); ` +
        `a planted never-written read found in ${(failMs / SEEDS).toFixed(1)} ms per history; ` +
        `${stalePlanted} stale reads planted`,
    );
    // ≈1 s alone; the default 5 s ran out on a machine shared with other test runs.
  }, 30_000);
});

describe('randomized histories with many timeouts', () => {
  // A cas that did not swap is recorded as failed (Jepsen's convention): an ok one would keep
  // every unknown write a candidate until the last such cas (see Model.unknownDeadlines).
  it('accepts 2 keys × 300 ops × 12 clients with 10% unknown operations', () => {
    for (let seed = 100; seed < 110; seed++) {
      const history = randomRegisterHistory(new SeededRng(seed), {
        keys: 2,
        opsPerKey: 300,
        clients: 12,
        maxDurationMs: 30,
        unknownRate: 0.1,
        failRate: 0.02,
        unswappedCasFails: true,
      });
      const verdict = checkLinearizability(history, registerModel);
      expect(verdict.result, `seed ${seed}`).toBe('ok');
    }
  });
});
