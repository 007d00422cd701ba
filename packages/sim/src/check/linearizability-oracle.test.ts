import type { Rng } from '@tessera/cluster';
import { SeededRng } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import type { OpStatus } from './history';
import { checkLinearizability } from './linearizability';
import { rejected } from './model';
import type { RegisterOp, RegisterState } from './register';
import { registerModel } from './register';

/**
 * Differential test: on thousands of tiny random histories (most of them not linearizable),
 * the checker must agree with a brute-force oracle that tries every order of every subset of
 * the unknown operations — no memoization, no deadlines, no forced reads. This is what shows
 * the search's shortcuts exact.
 */
function bruteForceLinearizable(ops: readonly RegisterOp[]): boolean {
  const live = ops.filter((op) => op.status !== 'fail' && !registerModel.isInert(op));
  const done = new Set<RegisterOp>();
  const search = (state: RegisterState): boolean => {
    const remaining = live.filter((op) => !done.has(op));
    if (remaining.every((op) => op.status === 'unknown')) return true; // the rest never happen
    for (const op of remaining) {
      // `op` may go next unless a remaining ok op returned before it was called.
      if (remaining.some((o) => o.status === 'ok' && o.returnMs < op.callMs)) continue;
      const next = registerModel.step(state, op);
      if (next === rejected) continue;
      done.add(op);
      const found = search(next);
      done.delete(op);
      if (found) return true;
    }
    return false;
  };
  return search(registerModel.init('x'));
}

const values = [null, 1, 2, 3] as const;

function tinyHistory(rng: Rng): RegisterOp[] {
  const n = rng.int(1, 7);
  const ops: RegisterOp[] = [];
  for (let id = 1; id <= n; id++) {
    const callMs = rng.int(0, 12);
    const returnMs = callMs + rng.int(0, 6);
    const roll = rng.next();
    const status: OpStatus = roll < 0.2 ? 'unknown' : roll < 0.27 ? 'fail' : 'ok';
    const common = { id, clientId: id, key: 'x', callMs, returnMs, status };
    const value = (): number => rng.int(1, 3);
    const kind = rng.int(0, 2);
    if (kind === 0) {
      const output = values[rng.int(0, values.length - 1)] ?? null;
      ops.push({ ...common, kind: 'read', input: null, ...(status === 'ok' ? { output } : {}) });
    } else if (kind === 1) {
      ops.push({ ...common, kind: 'write', input: value() });
    } else {
      const input = { expected: values[rng.int(0, values.length - 1)] ?? null, value: value() };
      const output = rng.chance(0.5);
      ops.push({ ...common, kind: 'cas', input, ...(status === 'ok' ? { output } : {}) });
    }
  }
  return ops;
}

describe('linearizability checker against a brute-force oracle', () => {
  it('agrees on 5000 tiny random histories', () => {
    const rng = new SeededRng(2026);
    const seen = { ok: 0, fail: 0 };
    for (let i = 0; i < 5000; i++) {
      const history = tinyHistory(rng);
      const expected = bruteForceLinearizable(history) ? 'ok' : 'fail';
      const verdict = checkLinearizability(history, registerModel);
      if (verdict.result !== expected) {
        throw new Error(
          `history ${i}: checker says ${verdict.result}, oracle ${expected}\n` +
            JSON.stringify(history, null, 1),
        );
      }
      seen[expected]++;
    }
    // Both answers are well represented, or the comparison proves little.
    expect(seen.ok).toBeGreaterThan(1000);
    expect(seen.fail).toBeGreaterThan(1000);
  });
});
