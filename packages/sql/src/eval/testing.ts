// Test helpers shared by the evaluator's tests (not exported from the package): evaluate the
// first select item of `SELECT <expr>` in a fixed, seeded context.

import type { Expr } from '../ast.js';
import { parse } from '../parser.js';
import { type ContextOptions, type EvalContext, createContext } from './context.js';
import { toText } from './convert.js';
import type { EvalWarning } from './errors.js';
import { evaluate } from './evaluate.js';
import type { SqlValue } from './value.js';

/** 2024-03-15 10:20:30.123456 UTC (a Friday). */
export const NOW_MICROS = 1_710_498_030_123_456n;

/** A small seeded generator (mulberry32) for RAND() / UUID() in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function exprOf(sql: string): Expr {
  const stmt = parse(`SELECT ${sql}`);
  if (stmt.kind !== 'select') throw new Error('not a select');
  const item = stmt.columns[0];
  if (item?.kind !== 'expr') throw new Error('no expression');
  return item.expr;
}

export function testContext(options: Partial<ContextOptions> = {}): {
  ctx: EvalContext;
  warnings: EvalWarning[];
} {
  const warnings: EvalWarning[] = [];
  const ctx = createContext({
    nowMicros: NOW_MICROS,
    random: seededRandom(42),
    warnings,
    ...options,
  });
  return { ctx, warnings };
}

export interface Outcome {
  readonly value: SqlValue;
  /** The text-protocol rendering (null for NULL). */
  readonly text: string | null;
  readonly warnings: readonly EvalWarning[];
}

export function run(sql: string, options: Partial<ContextOptions> = {}): Outcome {
  const { ctx, warnings } = testContext(options);
  const value = evaluate(exprOf(sql), ctx);
  return { value, text: toText(value), warnings };
}

/** The text of `SELECT <sql>` (null for NULL). */
export function text(sql: string, options: Partial<ContextOptions> = {}): string | null {
  return run(sql, options).text;
}

/** The MySQL error code `SELECT <sql>` fails with, or undefined. */
export function errorCode(sql: string): number | undefined {
  try {
    run(sql);
    return undefined;
  } catch (error) {
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      typeof error.code === 'number'
    ) {
      return error.code;
    }
    throw error;
  }
}
