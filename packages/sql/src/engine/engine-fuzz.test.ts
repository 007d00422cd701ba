// Random SQL through the whole engine (parser, binder, evaluator, executors, transactions),
// over tables with rows in local MVCC slices. The promise under test, for any statement text:
//   - it answers with a result or a MySQL error; never an exception (the gateway would turn one
//     into 1105 "unknown error"), never 1105 itself, never a hang;
//   - a statement that fails changes nothing (the tables read the same before and after);
//   - the session stays usable.
// Seeded: a failure names its seed and statement, and replays.
import { describe, expect, it } from 'vitest';
import { toText } from '../eval/convert.js';
import type { SqlSession, StatementOutcome } from './session.js';
import { run, session } from './test/sql-session.js';

/** mulberry32: small, seeded, good enough to spread inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEMA = [
  'CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b VARCHAR(20), c DECIMAL(10,2), d DATETIME, KEY ka (a))',
  "CREATE TABLE t2 (k VARCHAR(10) NOT NULL, n BIGINT UNSIGNED DEFAULT 7, f DOUBLE, e ENUM('x','y','z'), PRIMARY KEY (k), UNIQUE KEY un (n))",
  'CREATE TABLE t3 (id INT AUTO_INCREMENT PRIMARY KEY, j JSON, t TEXT, dt DATE, tm TIME, bl BLOB)',
];

const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  t1: ['id', 'a', 'b', 'c', 'd'],
  t2: ['k', 'n', 'f', 'e'],
  t3: ['id', 'j', 't', 'dt', 'tm', 'bl'],
};
const TABLES = Object.keys(COLUMNS);

const LITERALS = [
  'NULL',
  '0',
  '1',
  '-1',
  '42',
  '2147483647',
  '-2147483649',
  '18446744073709551615',
  '99999999999999999999999',
  '1.5',
  '-0.005',
  '1e308',
  '-1e-300',
  "''",
  "'a'",
  "'A'",
  "'abc'",
  "'x'",
  "'y'",
  "' padded '",
  "'2024-02-29 12:30:45'",
  "'2024-13-45'",
  "'0000-00-00'",
  "'12:34:56'",
  '\'{"a": [1, 2, {"b": null}]}\'',
  "'not json'",
  "X'00ff'",
  "b'101'",
  'TRUE',
  'FALSE',
  "_utf8mb4'ü'",
  "'%'",
  "'\\\\'",
];

/** Functions with how many arguments they take (min, max). */
const FUNCTIONS: readonly (readonly [string, number, number])[] = [
  ['ABS', 1, 1],
  ['CONCAT', 1, 3],
  ['LENGTH', 1, 1],
  ['UPPER', 1, 1],
  ['LOWER', 1, 1],
  ['SUBSTRING', 2, 3],
  ['COALESCE', 1, 3],
  ['IFNULL', 2, 2],
  ['NULLIF', 2, 2],
  ['ROUND', 1, 2],
  ['FLOOR', 1, 1],
  ['CEIL', 1, 1],
  ['MOD', 2, 2],
  ['GREATEST', 2, 3],
  ['LEAST', 2, 3],
  ['DATE_ADD', 2, 2],
  ['DATEDIFF', 2, 2],
  ['YEAR', 1, 1],
  ['HEX', 1, 1],
  ['REPLACE', 3, 3],
  ['TRIM', 1, 1],
  ['CAST', 1, 1],
  ['JSON_EXTRACT', 2, 2],
  ['IF', 3, 3],
  ['CHAR_LENGTH', 1, 1],
  ['LPAD', 3, 3],
  ['SIGN', 1, 1],
  ['POW', 2, 2],
  ['SQRT', 1, 1],
  ['CONCAT_WS', 2, 4],
  ['DATE_FORMAT', 2, 2],
  ['STR_TO_DATE', 2, 2],
  ['UNIX_TIMESTAMP', 1, 1],
  ['FROM_UNIXTIME', 1, 1],
  ['INSTR', 2, 2],
  ['LEFT', 2, 2],
  ['REVERSE', 1, 1],
  ['TRUNCATE', 2, 2],
  ['CONV', 3, 3],
  ['JSON_OBJECT', 2, 2],
  ['JSON_ARRAY', 1, 3],
  ['FIELD', 2, 4],
  ['ELT', 2, 3],
  ['TIMESTAMPDIFF', 3, 3],
  ['WEEKDAY', 1, 1],
  ['LAST_DAY', 1, 1],
];

