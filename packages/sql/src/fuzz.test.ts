// The parser's promise under hostile input: it returns or throws a SqlError, never anything
// else, and never hangs. Seeded, so any failure replays.

import { describe, expect, it } from 'vitest';
import { SqlError } from './errors.js';
import { parse } from './parser.js';
import { splitStatements } from './split.js';

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

const VALID = [
  'SELECT * FROM t WHERE id = 42',
  "SELECT a, COUNT(DISTINCT b) AS n FROM t1 LEFT JOIN t2 USING (k) WHERE x BETWEEN 1 AND 2 AND s LIKE 'a%' GROUP BY a HAVING n > 1 ORDER BY n DESC LIMIT 10, 5",
  "INSERT INTO t (a, b) VALUES (1, 'x'), (2, _utf8mb4'y') ON DUPLICATE KEY UPDATE a = VALUES(a)",
  'UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END WHERE c IN (SELECT d FROM u) LIMIT 1',
  "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, v VARCHAR(10) DEFAULT 'x', PRIMARY KEY (id), KEY k (v(4))) ENGINE=InnoDB",
  '/*!40101 SET NAMES utf8mb4 */; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  "/*FORCE_MASTER*/ SELECT /*+ BKA(t) */ CAST(x AS CHAR(10)), DATE_ADD(d, INTERVAL 1 DAY), `q``x`, @@session.v, @u, ?, X'ff', b'1' FROM t",
  "ALTER TABLE t ADD COLUMN c INT AFTER b, DROP INDEX i, MODIFY d TEXT; GRANT SELECT ON db.* TO 'u'@'%'",
];

const ALPHABET = 'abcSELCTFROMWHR*(),.;\'"`?@-+/#!\\=<>|&^~ \n\t0123456789xXbN_{}:$é';
const TIME_LIMIT_MS = 1000;

function check(sql: string): void {
  const start = performance.now();
  try {
    parse(sql);
  } catch (error) {
    if (!(error instanceof SqlError))
      throw new Error(`non-SqlError for ${JSON.stringify(sql)}: ${String(error)}`);
  }
  splitStatements(sql);
  const elapsed = performance.now() - start;
  if (elapsed > TIME_LIMIT_MS)
    throw new Error(`slow (${elapsed} ms) for ${JSON.stringify(sql.slice(0, 200))}`);
}

describe('fuzz', () => {
  it('random byte strings only ever throw SqlError', () => {
    const next = rng(1);
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(next() * 80);
      let sql = '';
      for (let j = 0; j < length; j++) {
        sql +=
          next() < 0.9
            ? (ALPHABET[Math.floor(next() * ALPHABET.length)] ?? '')
            : String.fromCharCode(Math.floor(next() * 0xffff));
      }
      check(sql);
    }
  });

  it('truncations and splices of valid statements only ever throw SqlError', () => {
    const next = rng(2);
    for (const sql of VALID) {
      for (let cut = 0; cut <= sql.length; cut++) check(sql.slice(0, cut));
      for (let i = 0; i < 300; i++) {
        const a = Math.floor(next() * sql.length);
        const b = Math.floor(next() * sql.length);
        const other = VALID[Math.floor(next() * VALID.length)] ?? '';
        const c = Math.floor(next() * other.length);
        check(sql.slice(0, a) + other.slice(c) + sql.slice(b));
      }
    }
  });

  it('keyword soup only ever throws SqlError', () => {
    const words =
      'SELECT FROM WHERE AND OR NOT IN ( ) , t a 1 ? = UNION ALL JOIN ON GROUP BY ORDER LIMIT CASE WHEN THEN END EXISTS INTERVAL DAY CAST AS SET INSERT INTO VALUES CREATE TABLE INT'.split(
        ' ',
      );
    const next = rng(3);
    for (let i = 0; i < 3000; i++) {
      const n = 1 + Math.floor(next() * 25);
      const parts: string[] = [];
      for (let j = 0; j < n; j++) parts.push(words[Math.floor(next() * words.length)] ?? '');
      check(parts.join(' '));
    }
  });

  it('stays linear on large inputs', () => {
    check('SELECT ' + Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(', ') + ' FROM t');
    check("SELECT '" + 'x'.repeat(1_000_000));
    check('/*' + 'x'.repeat(1_000_000));
    expect(true).toBe(true);
  });
});
