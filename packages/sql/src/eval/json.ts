// JSON values as MySQL's JSON type holds them: objects keep one member per key (the last one
// written wins) with keys sorted by length then bytes, as MySQL's binary JSON stores them, and
// print as `{"a": 1, "b": [1, 2]}` (MySQL's spacing). Paths: `$`, `.key`, `."quoted key"`,
// `[n]`, `[last]`, `.*`, `[*]` (wildcards make the result an array).

import { SqlEvalError } from './errors.js';

export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json;
}

export function isJsonObject(j: Json): j is JsonObject {
  return j !== null && typeof j === 'object' && !Array.isArray(j);
}

function compareKeys(a: string, b: string): number {
  const la = utf8Length(a);
  const lb = utf8Length(b);
  if (la !== lb) return la - lb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Rebuilds objects with MySQL's key order. */
export function normalizeJson(j: unknown): Json {
  if (j === null || typeof j === 'boolean' || typeof j === 'number' || typeof j === 'string') {
    return j;
  }
  if (Array.isArray(j)) return j.map((x: unknown) => normalizeJson(x));
  if (typeof j === 'object') {
    const entries = Object.entries(j as Record<string, unknown>).sort(([a], [b]) =>
      compareKeys(a, b),
    );
    const out: Record<string, Json> = {};
    for (const [k, v] of entries) out[k] = normalizeJson(v);
    return out;
  }
  return null;
}

/** Parses JSON text; throws 3141 naming the function and argument position. */
export function parseJson(text: string, fn: string, argPos: number): Json {
  try {
    return normalizeJson(JSON.parse(text));
  } catch (error) {
    throw new SqlEvalError(
      'invalidJsonText',
      `Invalid JSON text in argument ${argPos} to function ${fn}: "Invalid value." at position 0.`,
      { cause: error },
    );
  }
}

/** MySQL's text form of a JSON value. */
export function stringifyJson(j: Json): string {
  if (j === null) return 'null';
  if (typeof j === 'boolean') return j ? 'true' : 'false';
  if (typeof j === 'number') return jsonNumber(j);
  if (typeof j === 'string') return JSON.stringify(j);
  if (Array.isArray(j)) return '[' + j.map(stringifyJson).join(', ') + ']';
  return (
    '{' +
    Object.entries(j)
      .map(([k, v]) => `${JSON.stringify(k)}: ${stringifyJson(v)}`)
      .join(', ') +
    '}'
  );
}

function jsonNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  const s = String(n);
  return s.replace('e+', 'e');
}

// ---------------------------------------------------------------------------------------------
// Paths

type PathLeg =
  | { readonly kind: 'member'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number; readonly fromLast: boolean }
  | { readonly kind: 'anyMember' }
  | { readonly kind: 'anyIndex' };

export interface JsonPath {
  readonly legs: readonly PathLeg[];
  readonly wildcard: boolean;
}

const legRe =
  /^(?:\.\s*([A-Za-z_$][\w$]*)|\.\s*"((?:[^"\\]|\\.)*)"|\.\s*\*|\[\s*(?:(\d+)|last(?:\s*-\s*(\d+))?|\*)\s*\]|\*\*)/;

export function parseJsonPath(text: string): JsonPath {
  let rest = text.trim();
  if (!rest.startsWith('$')) throw badPath(0);
  rest = rest.slice(1).trimStart();
  const legs: PathLeg[] = [];
  let wildcard = false;
  while (rest.length > 0) {
    const m = legRe.exec(rest);
    if (m === null) throw badPath(text.length - rest.length);
    const t = m[0];
    if (t === '**') throw badPath(text.length - rest.length); // not supported
    if (m[1] !== undefined) legs.push({ kind: 'member', key: m[1] });
    else if (m[2] !== undefined)
      legs.push({ kind: 'member', key: JSON.parse(`"${m[2]}"`) as string });
    else if (t.startsWith('.')) {
      legs.push({ kind: 'anyMember' });
      wildcard = true;
    } else if (m[3] !== undefined)
      legs.push({ kind: 'index', index: Number(m[3]), fromLast: false });
    else if (t.includes('last'))
      legs.push({ kind: 'index', index: Number(m[4] ?? 0), fromLast: true });
    else {
      legs.push({ kind: 'anyIndex' });
      wildcard = true;
    }
    rest = rest.slice(t.length).trimStart();
  }
  return { legs, wildcard };
}

function badPath(at: number): SqlEvalError {
  return new SqlEvalError(
    'invalidJsonPath',
    `Invalid JSON path expression. The error is around character position ${at + 1}.`,
  );
}

/** All values the path selects, in document order. */
export function selectPath(doc: Json, path: JsonPath): Json[] {
  let current: Json[] = [doc];
  for (const leg of path.legs) {
    const next: Json[] = [];
    for (const j of current) {
      switch (leg.kind) {
        case 'member':
          if (isJsonObject(j) && Object.hasOwn(j, leg.key)) next.push(j[leg.key] ?? null);
          break;
        case 'anyMember':
          if (isJsonObject(j)) next.push(...Object.values(j));
          break;
        case 'index': {
          // A non-array is treated as a one-element array ($[0] of a scalar is the scalar).
          const arr: readonly Json[] = Array.isArray(j) ? (j as readonly Json[]) : [j];
          const i = leg.fromLast ? arr.length - 1 - leg.index : leg.index;
          if (i >= 0 && i < arr.length) next.push(arr[i] ?? null);
          break;
        }
        case 'anyIndex':
          if (Array.isArray(j)) next.push(...(j as readonly Json[]));
          break;
      }
    }
    current = next;
  }
  return current;
}

/** Orders JSON values (MySQL's JSON comparison, for scalars of one type and the common cases). */
export function compareJson(a: Json, b: Json): number {
  const ra = jsonRank(a);
  const rb = jsonRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = stringifyJson(a);
  const sb = stringifyJson(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** MySQL's JSON type precedence, lowest first: null, numbers, strings, objects, arrays, booleans. */
function jsonRank(j: Json): number {
  if (j === null) return 0;
  if (typeof j === 'number') return 1;
  if (typeof j === 'string') return 2;
  if (isJsonObject(j)) return 3;
  if (Array.isArray(j)) return 4;
  return 5;
}
