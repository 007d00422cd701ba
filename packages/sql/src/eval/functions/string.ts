// String functions. Character strings work on code points under their collation; binary
// strings (BINARY, X'..', CAST(.. AS BINARY)) work on bytes. A function of several strings
// takes the collation MySQL's coercibility rules pick (compare.ts), and any binary argument
// makes the result binary.

import { type Collation, compareText, sortKey } from '../../encoding/key-codec.js';
import { aggregateCollation, compareValues } from '../compare.js';
import type { EvalContext } from '../context.js';
import { decimalToString, rescale } from '../decimal.js';
import {
  codePoints,
  encodeUtf8,
  numericToDecimal,
  toBytes,
  toInt,
  toNumeric,
  toText,
  toUint,
} from '../convert.js';
import { warning } from '../errors.js';
import { today } from '../clock.js';
import {
  type NonNullValue,
  type SqlValue,
  Coercibility,
  binary,
  int,
  isNumeric,
  str,
} from '../value.js';
import { type Args, type FunctionDef, type FunctionTable, fn, strict } from './registry.js';

/** A string argument as text: binary strings as one char per byte (latin1). */
interface Text {
  readonly s: string;
  readonly binary: boolean;
  readonly collation: Collation;
  readonly coercibility: Coercibility;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function text(v: NonNullValue, ctx: EvalContext): Text {
  if (v.kind === 'binary')
    return {
      s: latin1(v.v),
      binary: true,
      collation: ctx.collation,
      coercibility: Coercibility.implicit,
    };
  if (v.kind === 'string')
    return { s: v.v, binary: false, collation: v.collation, coercibility: v.coercibility };
  return {
    s: toText(v) ?? '',
    binary: false,
    collation: ctx.collation,
    coercibility: Coercibility.numeric,
  };
}

/** The common form of several string arguments: binary if any is, else the winning collation. */
function common(ts: readonly Text[], ctx: EvalContext, op: string): Text {
  const asBinary = ts.some((t) => t.binary);
  let c: { collation: Collation; coercibility: Coercibility } | undefined;
  for (const t of ts) c = c === undefined ? t : aggregateCollation(c, t, op);
  return {
    s: '',
    binary: asBinary,
    collation: c?.collation ?? ctx.collation,
    coercibility: c?.coercibility ?? Coercibility.coercible,
  };
}

/** Re-reads binary text as UTF-8 chars (binary stays bytes) so mixed args line up. */
function charsOf(t: Text, as: Text): string {
  if (as.binary && !t.binary) return latin1(encodeUtf8(t.s));
  return t.s;
}

function out(s: string, like: Text): SqlValue {
  if (like.binary) return binary(fromLatin1(s));
  return str(s, like.collation, like.coercibility);
}

function chars(s: string): string[] {
  return codePoints(s);
}

/** Folds each character as the collation compares it (binary: unchanged). */
function folded(s: string, t: Text): string[] {
  if (t.binary || (!t.collation.ci && !t.collation.ai)) return chars(s);
  const noPad = { ...t.collation, padSpace: false };
  return chars(s).map((c) => sortKey(c, noPad));
}

function indexOfChars(hay: readonly string[], needle: readonly string[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function int1(v: SqlValue, ctx: EvalContext): bigint | null {
  return toInt(v, ctx.warn.bind(ctx));
}

/** A length/count argument clipped to a safe JS number. */
function small(n: bigint): number {
  return Number(
    n > 1_000_000_000_000n ? 1_000_000_000_000n : n < -1_000_000_000_000n ? -1_000_000_000_000n : n,
  );
}

function tooLarge(ctx: EvalContext, fnName: string): null {
  ctx.warn(
    warning(
      'packetOverflowed',
      `Result of ${fnName}() was larger than max_allowed_packet (${ctx.maxAllowedPacket}) - truncated`,
    ),
  );
  return null;
}

/** One string argument in, a string out (NULL in → NULL out). */
function map1(f: (s: string, t: Text) => string): FunctionDef {
  return strict(1, 1, ([v], ctx) => {
    if (v === undefined) return null;
    const t = text(v, ctx);
    return out(f(t.s, t), t);
  });
}

function substring(t: Text, pos: bigint, len: bigint | undefined): SqlValue {
  const cs = chars(t.s);
  const n = BigInt(cs.length);
  if (pos === 0n || (len !== undefined && len <= 0n)) return out('', t);
  let start = pos > 0n ? pos - 1n : n + pos;
  if (start < 0n || start >= n) return out('', t);
  if (start < 0n) start = 0n;
  const end = len === undefined ? n : start + len > n ? n : start + len;
  return out(cs.slice(Number(start), Number(end)).join(''), t);
}

const SUBSTRING: FunctionDef = strict(2, 3, ([s, p, l], ctx) => {
  if (s === undefined || p === undefined) return null;
  const pos = int1(p, ctx);
  const len = l === undefined ? undefined : int1(l, ctx);
  if (pos === null || len === null) return null;
  return substring(text(s, ctx), pos, len);
});

function trim(s: string, rem: string, leading: boolean, trailing: boolean): string {
  if (rem === '') return s;
  let out = s;
  if (leading) while (out.startsWith(rem)) out = out.slice(rem.length);
  if (trailing) while (out.endsWith(rem)) out = out.slice(0, out.length - rem.length);
  return out;
}

function pad(left: boolean): FunctionDef {
  return strict(3, 3, ([s, l, p], ctx) => {
    if (s === undefined || l === undefined || p === undefined) return null;
    const len = int1(l, ctx);
    if (len === null || len < 0n) return null;
    const t = common([text(s, ctx), text(p, ctx)], ctx, left ? 'lpad' : 'rpad');
    const cs = chars(charsOf(text(s, ctx), t));
    const n = small(len);
    if (n > ctx.maxAllowedPacket) return tooLarge(ctx, left ? 'lpad' : 'rpad');
    if (cs.length >= n) return out(cs.slice(0, n).join(''), t);
    const padChars = chars(charsOf(text(p, ctx), t));
    if (padChars.length === 0) return null;
    const need = n - cs.length;
    const filler: string[] = [];
    while (filler.length < need) filler.push(...padChars);
    const fill = filler.slice(0, need).join('');
    return out(left ? fill + cs.join('') : cs.join('') + fill, t);
  });
}

function locate(
  needleV: NonNullValue,
  hayV: NonNullValue,
  from: bigint,
  ctx: EvalContext,
): SqlValue {
  const t = common([text(needleV, ctx), text(hayV, ctx)], ctx, 'locate');
  const hay = folded(charsOf(text(hayV, ctx), t), t);
  const needle = folded(charsOf(text(needleV, ctx), t), t);
  if (from < 1n || from > BigInt(hay.length + 1)) return int(0);
  const i = indexOfChars(hay, needle, Number(from) - 1);
  return int(i + 1);
}

function quote(s: string): string {
  let o = "'";
  for (const c of s) {
    if (c === "'") o += "\\'";
    else if (c === '\\') o += '\\\\';
    else if (c === '\0') o += '\\0';
    else if (c === '\x1a') o += '\\Z';
    else o += c;
  }
  return o + "'";
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function format(values: readonly NonNullValue[], ctx: EvalContext): SqlValue {
  const [x, d] = values;
  if (x === undefined || d === undefined) return null;
  const n = toNumeric(x, ctx.warn.bind(ctx));
  const places = int1(d, ctx);
  if (n === null || places === null) return null;
  const scale = Math.max(0, Math.min(30, Number(places)));
  const rounded = rescale(numericToDecimal(n), scale);
  const s = decimalToString(rounded);
  const negative = s.startsWith('-');
  const [whole = '0', frac] = s.replace('-', '').split('.');
  const body = groupThousands(whole) + (frac === undefined ? '' : '.' + frac);
  return str((negative ? '-' : '') + body, ctx.collation, Coercibility.numeric);
}

function field(args: Args, ctx: EvalContext): SqlValue {
  const values = args.all();
  const target = values[0];
  if (target === null || target === undefined) return int(0);
  const env = { warn: ctx.warn.bind(ctx), today: today(ctx) };
  const allStrings = values.every((v) => v === null || v.kind === 'string' || v.kind === 'binary');
  const allNumbers = values.every((v) => v === null || isNumeric(v));
  for (let i = 1; i < values.length; i++) {
    const v = values[i] ?? null;
    if (v === null) continue;
    let c: number | null;
    if (allStrings || allNumbers) c = compareValues(target, v, env, 'field');
    else c = compareValues(toNumeric(target, env.warn), toNumeric(v, env.warn), env, 'field');
    if (c === 0) return int(i);
  }
  return int(0);
}

function hex(v: NonNullValue, ctx: EvalContext): SqlValue {
  let digits: string;
  if (isNumeric(v)) {
    const n = toUint(v, ctx.warn.bind(ctx));
    digits = (n ?? 0n).toString(16);
  } else {
    digits = [...(toBytes(v) ?? new Uint8Array())]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  }
  return str(digits.toUpperCase(), ctx.collation, Coercibility.numeric);
}

export const stringFunctions: FunctionTable = {
  CONCAT: fn(1, Infinity, (args, ctx) => {
    const values = args.all();
    const ts: Text[] = [];
    for (const v of values) {
      if (v === null) return null;
      ts.push(text(v, ctx));
    }
    const t = common(ts, ctx, 'concat');
    const s = ts.map((x) => charsOf(x, t)).join('');
    if (s.length > ctx.maxAllowedPacket) return tooLarge(ctx, 'concat');
    return out(s, t);
  }),
  CONCAT_WS: fn(2, Infinity, (args, ctx) => {
    const values = args.all();
    const sep = values[0];
    if (sep === null || sep === undefined) return null;
    const ts = values.filter((v): v is NonNullValue => v !== null).map((v) => text(v, ctx));
    const t = common(ts, ctx, 'concat_ws');
    const [first, ...rest] = ts;
    if (first === undefined) return null;
    return out(rest.map((x) => charsOf(x, t)).join(charsOf(first, t)), t);
  }),
  LENGTH: strict(1, 1, ([v]) => (v === undefined ? null : int(toBytes(v)?.length ?? 0))),
  OCTET_LENGTH: strict(1, 1, ([v]) => (v === undefined ? null : int(toBytes(v)?.length ?? 0))),
  BIT_LENGTH: strict(1, 1, ([v]) => (v === undefined ? null : int((toBytes(v)?.length ?? 0) * 8))),
  CHAR_LENGTH: strict(1, 1, ([v], ctx) =>
    v === undefined ? null : int(chars(text(v, ctx).s).length),
  ),
  CHARACTER_LENGTH: strict(1, 1, ([v], ctx) =>
    v === undefined ? null : int(chars(text(v, ctx).s).length),
  ),
  UPPER: map1((s, t) => (t.binary ? s : s.toUpperCase())),
  UCASE: map1((s, t) => (t.binary ? s : s.toUpperCase())),
  LOWER: map1((s, t) => (t.binary ? s : s.toLowerCase())),
  LCASE: map1((s, t) => (t.binary ? s : s.toLowerCase())),
  REVERSE: map1((s) => chars(s).reverse().join('')),
  LTRIM: map1((s) => s.replace(/^ +/, '')),
  RTRIM: map1((s) => s.replace(/ +$/, '')),
  TRIM: fn(1, 2, (args, ctx, call) => {
    const s = args.value(0);
    const r = args.count > 1 ? args.value(1) : str(' ', ctx.collation);
    if (s === null || r === null) return null;
    const t = common([text(s, ctx), text(r, ctx)], ctx, 'trim');
    const side = call.trimSide ?? 'BOTH';
    return out(
      trim(
        charsOf(text(s, ctx), t),
        charsOf(text(r, ctx), t),
        side !== 'TRAILING',
        side !== 'LEADING',
      ),
      t,
    );
  }),
  SUBSTRING: SUBSTRING,
  SUBSTR: SUBSTRING,
  MID: strict(3, 3, ([s, p, l], ctx) => {
    if (s === undefined || p === undefined || l === undefined) return null;
    const pos = int1(p, ctx);
    const len = int1(l, ctx);
    return pos === null || len === null ? null : substring(text(s, ctx), pos, len);
  }),
  LEFT: strict(2, 2, ([s, l], ctx) => {
    if (s === undefined || l === undefined) return null;
    const len = int1(l, ctx);
    if (len === null) return null;
    const t = text(s, ctx);
    return out(len <= 0n ? '' : chars(t.s).slice(0, small(len)).join(''), t);
  }),
  RIGHT: strict(2, 2, ([s, l], ctx) => {
    if (s === undefined || l === undefined) return null;
    const len = int1(l, ctx);
    if (len === null) return null;
    const t = text(s, ctx);
    const cs = chars(t.s);
    return out(len <= 0n ? '' : cs.slice(Math.max(0, cs.length - small(len))).join(''), t);
  }),
  LPAD: pad(true),
  RPAD: pad(false),
  REPLACE: strict(3, 3, ([s, f, r], ctx) => {
    if (s === undefined || f === undefined || r === undefined) return null;
    const t = common([text(s, ctx), text(f, ctx), text(r, ctx)], ctx, 'replace');
    const from = charsOf(text(f, ctx), t);
    const src = charsOf(text(s, ctx), t);
    return out(from === '' ? src : src.split(from).join(charsOf(text(r, ctx), t)), t);
  }),
  REPEAT: strict(2, 2, ([s, c], ctx) => {
    if (s === undefined || c === undefined) return null;
    const count = int1(c, ctx);
    if (count === null) return null;
    const t = text(s, ctx);
    if (count <= 0n || t.s === '') return out('', t);
    if (BigInt(t.s.length) * count > BigInt(ctx.maxAllowedPacket)) return tooLarge(ctx, 'repeat');
    return out(t.s.repeat(Number(count)), t);
  }),
  SPACE: strict(1, 1, ([c], ctx) => {
    const count = c === undefined ? null : int1(c, ctx);
    if (count === null) return null;
    if (count > BigInt(ctx.maxAllowedPacket)) return tooLarge(ctx, 'space');
    return str(' '.repeat(count <= 0n ? 0 : Number(count)), ctx.collation, Coercibility.numeric);
  }),
  LOCATE: strict(2, 3, ([n, h, p], ctx) => {
    if (n === undefined || h === undefined) return null;
    const from = p === undefined ? 1n : int1(p, ctx);
    return from === null ? null : locate(n, h, from, ctx);
  }),
  INSTR: strict(2, 2, ([h, n], ctx) =>
    h === undefined || n === undefined ? null : locate(n, h, 1n, ctx),
  ),
  STRCMP: strict(2, 2, ([a, b], ctx) => {
    if (a === undefined || b === undefined) return null;
    const ta = text(a, ctx);
    const tb = text(b, ctx);
    const t = common([ta, tb], ctx, 'strcmp');
    if (t.binary) {
      const x = charsOf(ta, t);
      const y = charsOf(tb, t);
      return int(x < y ? -1 : x > y ? 1 : 0);
    }
    const c = compareText(ta.s, tb.s, t.collation);
    return int(c < 0 ? -1 : c > 0 ? 1 : 0);
  }),
  ASCII: strict(1, 1, ([v]) => (v === undefined ? null : int(toBytes(v)?.[0] ?? 0))),
  ORD: strict(1, 1, ([v], ctx) => {
    if (v === undefined) return null;
    const first = chars(text(v, ctx).s)[0];
    if (first === undefined) return int(0);
    const bytes = v.kind === 'binary' ? fromLatin1(first) : encodeUtf8(first);
    let n = 0;
    for (const b of bytes) n = n * 256 + b;
    return int(n);
  }),
  CHAR: fn(1, Infinity, (args, ctx) => {
    const bytes: number[] = [];
    for (const v of args.all()) {
      const n = toUint(v, ctx.warn.bind(ctx));
      if (n === null) continue;
      const b: number[] = [];
      let x = BigInt.asUintN(32, n);
      do {
        b.unshift(Number(x & 0xffn));
        x >>= 8n;
      } while (x > 0n);
      bytes.push(...b);
    }
    return binary(Uint8Array.from(bytes));
  }),
  HEX: strict(1, 1, ([v], ctx) => (v === undefined ? null : hex(v, ctx))),
  UNHEX: strict(1, 1, ([v]) => {
    if (v === undefined) return null;
    let s = toText(v) ?? '';
    if (!/^[0-9a-fA-F]*$/.test(s)) return null;
    if (s.length % 2 === 1) s = '0' + s;
    const b = new Uint8Array(s.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
    return binary(b);
  }),
  FIELD: fn(2, Infinity, (args, ctx) => field(args, ctx)),
  FIND_IN_SET: strict(2, 2, ([s, list], ctx) => {
    if (s === undefined || list === undefined) return null;
    const t = common([text(s, ctx), text(list, ctx)], ctx, 'find_in_set');
    const needle = charsOf(text(s, ctx), t);
    if (needle.includes(',')) return int(0);
    const items = charsOf(text(list, ctx), t).split(',');
    const i = items.findIndex((x) =>
      t.binary ? x === needle : compareText(x, needle, t.collation) === 0,
    );
    return int(i + 1);
  }),
  ELT: fn(2, Infinity, (args, ctx) => {
    const n = int1(args.value(0), ctx);
    if (n === null || n < 1n || n >= BigInt(args.count)) return null;
    return args.value(Number(n));
  }),
  FORMAT: strict(2, 3, (values, ctx) => format(values, ctx)),
  QUOTE: fn(1, 1, (args, ctx) => {
    const v = args.value(0);
    if (v === null) return str('NULL', ctx.collation, Coercibility.numeric);
    const t = text(v, ctx);
    return out(quote(t.s), t);
  }),
  SUBSTRING_INDEX: strict(3, 3, ([s, d, c], ctx) => {
    if (s === undefined || d === undefined || c === undefined) return null;
    const count = int1(c, ctx);
    if (count === null) return null;
    const t = common([text(s, ctx), text(d, ctx)], ctx, 'substring_index');
    const src = charsOf(text(s, ctx), t);
    const delim = charsOf(text(d, ctx), t);
    if (delim === '' || count === 0n) return out('', t);
    const parts = src.split(delim);
    const k = small(count);
    return out(
      k > 0
        ? parts.slice(0, k).join(delim)
        : parts.slice(Math.max(0, parts.length + k)).join(delim),
      t,
    );
  }),
  INSERT: strict(4, 4, ([s, p, l, n], ctx) => {
    if (s === undefined || p === undefined || l === undefined || n === undefined) return null;
    const pos = int1(p, ctx);
    const len = int1(l, ctx);
    if (pos === null || len === null) return null;
    const t = common([text(s, ctx), text(n, ctx)], ctx, 'insert');
    const cs = chars(charsOf(text(s, ctx), t));
    if (pos < 1n || pos > BigInt(cs.length)) return out(cs.join(''), t);
    const start = Number(pos) - 1;
    const end =
      len < 0n || BigInt(start) + len > BigInt(cs.length) ? cs.length : start + Number(len);
    return out(cs.slice(0, start).join('') + charsOf(text(n, ctx), t) + cs.slice(end).join(''), t);
  }),
  BIN: strict(1, 1, ([v], ctx) => {
    const n = v === undefined ? null : toUint(v, ctx.warn.bind(ctx));
    return n === null ? null : str(n.toString(2), ctx.collation, Coercibility.numeric);
  }),
  OCT: strict(1, 1, ([v], ctx) => {
    const n = v === undefined ? null : toUint(v, ctx.warn.bind(ctx));
    return n === null ? null : str(n.toString(8), ctx.collation, Coercibility.numeric);
  }),
  TO_BASE64: strict(1, 1, ([v], ctx) => {
    const b = v === undefined ? null : toBytes(v);
    return b === null
      ? null
      : str(Buffer.from(b).toString('base64'), ctx.collation, Coercibility.numeric);
  }),
  FROM_BASE64: strict(1, 1, ([v]) => {
    const s = v === undefined ? null : toText(v);
    if (s === null || !/^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, ''))) return null;
    return binary(new Uint8Array(Buffer.from(s, 'base64')));
  }),
  CHARSET: fn(1, 1, (args, ctx) => {
    const v = args.value(0);
    const name =
      v !== null && v.kind === 'string'
        ? v.collation.name
        : v !== null && v.kind === 'binary'
          ? 'binary'
          : ctx.collation.name;
    return str(
      name === 'binary' ? 'binary' : (name.split('_')[0] ?? ''),
      ctx.collation,
      Coercibility.sysconst,
    );
  }),
  COLLATION: fn(1, 1, (args, ctx) => {
    const v = args.value(0);
    const name =
      v !== null && v.kind === 'string'
        ? v.collation.name
        : v !== null && v.kind === 'binary'
          ? 'binary'
          : ctx.collation.name;
    return str(name, ctx.collation, Coercibility.sysconst);
  }),
};
