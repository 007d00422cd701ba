import { describe, expect, it } from 'vitest';
import { checkLinearizability } from './linearizability';
import { formatLinearizabilityVerdict } from './linearizability-report';
import { registerModel } from './register';
import { RegisterHistory } from './test/register-history';

/** The report is part of a replayable seed report: its text is pinned here. */
describe('linearizability report', () => {
  it('prints the failing key, the longest prefix and the operations that cannot go next', () => {
    const h = new RegisterHistory()
      .write(1, 'x', 1, [0, 10])
      .write(2, 'x', 2, [15, 40])
      .read(3, 'x', 0, [20, 30])
      .write(4, 'x', 9, 12)
      .write(1, 'y', 'a', [0, 10])
      .read(2, 'y', 'a', [11, 12]);
    const text = formatLinearizabilityVerdict(
      checkLinearizability(h.ops, registerModel),
      registerModel,
    );
    expect(text).toBe(
      [
        'linearizability (register): FAIL — 1 of 2 keys not linearizable (22 steps)',
        'key "x": FAIL — 4 ops checked, 0 dropped, 19 steps',
        '  longest linearizable prefix: 3 of 4 ops, ending in state 2',
        '    #1    c1   write(1)                     [0, 10] ok              → 1',
        '    #4    c4   write(9)                     [12, ∞) unknown         → 9',
        '    #2    c2   write(2)                     [15, 40] ok             → 2',
        '  none of these can take effect next:',
        '    #3    c3   read → 0                     [20, 30] ok             rejected in state 2',
        '  one of them had to take effect by the return of #3 (at 30)',
      ].join('\n'),
    );
  });

  it('prints the end of the longest prefix when the budget runs out', () => {
    const h = new RegisterHistory();
    for (let i = 0; i < 20; i++) h.write(i, 'x', i, [0, 100]);
    h.read(20, 'x', -1, [200, 201]);
    const verdict = checkLinearizability(h.ops, registerModel, { stepBudgetPerKey: 1000 });
    expect(formatLinearizabilityVerdict(verdict, registerModel, { prefixOpsShown: 2 })).toBe(
      [
        'linearizability (register): UNKNOWN — step budget exhausted on 1 of 1 keys (1000 steps)',
        'key "x": UNKNOWN (step budget exhausted) — 21 ops checked, 0 dropped, 1000 steps',
        '  longest linearizable prefix: 20 of 21 ops, ending in state 19',
        '    … 18 earlier ops',
        '    #19   c18  write(18)                    [0, 100] ok             → 18',
        '    #20   c19  write(19)                    [0, 100] ok             → 19',
      ].join('\n'),
    );
  });

  it('prints one line for a linearizable history', () => {
    const h = new RegisterHistory().write(1, 'y', 'a', [0, 10]).read(2, 'y', 'a', [11, 12]);
    expect(
      formatLinearizabilityVerdict(checkLinearizability(h.ops, registerModel), registerModel),
    ).toBe('linearizability (register): ok — 1 keys, 2 ops checked (3 steps)');
  });
});