const BINARY_OPS = [
  '+',
  '-',
  '*',
  '/',
  'DIV',
  '%',
  '=',
  '<>',
  '<',
  '>=',
  '<=>',
  'AND',
  'OR',
  'XOR',
  '&',
  '|',
  '<<',
  'LIKE',
  'REGEXP',
];
const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'GROUP_CONCAT', 'COUNT(DISTINCT'];

class Gen {
  constructor(private readonly r: () => number) {}

  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('empty choice');
    return x;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }

  column(tables: readonly string[]): string {
    const t = this.pick(tables);
    const c = this.pick(COLUMNS[t] ?? []);
    return tables.length > 1 || this.chance(0.2) ? `${t}.${c}` : c;
  }

  expr(tables: readonly string[], depth = 0): string {
    const roll = this.int(depth > 2 ? 3 : 12);
    switch (roll) {
      case 0:
        return this.pick(LITERALS);
      case 1:
      case 2:
        return tables.length === 0 ? this.pick(LITERALS) : this.column(tables);
      case 3:
      case 4:
        return `(${this.expr(tables, depth + 1)} ${this.pick(BINARY_OPS)} ${this.expr(tables, depth + 1)})`;
      case 5: {
        const [f, min, max] = this.pick(FUNCTIONS);
        if (f === 'CAST') {
          const to = this.pick(['SIGNED', 'UNSIGNED', 'CHAR(3)', 'DECIMAL(5,2)', 'DATE', 'JSON']);
          return `CAST(${this.expr(tables, depth + 1)} AS ${to})`;
        }
        if (f === 'DATE_ADD')
          return `DATE_ADD(${this.expr(tables, depth + 1)}, INTERVAL ${this.int(40) - 20} DAY)`;
        if (f === 'TIMESTAMPDIFF') {
          return `TIMESTAMPDIFF(${this.pick(['SECOND', 'DAY', 'MONTH'])}, ${this.expr(tables, depth + 1)}, ${this.expr(tables, depth + 1)})`;
        }
        const n = min + this.int(max - min + 1);
        return `${f}(${Array.from({ length: n }, () => this.expr(tables, depth + 1)).join(', ')})`;
      }
      case 6:
        return `${this.expr(tables, depth + 1)} IS ${this.chance(0.5) ? 'NOT ' : ''}NULL`;
      case 7:
        return `${this.expr(tables, depth + 1)} ${this.chance(0.3) ? 'NOT ' : ''}IN (${this.expr(tables, depth + 1)}, ${this.pick(LITERALS)})`;
      case 8:
        return `${this.expr(tables, depth + 1)} BETWEEN ${this.pick(LITERALS)} AND ${this.pick(LITERALS)}`;
      case 9:
        return `CASE WHEN ${this.expr(tables, depth + 1)} THEN ${this.expr(tables, depth + 1)} ELSE ${this.expr(tables, depth + 1)} END`;
      case 10: {
        const t = this.pick(TABLES);
        const kind = this.int(3);
        const sub = `SELECT ${this.pick(COLUMNS[t] ?? [])} FROM ${t} WHERE ${this.expr([t], depth + 2)} LIMIT ${this.int(3)}`;
        if (kind === 0) return `(${sub})`;
        if (kind === 1) return `EXISTS (${sub})`;
        return `${this.expr(tables, depth + 1)} IN (${sub})`;
      }
      default:
        return `${this.chance(0.5) ? '-' : 'NOT '}${this.expr(tables, depth + 1)}`;
    }
  }

  select(): string {
    const count = this.int(3);
    const tables = Array.from({ length: count }, () => this.pick(TABLES)).filter(
      (t, i, all) => all.indexOf(t) === i,
    );
    const grouped = tables.length > 0 && this.chance(0.3);
    const items = Array.from({ length: 1 + this.int(3) }, () => {
      if (grouped && this.chance(0.5)) {
        const agg = this.pick(AGGREGATES);
        return agg === 'COUNT(DISTINCT'
          ? `COUNT(DISTINCT ${this.expr(tables)})`
          : `${agg}(${this.expr(tables)})`;
      }
      return this.expr(tables);
    });
    if (tables.length > 0 && this.chance(0.15)) items.push('*');
    let sql = `SELECT ${this.chance(0.15) ? 'DISTINCT ' : ''}${items.join(', ')}`;
    if (tables.length > 0) {
      const [first, ...rest] = tables;
      sql += ` FROM ${first ?? ''}`;
      for (const t of rest) {
        const join = this.pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'CROSS JOIN', ',']);
        sql +=
          join === ',' || join === 'CROSS JOIN'
            ? ` ${join === ',' ? ',' : 'CROSS JOIN'} ${t}`
            : ` ${join} ${t} ON ${this.expr(tables)}`;
      }
    }
    if (this.chance(0.7)) sql += ` WHERE ${this.expr(tables)}`;
    if (grouped) sql += ` GROUP BY ${this.expr(tables)}`;
    if (grouped && this.chance(0.3)) sql += ` HAVING ${this.expr(tables)}`;
    if (this.chance(0.3))
      sql += ` ORDER BY ${this.chance(0.5) ? '1' : this.expr(tables)} ${this.pick(['', 'DESC'])}`;
    if (this.chance(0.3))
      sql += ` LIMIT ${this.int(5)}${this.chance(0.3) ? ` OFFSET ${this.int(3)}` : ''}`;
    if (this.chance(0.1)) sql = `${sql} UNION ${this.chance(0.5) ? 'ALL ' : ''}${sql}`;
    return sql;
  }

  write(): string {
    const t = this.pick(TABLES);
    const cols = COLUMNS[t] ?? [];
    switch (this.int(5)) {
      case 0:
      case 1: {
        const chosen = cols.filter(() => this.chance(0.6));
        const rowsOf = () => `(${chosen.map(() => this.expr([], 1)).join(', ')})`;
        const values = Array.from({ length: 1 + this.int(3) }, rowsOf).join(', ');
        const verb = this.pick(['INSERT', 'INSERT IGNORE', 'REPLACE']);
        let sql = `${verb} INTO ${t} (${chosen.join(', ')}) VALUES ${values}`;
        if (verb === 'INSERT' && chosen.length > 0 && this.chance(0.3)) {
          sql += ` ON DUPLICATE KEY UPDATE ${this.pick(chosen)} = ${this.expr([t], 1)}`;
        }
        return sql;
      }
      case 2:
        return `UPDATE ${t} SET ${this.pick(cols)} = ${this.expr([t])}${this.chance(0.7) ? ` WHERE ${this.expr([t])}` : ''}${this.chance(0.2) ? ` ORDER BY ${this.pick(cols)} LIMIT ${this.int(3)}` : ''}`;
      case 3:
        return `DELETE FROM ${t} WHERE ${this.expr([t])}${this.chance(0.2) ? ` LIMIT ${this.int(3)}` : ''}`;
      default:
        return `INSERT INTO ${t} SELECT * FROM ${this.pick(TABLES)} WHERE ${this.expr(TABLES.slice(0, 1))} LIMIT 1`;
    }
  }

  /** A statement, sometimes mangled: a token dropped, duplicated or cut short. */
  statement(): string {
    const sql = this.chance(0.55) ? this.select() : this.write();
    if (!this.chance(0.15)) return sql;
    const words = sql.split(' ');
    const i = this.int(words.length);
    switch (this.int(3)) {
      case 0:
        words.splice(i, 1);
        break;
      case 1:
        words.splice(i, 0, words[i] ?? '');
        break;
      default:
        return sql.slice(0, this.int(sql.length));
    }
    return words.join(' ');
  }
}

