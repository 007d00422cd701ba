// Hint comments: the only comments that survive lexing.
//
//   /*+ MAX_EXECUTION_TIME(1000) INDEX(t idx_a) */   optimizer hints (MySQL 8)
//   /*FORCE_MASTER*/  /*FORCE_SLAVE*/                 routing hints (PolarDB proxy)
//
// An optimizer comment holding several hints yields one `Hint` per hint, all sharing `text`.

import type { Hint } from './ast.js';

const ROUTING_HINTS = new Set(['FORCE_MASTER', 'FORCE_SLAVE']);
const OPTIMIZER_HINT = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?/g;

/** The hints in the comment `text[start, end)` (which includes `/*` and `*\/`), if any. */
export function parseHintComment(text: string, start: number, end: number): Hint[] | undefined {
  const marker = text.charCodeAt(start + 2);
  const raw = text.slice(start, end);
  if (marker === 43 /* + */) {
    const body = text.slice(start + 3, end - 2);
    const hints: Hint[] = [];
    for (const match of body.matchAll(OPTIMIZER_HINT)) {
      const name = (match[1] ?? '').toUpperCase();
      const inner = match[2];
      const args = inner === undefined ? [] : inner.split(/[\s,]+/).filter((arg) => arg.length > 0);
      hints.push({ kind: 'optimizer', name, args, text: raw });
    }
    if (hints.length === 0) hints.push({ kind: 'optimizer', name: '', args: [], text: raw });
    return hints;
  }
  // Cheap pre-check before trimming: routing hints are short.
  if (end - start > 40) return undefined;
  const name = text
    .slice(start + 2, end - 2)
    .trim()
    .toUpperCase();
  if (!ROUTING_HINTS.has(name)) return undefined;
  return [{ kind: 'routing', name, args: [], text: raw }];
}
