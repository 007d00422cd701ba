// Basic JSON functions: JSON_EXTRACT (and `->`), JSON_UNQUOTE (and `->>`), JSON_OBJECT,
// JSON_ARRAY, JSON_QUOTE, JSON_VALID, JSON_TYPE, JSON_LENGTH, JSON_KEYS.

import type { EvalContext } from '../context.js';
import { numericToDouble, toText } from '../convert.js';
import { SqlEvalError } from '../errors.js';
import {
  type Json,
  isJsonObject,
  normalizeJson,
  parseJson,
  parseJsonPath,
  selectPath,
  stringifyJson,
} from '../json.js';
import { type SqlValue, Coercibility, int, isNumeric, json, str } from '../value.js';
import { type FunctionTable, fn } from './registry.js';

/** A value as a JSON document argument (strings are parsed, JSON kept). */
function doc(v: Exclude<SqlValue, null>, fnName: string, pos: number): Json {
  if (v.kind === 'json') return v.v;
  if (v.kind === 'string' || v.kind === 'binary') return parseJson(toText(v) ?? '', fnName, pos);
  throw new SqlEvalError(
    'invalidJsonText',
    `Invalid data type for JSON data in argument ${pos} to function ${fnName}; a JSON string or JSON type is required.`,
  );
}

/** A value as a JSON scalar/container to store (JSON_OBJECT / JSON_ARRAY members). */
function member(v: SqlValue): Json {
  if (v === null) return null;
  if (v.kind === 'json') return v.v;
  if (isNumeric(v)) return numericToDouble(v);
  return toText(v);
}

export function jsonExtractValue(d: SqlValue, p: SqlValue): SqlValue {
  if (d === null || p === null) return null;
  const path = parseJsonPath(toText(p) ?? '');
  const found = selectPath(doc(d, 'json_extract', 1), path);
  if (found.length === 0) return null;
  if (!path.wildcard && found.length === 1) return json(found[0] ?? null);
  return json(found);
}

export function jsonUnquoteValue(v: SqlValue, ctx: EvalContext): SqlValue {
  if (v === null) return null;
  if (v.kind === 'json') {
    const j = v.v;
    return str(typeof j === 'string' ? j : stringifyJson(j), ctx.collation, Coercibility.implicit);
  }
  const s = toText(v) ?? '';
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    return str(parseJson(s, 'json_unquote', 1) as string, ctx.collation, Coercibility.implicit);
  }
  return str(s, ctx.collation, Coercibility.implicit);
}

export const jsonFunctions: FunctionTable = {
  JSON_EXTRACT: fn(2, Infinity, (args) => {
    const d = args.value(0);
    if (d === null) return null;
    if (args.count === 2) return jsonExtractValue(d, args.value(1));
    const all: Json[] = [];
    for (let i = 1; i < args.count; i++) {
      const p = args.value(i);
      if (p === null) return null;
      all.push(...selectPath(doc(d, 'json_extract', 1), parseJsonPath(toText(p) ?? '')));
    }
    return all.length === 0 ? null : json(all);
  }),
  JSON_UNQUOTE: fn(1, 1, (args, ctx) => jsonUnquoteValue(args.value(0), ctx)),
  JSON_OBJECT: fn(0, Infinity, (args) => {
    if (args.count % 2 !== 0) {
      throw new SqlEvalError(
        'wrongParamCount',
        "Incorrect parameter count in the call to native function 'json_object'",
      );
    }
    const o: Record<string, Json> = {};
    for (let i = 0; i < args.count; i += 2) {
      const k = args.value(i);
      if (k === null)
        throw new SqlEvalError(
          'invalidJsonText',
          'JSON documents may not contain NULL member names.',
        );
      o[toText(k) ?? ''] = member(args.value(i + 1));
    }
    return json(normalizeJson(o));
  }),
  JSON_ARRAY: fn(0, Infinity, (args) => json(args.all().map(member))),
  JSON_QUOTE: fn(1, 1, (args, ctx) => {
    const v = args.value(0);
    return v === null
      ? null
      : str(JSON.stringify(toText(v) ?? ''), ctx.collation, Coercibility.implicit);
  }),
  JSON_VALID: fn(1, 1, (args) => {
    const v = args.value(0);
    if (v === null) return null;
    if (v.kind === 'json') return int(1);
    try {
      JSON.parse(toText(v) ?? '');
      return int(1);
    } catch {
      return int(0);
    }
  }),
  JSON_TYPE: fn(1, 1, (args, ctx) => {
    const v = args.value(0);
    if (v === null) return null;
    const j = doc(v, 'json_type', 1);
    const t =
      j === null
        ? 'NULL'
        : typeof j === 'boolean'
          ? 'BOOLEAN'
          : typeof j === 'number'
            ? Number.isInteger(j)
              ? 'INTEGER'
              : 'DOUBLE'
            : typeof j === 'string'
              ? 'STRING'
              : Array.isArray(j)
                ? 'ARRAY'
                : 'OBJECT';
    return str(t, ctx.collation, Coercibility.implicit);
  }),
  JSON_LENGTH: fn(1, 2, (args) => {
    const v = args.value(0);
    if (v === null) return null;
    let j = doc(v, 'json_length', 1);
    if (args.count > 1) {
      const p = args.value(1);
      if (p === null) return null;
      const found = selectPath(j, parseJsonPath(toText(p) ?? ''));
      if (found.length === 0) return null;
      j = found[0] ?? null;
    }
    return int(Array.isArray(j) ? j.length : isJsonObject(j) ? Object.keys(j).length : 1);
  }),
  JSON_KEYS: fn(1, 2, (args) => {
    const v = args.value(0);
    if (v === null) return null;
    let j = doc(v, 'json_keys', 1);
    if (args.count > 1) {
      const p = args.value(1);
      if (p === null) return null;
      j = selectPath(j, parseJsonPath(toText(p) ?? ''))[0] ?? null;
    }
    return isJsonObject(j) ? json(Object.keys(j)) : null;
  }),
};
