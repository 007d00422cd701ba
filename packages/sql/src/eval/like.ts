// LIKE under a collation: `%` any run, `_` one character, an escape character (default `\`)
// making the next one literal. Characters compare by the collation's per-character fold
// (case and accents for _ai_ci); trailing spaces are significant, as in MySQL's LIKE.
// Binary operands compare code units exactly.

import { type Collation, sortKey } from '../encoding/key-codec.js';

/** Folds one character as the collation compares it, ignoring PAD SPACE. */
function folder(collation: Collation | undefined): (c: string) => string {
  if (collation === undefined || (!collation.ci && !collation.ai)) return (c) => c;
  const noPad: Collation = { ...collation, padSpace: false };
  return (c) => sortKey(c, noPad);
}

type PatternItem =
  | { readonly kind: 'any' }
  | { readonly kind: 'one' }
  | { readonly kind: 'char'; readonly c: string };

function compile(
  pattern: readonly string[],
  escape: string | undefined,
  fold: (c: string) => string,
): PatternItem[] {
  const items: PatternItem[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (escape !== undefined && c === escape && i + 1 < pattern.length) {
      items.push({ kind: 'char', c: fold(pattern[++i] ?? '') });
    } else if (c === '%') {
      if (items.at(-1)?.kind !== 'any') items.push({ kind: 'any' });
    } else if (c === '_') {
      items.push({ kind: 'one' });
    } else {
      items.push({ kind: 'char', c: fold(c) });
    }
  }
  return items;
}

/** Whether `text` matches `pattern`; `collation` undefined for a binary comparison. */
export function likeMatch(
  text: string,
  pattern: string,
  escape: string | undefined,
  collation: Collation | undefined,
): boolean {
  const fold = folder(collation);
  const s = Array.from(text, fold);
  const p = compile(Array.from(pattern), escape, fold);
  // Iterative matcher with single backtrack point per `%` (linear in practice).
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const item = p[pi];
    if (item !== undefined && (item.kind === 'one' || (item.kind === 'char' && item.c === s[si]))) {
      si++;
      pi++;
    } else if (item !== undefined && item.kind === 'any') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (p[pi]?.kind === 'any') pi++;
  return pi === p.length;
}
