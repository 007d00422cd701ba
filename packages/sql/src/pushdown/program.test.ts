import { describe, expect, it } from 'vitest';
import { exprOf, seededRandom, testContext } from '../eval/testing.js';
import { int } from '../eval/value.js';
import { buildScanProgram } from './builder.js';
import {
  ProgramDecodeError,
  type ScanProgramData,
  decodeProgram,
  encodeProgram,
} from './program.js';
import { sqlScanProcessor } from './processor.js';
import { pushdownSettings } from './settings.js';
import { simulateScan, testTable } from './testing.js';

const T = testTable(
  `CREATE TABLE t (id INT PRIMARY KEY, a INT, s VARCHAR(10) COLLATE utf8mb4_bin, d DATETIME(2),
     b BIT(3) )`,
  Array.from({ length: 20 }, (_, i) => ({
    id: BigInt(i),
    a: BigInt(i % 4),
    s: ['x', 'y', null][i % 3] ?? null,
    d: '2024-01-02 03:04:05.60',
    b: 5n,
  })),
);
const settings = pushdownSettings(testContext().ctx);

const base: ScanProgramData = {
  settings,
  db: 'test',
  alias: 't',
  table: 't',
  columns: T.table.columns.filter((c) => c.name === 'a' || c.name === 's'),
  project: [1, 2],
  params: [int(2)],
  exprs: 'a > ?, s, COUNT(*), MAX(s)',
  filters: 1,
  output: { kind: 'aggregate', groupBy: 1, calls: 2 },
};

describe('program bytes', () => {
  it('round-trip', () => {
    // Columns travel as what reading a stored value needs: id, name, type family and details.
    const shipped = decodeProgram(encodeProgram(base)).columns;
    expect(shipped.map((c) => [c.id, c.name, c.type.family, c.type.collation])).toEqual([
      [2, 'a', 'int', undefined],
      [3, 's', 'varchar', 'utf8mb4_bin'],
    ]);
    const dt = T.table.columns.filter((c) => c.name === 'd' || c.name === 'b');
    const more = decodeProgram(encodeProgram({ ...base, columns: dt })).columns;
    expect(more.map((c) => [c.type.family, c.type.fsp, c.type.unsigned])).toEqual([
      ['datetime', 2, undefined],
      ['bit', undefined, undefined],
    ]);
    const withFill = { ...shipped[0], fill: { hex: '00ff' } } as (typeof shipped)[number];
    expect(decodeProgram(encodeProgram({ ...base, columns: [withFill] })).columns).toEqual([
      withFill,
    ]);
    const exact = { ...base, columns: shipped };
    expect(decodeProgram(encodeProgram(exact))).toEqual(exact);
    const topN: ScanProgramData = {
      ...exact,
      project: undefined,
      exprs: 'a, s',
      filters: 0,
      output: { kind: 'topN', n: 3, desc: [true, false] },
    };
    expect(decodeProgram(encodeProgram(topN))).toEqual(topN);
    const rows: ScanProgramData = { ...exact, exprs: 'a > ?', output: { kind: 'rows', limit: 7 } };
    expect(decodeProgram(encodeProgram(rows))).toEqual(rows);
  });

  it('name what is wrong', () => {
    const good = encodeProgram(base);
    expect(() => decodeProgram(good.subarray(0, 10))).toThrow(ProgramDecodeError);
    expect(() => decodeProgram(Uint8Array.of(1, 2, 3, 4, 5))).toThrow(/bad magic/);
    const newer = good.slice();
    newer[4] = 9;
    expect(() => decodeProgram(newer)).toThrow(/version 9/);
    expect(() => decodeProgram(Uint8Array.from([...good, 0]))).toThrow(/trailing bytes/);
  });

  it('the node checks what it is asked to run, as the builder did', () => {
    const open = (p: Partial<ScanProgramData>) => () =>
      sqlScanProcessor().open(encodeProgram({ ...base, ...p }));
    expect(open({ exprs: 'a = @v, s, COUNT(*), MAX(s)' })).toThrow(/user variable/);
    expect(open({ exprs: 'a < RAND(), s, COUNT(*), MAX(s)' })).toThrow(/random/);
    expect(open({ exprs: 'a > ?, s, COUNT(*), GROUP_CONCAT(s)' })).toThrow(/GROUP_CONCAT/);
    expect(open({ exprs: 'a > ?, s, COUNT(*)' })).toThrow(/holds 3 expressions, not 4/);
    expect(open({ exprs: 'a > ?, zz, COUNT(*), MAX(s)' })).toThrow(/Unknown column 'zz'/);
    expect(open({ exprs: 'a > ? +, s' })).toThrow(/do not parse/);
    expect(open({ params: [] })).toThrow(/parameter without a value/);
    expect(open({ settings: { ...settings, collation: 'klingon_ci' } })).toThrow(
      /unknown collation/,
    );
  });

  it('garbage never crashes or hangs the processor: only Errors (500 random byte strings)', () => {
    const rnd = seededRandom(99);
    const processor = sqlScanProcessor();
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(rnd() * 80);
      const bytes = Uint8Array.from({ length }, () => Math.floor(rnd() * 256));
      if (i % 2 === 0) bytes.set([0x54, 0x53, 0x51, 0x50, 1].slice(0, length));
      expect(() => processor.open(bytes)).toThrow(Error);
    }
  });

  it('mutated real programs either run or fail with an Error (600 mutants)', () => {
    const rnd = seededRandom(5);
    const programs = [
      buildScanProgram({
        table: T.table,
        settings,
        filter: [exprOf("s = 'x' OR a + 1 > 2")],
        project: [1],
        output: { kind: 'rows', limit: 3 },
      }),
      buildScanProgram({
        table: T.table,
        settings,
        filter: [exprOf('d > 20240101')],
        output: { kind: 'topN', keys: [{ expr: exprOf('b'), desc: true }], n: 2 },
      }),
      buildScanProgram({
        table: T.table,
        settings,
        output: {
          kind: 'aggregate',
          groupBy: [exprOf('s')],
          calls: ['COUNT(*)', 'SUM(a)', 'MIN(d)', 'BIT_AND(b)'].map((c) => {
            const e = exprOf(c);
            if (e.kind !== 'call') throw new Error('call');
            return e;
          }),
        },
      }),
    ].map((spec) => spec?.program ?? new Uint8Array());
    let ran = 0;
    const failures = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const original = programs[i % programs.length] ?? new Uint8Array();
      const bytes = original.slice();
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) {
        bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      }
      const cut = rnd() < 0.2 ? bytes.subarray(0, Math.floor(rnd() * bytes.length)) : bytes;
      const result = simulateScan(sqlScanProcessor(), cut, T.rows, 6);
      if ('refused' in result) {
        const name = result.error.name;
        failures.set(name, (failures.get(name) ?? 0) + 1);
        if (!['ProgramDecodeError', 'ProgramRefusedError', 'SqlEvalError'].includes(name)) {
          throw result.error;
        }
      } else ran++;
    }
    // Many mutants hit names or literals and still run (their own program), many do not.
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(600);
  });
});
