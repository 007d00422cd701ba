import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { b, engineKinds, s } from '../../test/engines';
import type { EngineUnderTest } from '../../test/engines';
import type { KvEngine } from '../engine/kv-engine';
import { MvccStore } from './mvcc-store';
import type { MvccCommand, ScanProcessor, ScanProgramSpec, ScanResult } from './types';

/**
 * Scan programs through MvccStore.scan with toy processors: what the program is shown (visible
 * rows only), what the answer carries (its outputs, locks, a resume key), the per-request
 * examine budget, stopping early, and refusals instead of exceptions.
 */

const space = 3;

/** Every row the programs of a test were shown, as `key=value` (copied during the call). */
let seen: string[] = [];

/**
 * 'keep': program = [byte, stopAfter?]: keeps rows whose value starts with `byte`, and says
 * stop once it kept `stopAfter` rows. Refuses any other program length.
 */
const keep: ScanProcessor = {
  open(program) {
    if (program.length !== 1 && program.length !== 2) {
      throw new Error(`keep: program of ${program.length} bytes`);
    }
    const [wanted, stopAfter] = program;
    const kept: { key: Uint8Array; value: Uint8Array }[] = [];
    return {
      row(key, value) {
        seen.push(`${s(key)}=${s(value)}`);
        if (value[0] === wanted) kept.push({ key: key.slice(), value: value.slice() });
        return stopAfter !== undefined && kept.length >= stopAfter;
      },
      finish: () => kept,
    };
  },
};

/** 'count': one output, `count` = the number of rows shown. */
const count: ScanProcessor = {
  open() {
    let n = 0;
    return {
      row(key, value) {
        seen.push(`${s(key)}=${s(value)}`);
        n++;
        return false;
      },
      finish: () => [{ key: b('count'), value: b(String(n)) }],
    };
  },
};

const throwsInRow: ScanProcessor = {
  open: () => ({
    row() {
      throw new Error('row exploded');
    },
    finish: () => [],
  }),
};

const throwsInFinish: ScanProcessor = {
  open: () => ({
    row: () => false,
    finish() {
      // A processor may throw anything, not only Errors.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'finish exploded';
    },
  }),
};

const processors = new Map<string, ScanProcessor>([
  ['keep', keep],
  ['count', count],
  ['throwsInRow', throwsInRow],
  ['throwsInFinish', throwsInFinish],
]);

const keepX = (stopAfter?: number): ScanProgramSpec => ({
  processor: 'keep',
  program: stopAfter === undefined ? b('x') : Uint8Array.of(b('x')[0] ?? 0, stopAfter),
});
const counting: ScanProgramSpec = { processor: 'count', program: new Uint8Array(0) };

