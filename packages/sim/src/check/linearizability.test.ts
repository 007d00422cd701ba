import { describe, expect, it } from 'vitest';
import { HistoryError } from './history';
import type { KeyFail, LinearizabilityVerdict } from './linearizability';
import { checkLinearizability, failedKeys } from './linearizability';
import type { RegisterOp, RegisterState } from './register';
import { createRegisterModel, registerModel } from './register';
import { RegisterHistory } from './test/register-history';

type Verdict = LinearizabilityVerdict<RegisterOp, RegisterState>;

function check(h: RegisterHistory, stepBudgetPerKey?: number): Verdict {
  return checkLinearizability(h.ops, registerModel, { stepBudgetPerKey });
}

function onlyFailure(verdict: Verdict): KeyFail<RegisterOp, RegisterState> {
  expect(verdict.result).toBe('fail');
  const failed = failedKeys(verdict);
  expect(failed).toHaveLength(1);
  return failed[0]!;
}

const ids = (ops: readonly { op: RegisterOp }[]): number[] => ops.map((o) => o.op.id);

describe('linearizability of register histories', () => {
  it('accepts the empty history', () => {
    expect(check(new RegisterHistory())).toMatchObject({ result: 'ok', keys: [], steps: 0 });
  });

  it('accepts sequential writes and reads', () => {
    const h = new RegisterHistory()
      .read(1, 'x', null, [0, 1])
      .write(1, 'x', 1, [2, 3])
      .read(2, 'x', 1, [4, 5])
      .write(2, 'x', 2, [6, 7])
      .read(1, 'x', 2, [8, 9]);
    expect(check(h).result).toBe('ok');
  });

  it('rejects a stale read after a completed write, and explains it', () => {
    const h = new RegisterHistory()
      .write(1, 'x', 1, [0, 10])
      .write(2, 'x', 2, [20, 30])
      .read(3, 'x', 1, [40, 50]);
    const failure = onlyFailure(check(h));
    expect(failure.key).toBe('x');
    expect(ids(failure.longestPrefix)).toEqual([1, 2]);
    expect(failure.stateAfterPrefix).toBe(2);
    expect(failure.pending.map((p) => [p.op.id, p.why])).toEqual([[3, 'rejected']]);
    expect(failure.firstToReturn.id).toBe(3);
  });

  it('lets a read concurrent with a write see either value, but not the old one afterwards', () => {
    const during = new RegisterHistory().write(1, 'x', 1, [0, 10]).read(2, 'x', null, [5, 6]);
    expect(check(during).result).toBe('ok');
    const after = new RegisterHistory().write(1, 'x', 1, [0, 10]).read(2, 'x', null, [11, 12]);
    expect(check(after).result).toBe('fail');
  });

  it('treats intervals that touch (return at t, call at t) as concurrent', () => {
    const touching = new RegisterHistory().write(1, 'x', 1, [0, 5]).read(2, 'x', null, [5, 6]);
    expect(check(touching).result).toBe('ok');
    const apart = new RegisterHistory().write(1, 'x', 1, [0, 5]).read(2, 'x', null, [6, 7]);
    expect(check(apart).result).toBe('fail');
  });

  it('does not take a write of the current value as free (regression found by the oracle)', () => {
    // write(3) #3 arrives while the register holds 3, but must come before write(2) #5.
    const h = new RegisterHistory()
      .write(4, 'x', 2, [0, 3])
      .write(2, 'x', 3, [4, 10])
      .write(5, 'x', 2, [4, 9])
      .write(3, 'x', 3, [7, 11])
      .write(6, 'x', 3, [11, 16])
      .read(1, 'x', 2, [12, 16]);
    expect(check(h).result).toBe('ok');
  });

  describe('two concurrent writes', () => {
    // write(1) and write(2) overlap; two readers each read twice while they run.
    const writes = (): RegisterHistory =>
      new RegisterHistory().write(1, 'x', 1, [0, 10]).write(2, 'x', 2, [0, 10]);

    it('accepts readers that observe the same order', () => {
      const h = writes()
        .read(3, 'x', 1, [1, 2])
        .read(3, 'x', 2, [3, 4])
        .read(4, 'x', 1, [1, 2])
        .read(4, 'x', 2, [3, 4]);
      expect(check(h).result).toBe('ok');
    });

    it('rejects readers that observe opposite orders', () => {
      const h = writes()
        .read(3, 'x', 1, [1, 2])
        .read(3, 'x', 2, [3, 4])
        .read(4, 'x', 2, [1, 2])
        .read(4, 'x', 1, [3, 4]);
      const failure = onlyFailure(check(h));
      expect(failure.pending.length).toBeGreaterThan(0);
    });

    it('rejects a value that changes back after both writes finished', () => {
      const h = writes().read(3, 'x', 2, [11, 12]).read(3, 'x', 1, [13, 14]);
      expect(check(h).result).toBe('fail');
    });
  });

  describe('compare-and-set', () => {
    it('accepts a swap from the current value', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 0, [0, 1])
        .cas(1, 'x', [0, 1], true, [2, 3])
        .read(2, 'x', 1, [4, 5]);
      expect(check(h).result).toBe('ok');
    });

    it('rejects a swap from a value the register did not hold', () => {
      const h = new RegisterHistory().write(1, 'x', 0, [0, 1]).cas(1, 'x', [5, 1], true, [2, 3]);
      const failure = onlyFailure(check(h));
      expect(failure.pending.map((p) => [p.op.id, p.why])).toEqual([[2, 'rejected']]);
    });

    it('rejects a refusal to swap when the value matched and nothing was concurrent', () => {
      const h = new RegisterHistory().write(1, 'x', 0, [0, 1]).cas(1, 'x', [0, 1], false, [2, 3]);
      expect(check(h).result).toBe('fail');
    });

    it('accepts one of two concurrent swaps from the same value, not both', () => {
      const one = new RegisterHistory()
        .write(1, 'x', 0, [0, 1])
        .cas(2, 'x', [0, 1], true, [2, 10])
        .cas(3, 'x', [0, 2], false, [2, 10])
        .read(1, 'x', 1, [11, 12]);
      expect(check(one).result).toBe('ok');
      const both = new RegisterHistory()
        .write(1, 'x', 0, [0, 1])
        .cas(2, 'x', [0, 1], true, [2, 10])
        .cas(3, 'x', [0, 2], true, [2, 10]);
      expect(check(both).result).toBe('fail');
    });

    it('ignores a failed cas', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 0, [0, 1])
        .cas(2, 'x', [0, 1], false, [2, 3], 'fail')
        .read(1, 'x', 0, [4, 5]);
      expect(check(h)).toMatchObject({ result: 'ok', keys: [{ opsChecked: 2, opsDropped: 1 }] });
    });
  });

  describe('operations with unknown outcome', () => {
    it('accepts a read that is explained only if the unknown write took effect', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, 2) // timed out
        .read(3, 'x', 2, [10, 11]);
      expect(check(h).result).toBe('ok');
    });

    it('accepts reads that are explained only if the unknown write has not taken effect', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, 2)
        .read(3, 'x', 1, [10, 11])
        .read(3, 'x', 1, [20, 21]);
      expect(check(h).result).toBe('ok');
    });

    it('accepts an unknown write taking effect long after its client gave up', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, [2, 3], 'unknown') // the client gave up at 3
        .read(3, 'x', 1, [10, 11])
        .read(3, 'x', 2, [100, 101]);
      expect(check(h).result).toBe('ok');
    });

    it('rejects an unknown write taking effect before it was called', () => {
      const h = new RegisterHistory().read(1, 'x', 2, [0, 1]).write(2, 'x', 2, 5);
      expect(check(h).result).toBe('fail');
    });

    it('rejects an unknown write taking effect, being undone, then taking effect again', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, 2)
        .read(3, 'x', 1, [10, 11])
        .read(3, 'x', 2, [20, 21])
        .read(3, 'x', 1, [30, 31]);
      expect(check(h).result).toBe('fail');
    });

    it('accepts an unknown cas only from its expected value', () => {
      const matching = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .cas(2, 'x', [1, 2], false, 2)
        .read(3, 'x', 2, [10, 11]);
      expect(check(matching).result).toBe('ok');
      const mismatched = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .cas(2, 'x', [3, 2], false, 2)
        .read(3, 'x', 2, [10, 11]);
      expect(check(mismatched).result).toBe('fail');
    });

    it('keeps an unknown write alive as long as a cas that did not swap may need it', () => {
      // cas(1 → 3) did not swap, so the register held something else: only the unknown write.
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, 2)
        .cas(3, 'x', [1, 3], false, [50, 51]);
      expect(check(h).result).toBe('ok');
      const without = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .cas(3, 'x', [1, 3], false, [50, 51]);
      expect(check(without).result).toBe('fail');
    });

    it('keeps an unknown write alive through a chain of unknown cas', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .write(2, 'x', 2, 2)
        .cas(3, 'x', [2, 3], false, 3)
        .read(4, 'x', 1, [10, 11])
        .read(4, 'x', 3, [50, 51]);
      expect(check(h).result).toBe('ok');
    });

    it('drops unanswered reads and never lets a failed write take effect', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 1])
        .read(2, 'x', null, [2, 3], 'unknown')
        .write(2, 'x', 2, [4, 5], 'fail')
        .read(3, 'x', 2, [6, 7]);
      const verdict = check(h);
      expect(verdict.keys[0]).toMatchObject({ opsChecked: 2, opsDropped: 2 });
      expect(onlyFailure(verdict).pending.map((p) => p.op.id)).toEqual([4]);
    });
  });

  describe('partitioning by key', () => {
    it('checks each key alone and names the one that fails', () => {
      const h = new RegisterHistory()
        .write(1, 'x', 1, [0, 10])
        .write(2, 'y', 1, [0, 10])
        .read(3, 'x', 1, [11, 12])
        .read(3, 'y', null, [13, 14])
        .write(1, 'z', 5, [20, 21]);
      const verdict = check(h);
      expect(verdict.keys.map((k) => [k.key, k.result])).toEqual([
        ['x', 'ok'],
        ['y', 'fail'],
        ['z', 'ok'],
      ]);
      expect(onlyFailure(verdict).key).toBe('y');
    });

    it('does not let a value written to one key explain a read of another', () => {
      const h = new RegisterHistory().write(1, 'x', 1, [0, 10]).read(2, 'y', 1, [0, 10]);
      expect(onlyFailure(check(h)).key).toBe('y');
    });

    it('starts from the initial values it is given', () => {
      const model = createRegisterModel({ initialValues: new Map([['x', 7]]) });
      const h = new RegisterHistory().read(1, 'x', 7, [0, 1]).read(1, 'y', null, [2, 3]);
      expect(checkLinearizability(h.ops, model).result).toBe('ok');
      expect(check(h).result).toBe('fail');
    });
  });

  describe('the step budget', () => {
    // n overlapping writes of distinct values, then a read of a value nobody wrote: proving it
    // impossible means exploring every subset of the writes (2^n configurations).
    function hopeless(n: number): RegisterHistory {
      const h = new RegisterHistory();
      for (let i = 0; i < n; i++) h.write(i, 'x', i, [0, 100]);
      return h.read(n, 'x', -1, [200, 201]);
    }

    it('returns unknown, quickly, when the budget runs out', () => {
      const startedMs = performance.now();
      const verdict = check(hopeless(24), 10_000);
      expect(performance.now() - startedMs).toBeLessThan(500);
      expect(verdict.result).toBe('unknown');
      expect(verdict.keys[0]).toMatchObject({ result: 'unknown', steps: 10_000 });
    });

    it('finds the same history not linearizable when it is small enough for the budget', () => {
      const verdict = check(hopeless(8));
      expect(verdict.result).toBe('fail');
      expect(onlyFailure(verdict).longestPrefix).toHaveLength(8);
    });

    it('reports a failing key even when another key ran out of budget', () => {
      const h = hopeless(24).write(1, 'y', 1, [0, 1]).read(2, 'y', 2, [2, 3]);
      const verdict = check(h, 10_000);
      expect(verdict.result).toBe('fail');
      expect(verdict.keys.map((k) => k.result)).toEqual(['unknown', 'fail']);
    });
  });

  describe('malformed histories', () => {
    it('throws HistoryError on duplicate ids, bad timing and missing outputs', () => {
      const base = new RegisterHistory().write(1, 'x', 1, [0, 1]).ops;
      const dup: RegisterOp[] = [...base, { ...base[0]!, callMs: 5, returnMs: 6 }];
      const backwards: RegisterOp[] = [{ ...base[0]!, callMs: 5, returnMs: 4 }];
      const silent: RegisterOp[] = [
        {
          id: 1,
          clientId: 1,
          kind: 'read',
          key: 'x',
          input: null,
          callMs: 0,
          returnMs: 1,
          status: 'ok',
        },
      ];
      const codeOf = (ops: RegisterOp[]): unknown => {
        try {
          checkLinearizability(ops, registerModel);
        } catch (e) {
          return e instanceof HistoryError ? e.code : e;
        }
        return 'no error';
      };
      expect(codeOf(dup)).toBe('duplicateId');
      expect(codeOf(backwards)).toBe('badTiming');
      expect(codeOf(silent)).toBe('badOperation');
    });
  });
});