async function outcomes(s: SqlSession, sql: string): Promise<StatementOutcome[]> {
  const out: StatementOutcome[] = [];
  for await (const r of s.execute(sql, false)) out.push(r);
  return out;
}

/** Every table's rows in key order, as text: what a failed statement must leave untouched. */
async function contents(s: SqlSession): Promise<string> {
  const parts: string[] = [];
  for (const t of TABLES) {
    const [out] = await outcomes(s, `SELECT * FROM ${t} ORDER BY 1`);
    if (out?.kind !== 'rows') throw new Error(`reading ${t}: ${JSON.stringify(out)}`);
    parts.push(JSON.stringify(out.rows.map((r) => r.map((v) => toText(v)))));
  }
  return parts.join('\n');
}

const STATEMENT_LIMIT_MS = 5_000;

async function withLimit<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`hung for ${STATEMENT_LIMIT_MS} ms: ${what}`));
    }, STATEMENT_LIMIT_MS);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** CI runs three seeds; widen the range for a longer local hunt (30 seeds take ~40 s). */
const SEEDS = [1, 2, 3];

describe('random SQL through the engine', () => {
  it.each(SEEDS)(
    'seed %i: every statement answers a result or a MySQL error, and a failed one changes nothing',
    async (seed) => {
      const s = await session();
      for (const ddl of SCHEMA) await run(s, ddl);
      await run(
        s,
        "INSERT INTO t1 VALUES (1, 10, 'a', 1.50, '2024-01-01 00:00:00'), (2, NULL, 'B', -3, NULL), (3, 10, 'abc', 0, '2023-12-31 23:59:59'), (4, -7, '', 99999999.99, '2024-02-29 12:00:00')",
      );
      await run(
        s,
        "INSERT INTO t2 VALUES ('x', 1, 1.5, 'x'), ('Y', 2, -0.25, 'y'), ('z', NULL, NULL, NULL)",
      );
      await run(
        s,
        "INSERT INTO t3 (j, t, dt, tm, bl) VALUES ('{\"a\": 1}', 'text', '2024-01-02', '10:00:00', X'00'), (NULL, NULL, NULL, NULL, NULL)",
      );
      const gen = new Gen(rng(seed));
      const seen = { rows: 0, ok: 0, errors: 0 };
      const codes = new Map<number, number>();
      for (let i = 0; i < 400; i++) {
        const sql = gen.statement();
        const before = await contents(s);
        let out: StatementOutcome[];
        try {
          out = await withLimit(outcomes(s, sql), sql);
        } catch (error) {
          throw new Error(`seed ${seed} #${i}: ${sql}\n  threw ${String(error)}`, {
            cause: error,
          });
        }
        expect(out, `seed ${seed} #${i}: ${sql}`).toHaveLength(1);
        const [result] = out;
        if (result?.kind === 'error') {
          seen.errors++;
          codes.set(result.errno, (codes.get(result.errno) ?? 0) + 1);
          expect(result.errno, `seed ${seed} #${i}: ${sql} → ${result.message}`).not.toBe(1105);
          expect(result.sqlState, sql).toMatch(/^[0-9A-Z]{5}$/);
          expect(await contents(s), `seed ${seed} #${i}: failed, yet changed data: ${sql}`).toBe(
            before,
          );
        } else if (result?.kind === 'rows') {
          seen.rows++;
        } else {
          seen.ok++;
        }
      }
      // The generator reaches all three outcomes (a fuzzer that only makes syntax errors
      // tests nothing).
      expect(seen.rows).toBeGreaterThan(50);
      expect(seen.ok).toBeGreaterThan(20);
      expect(seen.errors).toBeGreaterThan(20);
      expect(codes.size).toBeGreaterThan(3);
      // And the session still works.
      const [sane] = await outcomes(s, 'SELECT COUNT(*) FROM t1');
      expect(sane?.kind).toBe('rows');
    },
    120_000,
  );
});