describe.each(engineKinds)('scan programs on $name', (kind) => {
  let under: EngineUnderTest;
  let engine: KvEngine;
  let store: MvccStore;
  let appliedIndex = 0;

  beforeEach(async () => {
    under = kind.create();
    engine = under.engine;
    store = new MvccStore(engine, { scanProcessors: processors });
    appliedIndex = 0;
    seen = [];
    const batch = engine.newBatch();
    store.createSpace(batch, space);
    await engine.commit(batch);
  });
  afterEach(async () => {
    await under.dispose();
  });

  async function apply(commands: MvccCommand[]): Promise<void> {
    const batch = engine.newBatch();
    const result = store.apply(batch, space, { index: ++appliedIndex, term: 1, commands });
    if (result.kind !== 'applied') throw new Error(result.kind);
    expect(result.results.every((r) => r.kind === 'ok')).toBe(true);
    await engine.commit(batch);
  }

  /** Committed versions: [key, value or null for a delete, commitTs]. */
  async function versions(rows: [string, string | null, number][]): Promise<void> {
    await apply(
      rows.map(([key, value, commitTs]) =>
        value === null
          ? { kind: 'putVersion', key: b(key), commitTs, op: 'delete' }
          : { kind: 'putVersion', key: b(key), commitTs, op: 'put', value: b(value) },
      ),
    );
  }

  const outputs = (r: ScanResult): string[] => {
    if (r.kind !== 'rows') return [r.kind];
    expect(r.rows.every((row) => row.commitTs === 0)).toBe(true);
    return r.rows.map((row) => `${s(row.key)}=${s(row.value)}`);
  };

  it('answers the outputs of the program instead of the rows', async () => {
    await versions([
      ['a', 'x1', 5],
      ['b', 'y1', 5],
      ['c', 'x2', 5],
      ['d', 'y2', 5],
    ]);
    const r = store.scan(space, undefined, undefined, 10, { limit: 100, program: keepX() });
    expect(outputs(r)).toEqual(['a=x1', 'c=x2']);
    expect(r.kind === 'rows' ? [r.locks, r.resumeKey] : []).toEqual([[], undefined]);
    expect(seen).toEqual(['a=x1', 'b=y1', 'c=x2', 'd=y2']);
    seen = [];
    const rev = store.scan(space, b('b'), undefined, 10, {
      limit: 100,
      reverse: true,
      program: counting,
    });
    expect(outputs(rev)).toEqual(['count=3']);
    expect(seen).toEqual(['d=y2', 'c=x2', 'b=y1']);
  });

  it('shows the program only the newest visible version of each key', async () => {
    await versions([
      ['a', 'x-old', 5],
      ['a', 'x-new', 20],
      ['b', 'x-b', 5],
      ['b', null, 8], // deleted before the read
      ['c', 'x-c', 30], // written after the read
      ['d', 'x-d', 5],
      ['d', null, 30], // deleted after the read
    ]);
    const r = store.scan(space, undefined, undefined, 25, { limit: 100, program: counting });
    expect(outputs(r)).toEqual(['count=2']);
    expect(seen).toEqual(['a=x-new', 'd=x-d']);
  });

  it('bounds the rows examined per request and resumes in both directions', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    // Invisible keys (a tombstone) are read through without counting against the budget.
    await versions([
      ...keys.map((k, i): [string, string, number] => [k, i % 2 === 1 ? 'y' : 'x', 5]),
    ]);
    await versions([['k2b', null, 6]]);
    const pages = (reverse: boolean): { outputs: string[]; resumes: (string | undefined)[] } => {
      const got: string[] = [];
      const resumes: (string | undefined)[] = [];
      let start: Uint8Array | undefined;
      let end: Uint8Array | undefined;
      for (let i = 0; i < 10; i++) {
        const r = store.scan(space, start, end, 10, { limit: 2, reverse, program: keepX() });
        if (r.kind !== 'rows') throw new Error(r.kind);
        got.push(...outputs(r));
        resumes.push(r.resumeKey === undefined ? undefined : s(r.resumeKey));
        if (r.resumeKey === undefined) break;
        if (reverse) end = r.resumeKey;
        else start = r.resumeKey;
      }
      return { outputs: got, resumes };
    };
    // Forward: resume just after the last examined key (its successor, key + 0x00).
    expect(pages(false)).toEqual({
      outputs: ['k1=x', 'k3=x', 'k5=x'],
      resumes: ['k2\0', 'k4\0', undefined],
    });
    expect(seen).toEqual(keys.map((k, i) => `${k}=${i % 2 === 1 ? 'y' : 'x'}`));
    seen = [];
    // Reverse: the last examined key becomes the next exclusive end.
    expect(pages(true)).toEqual({
      outputs: ['k5=x', 'k3=x', 'k1=x'],
      resumes: ['k4', 'k2', undefined],
    });
  });

  it('stops where the program says it has enough', async () => {
    await versions([
      ['a', 'x', 5],
      ['b', 'y', 5],
      ['c', 'x', 5],
      ['d', 'x', 5],
      ['e', 'x', 5],
    ]);
    const fwd = store.scan(space, undefined, undefined, 10, { limit: 100, program: keepX(2) });
    expect(outputs(fwd)).toEqual(['a=x', 'c=x']);
    expect(fwd.kind === 'rows' ? s(fwd.resumeKey) : '').toBe('c\0');
    expect(seen).toEqual(['a=x', 'b=y', 'c=x']);
    const rev = store.scan(space, undefined, undefined, 10, {
      limit: 100,
      reverse: true,
      program: keepX(2),
    });
    expect(outputs(rev)).toEqual(['e=x', 'd=x']);
    expect(rev.kind === 'rows' ? s(rev.resumeKey) : '').toBe('d');
    // Enough at the last key of the range: the range is exhausted, nothing to resume.
    const last = store.scan(space, b('d'), undefined, 10, { limit: 100, program: keepX(2) });
    expect(outputs(last)).toEqual(['d=x', 'e=x']);
    expect(last.kind === 'rows' ? last.resumeKey : 'x').toBeUndefined();
  });

  it('reports locks met, with no outputs, and counts them against the budget', async () => {
    await versions([
      ['a', 'x', 5],
      ['b', 'x', 5],
      ['c', 'x', 5],
      ['d', 'x', 5],
    ]);
    await apply([
      { kind: 'prewrite', key: b('b'), startTs: 50, primary: b('b'), op: 'put', value: b('x2') },
      { kind: 'prewrite', key: b('d'), startTs: 50, primary: b('b'), op: 'delete' },
    ]);
    const all = store.scan(space, undefined, undefined, 60, { limit: 100, program: counting });
    expect(all.kind === 'rows' ? all.rows : 'x').toEqual([]);
    expect(all.kind === 'rows' ? all.locks.map((l) => s(l.key)) : []).toEqual(['b', 'd']);
    // After the first lock the outputs are no answer: the program is not fed any more.
    expect(seen).toEqual(['a=x']);
    const budget = store.scan(space, undefined, undefined, 60, { limit: 2, program: counting });
    expect(budget.kind === 'rows' ? budget.locks.map((l) => s(l.key)) : []).toEqual(['b']);
    expect(budget.kind === 'rows' ? s(budget.resumeKey) : '').toBe('b\0');
    // The lock of a txn that started after the read is invisible.
    seen = [];
    const before = store.scan(space, undefined, undefined, 40, { limit: 100, program: counting });
    expect(outputs(before)).toEqual(['count=4']);
    expect(before.kind === 'rows' ? before.locks : 'x').toEqual([]);
  });

  it('answers programRefused, never throws, when the program cannot run', async () => {
    await versions([['a', 'x', 5]]);
    const scan = (program: ScanProgramSpec, on = store): ScanResult =>
      on.scan(space, undefined, undefined, 10, { limit: 10, program });
    expect(scan({ processor: 'nope', program: b('x') })).toEqual({
      kind: 'programRefused',
      reason: "no scan processor 'nope' on this node",
    });
    expect(scan({ processor: 'keep', program: b('xyz') })).toEqual({
      kind: 'programRefused',
      reason: 'keep: program of 3 bytes',
    });
    expect(scan({ processor: 'throwsInRow', program: b('') })).toEqual({
      kind: 'programRefused',
      reason: 'row exploded',
    });
    expect(scan({ processor: 'throwsInFinish', program: b('') })).toEqual({
      kind: 'programRefused',
      reason: 'finish exploded',
    });
    // A store built without processors (the one-argument form) knows none.
    expect(scan(keepX(), new MvccStore(engine)).kind).toBe('programRefused');
    // The space and the safe point are checked first, as for a plain scan.
    expect(store.scan(99, undefined, undefined, 10, { limit: 10, program: keepX() }).kind).toBe(
      'spaceNotFound',
    );
  });

  it('leaves the plain scan as it was', async () => {
    await versions([
      ['a', 'x', 5],
      ['b', 'y', 5],
    ]);
    const r = store.scan(space, undefined, undefined, 10, { limit: 1 });
    expect(r.kind === 'rows' ? r.rows.map((row) => [s(row.key), row.commitTs]) : []).toEqual([
      ['a', 5],
    ]);
    expect(seen).toEqual([]);
  });
});
