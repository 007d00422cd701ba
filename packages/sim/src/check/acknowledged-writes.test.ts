import { describe, expect, it } from 'vitest';
import type { AcknowledgedWrite } from './acknowledged-writes';
import { checkAcknowledgedWrites, formatAcknowledgedWritesVerdict } from './acknowledged-writes';
import type { RegisterValue } from './register';

const ack = (key: string, value: RegisterValue | null, commitTs: number): AcknowledgedWrite => ({
  key,
  value,
  commitTs,
  opId: commitTs,
});

const final = (entries: Record<string, RegisterValue | null>) => new Map(Object.entries(entries));

describe('no acknowledged write lost', () => {
  it('accepts a final state showing the latest acknowledged write of every key', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [ack('x', 'a', 1), ack('x', 'b', 5), ack('y', 'c', 3), ack('z', null, 4)],
      finalState: final({ x: 'b', y: 'c' }),
    });
    expect(verdict).toMatchObject({ result: 'ok', keysChecked: 3, acknowledgedWrites: 4 });
  });

  it('reports a lost write whose older value reappeared', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [ack('x', 'a', 1), ack('x', 'b', 5)],
      finalState: final({ x: 'a' }),
    });
    expect(verdict.violations).toEqual([
      {
        kind: 'lost',
        key: 'x',
        write: ack('x', 'b', 5),
        found: 'a',
        foundWriter: ack('x', 'a', 1),
      },
    ]);
    expect(formatAcknowledgedWritesVerdict(verdict)).toBe(
      [
        'acknowledged writes: FAIL — 1 violations (2 acknowledged writes over 1 keys)',
        '  key "x": lost write #5 of "b" at commit 5; final value "a" (the older write #1 of "a" at commit 1 reappeared)',
      ].join('\n'),
    );
  });

  it('reports a lost write whose key vanished', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [ack('x', 'a', 1)],
      finalState: final({}),
    });
    expect(verdict.violations).toMatchObject([{ kind: 'lost', key: 'x', found: null }]);
  });

  it('accepts a write superseded by a write of unknown outcome', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [ack('x', 'a', 1)],
      uncertain: [{ key: 'x', value: 'u' }],
      finalState: final({ x: 'u' }),
    });
    expect(verdict.result).toBe('ok');
  });

  it('reports a value that nothing wrote, and accepts the initial one', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [],
      uncertain: [{ key: 'y', value: 'u' }],
      finalState: final({ x: 'ghost', y: 'u', z: 'seed' }),
      initialState: final({ z: 'seed' }),
    });
    expect(verdict.violations).toEqual([{ kind: 'unexplained', key: 'x', found: 'ghost' }]);
  });

  it('reports two acknowledged writes to one key at one commit timestamp', () => {
    const verdict = checkAcknowledgedWrites({
      acknowledged: [ack('x', 'a', 4), ack('x', 'b', 4)],
      finalState: final({ x: 'b' }),
    });
    expect(verdict.violations.map((v) => v.kind)).toEqual(['sameCommitTs']);
  });
});
