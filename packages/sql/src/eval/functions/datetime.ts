// Date and time functions. "Now" is the statement's clock reading from the context (so NOW()
// is stable within a statement, and SYSDATE() is too — see README); values are calendar parts
// (temporal.ts), so there is no time-zone arithmetic except at UNIX_TIMESTAMP/FROM_UNIXTIME.

import type { FuncCall, IntervalUnit } from '../../ast.js';
import { nowLocal, nowUtc, today } from '../clock.js';
import type { EvalContext } from '../context.js';
import { type Decimal, decimalTrunc, rescale } from '../decimal.js';
import {
  type Warn,
  numericToDecimal,
  toDateTime,
  toInt,
  toNumeric,
  toText,
  toTime,
} from '../convert.js';
import { SqlEvalError, warning } from '../errors.js';
import {
  type DateTimeParts,
  DAY_NAMES,
  MICROS_PER_DAY,
  MICROS_PER_DAY_BIG,
  MONTH_NAMES,
  TIME_MICROS_MAX,
  calcWeek,
  dateParts,
  dayNumber,
  daysInMonth,
  epochMicrosFromParts,
  fromDayNumber,
  fromMicros,
  isValidDate,
  partsFromEpochMicros,
  splitTimeOfDay,
  timeOfDayMicros,
  parseDateTime,
  toMicros,
  weekdayOf,
} from '../temporal.js';
import {
  type NonNullValue,
  type SqlValue,
  Coercibility,
  date,
  decimal,
  int,
  str,
  time,
} from '../value.js';
import { type Args, type FunctionTable, fn, strict } from './registry.js';

// ---------------------------------------------------------------------------------------------
// Intervals

/** An interval as months plus microseconds (either may be negative). */
export interface Interval {
  readonly months: number;
  readonly micros: number;
}

const UNIT_MICROS: Partial<Record<IntervalUnit, number>> = {
  MICROSECOND: 1,
  SECOND: 1_000_000,
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
  DAY: MICROS_PER_DAY,
  WEEK: 7 * MICROS_PER_DAY,
};

/** Field layout of compound units, most significant first; `f` is a fraction of a second. */
const COMPOUND: Partial<
  Record<IntervalUnit, readonly ('Y' | 'M' | 'd' | 'h' | 'm' | 's' | 'f')[]>
> = {
  SECOND_MICROSECOND: ['s', 'f'],
  MINUTE_MICROSECOND: ['m', 's', 'f'],
  MINUTE_SECOND: ['m', 's'],
  HOUR_MICROSECOND: ['h', 'm', 's', 'f'],
  HOUR_SECOND: ['h', 'm', 's'],
  HOUR_MINUTE: ['h', 'm'],
  DAY_MICROSECOND: ['d', 'h', 'm', 's', 'f'],
  DAY_SECOND: ['d', 'h', 'm', 's'],
  DAY_MINUTE: ['d', 'h', 'm'],
  DAY_HOUR: ['d', 'h'],
  YEAR_MONTH: ['Y', 'M'],
};

/** INTERVAL value unit → months + µs; NULL for NULL or unreadable text (with a warning). */
export function intervalOf(v: SqlValue, unit: IntervalUnit, ctx: EvalContext): Interval | null {
  if (v === null) return null;
  const warn = ctx.warn.bind(ctx);
  const layout = COMPOUND[unit];
  if (layout === undefined) {
    if (unit === 'MONTH' || unit === 'QUARTER' || unit === 'YEAR') {
      const n = toInt(v, warn);
      if (n === null) return null;
      const k = unit === 'MONTH' ? 1 : unit === 'QUARTER' ? 3 : 12;
      return { months: Number(n) * k, micros: 0 };
    }
    const per = UNIT_MICROS[unit] ?? 1;
    if (unit === 'SECOND') {
      const n = toNumeric(v, warn);
      if (n === null) return null;
      const d = rescale(numericToDecimal(n), 6);
      return { months: 0, micros: Number(d.coef) };
    }
    const n = toInt(v, warn);
    return n === null ? null : { months: 0, micros: Number(n) * per };
  }
  const text = toText(v) ?? '';
  const negative = /^\s*-/.test(text);
  const nums = text.match(/\d+/g)?.map(Number) ?? [];
  if (nums.length === 0 || nums.length > layout.length) {
    warn(warning('truncatedWrongValue', `Truncated incorrect INTERVAL value: '${text}'`));
    if (nums.length === 0) return null;
  }
  // Fields fill from the right: '1:2' HOUR_SECOND is 1 minute 2 seconds.
  const fields = layout.slice(layout.length - Math.min(nums.length, layout.length));
  let months = 0;
  let micros = 0;
  fields.forEach((f, i) => {
    const n = nums[i] ?? 0;
    switch (f) {
      case 'Y':
        months += n * 12;
        break;
      case 'M':
        months += n;
        break;
      case 'd':
        micros += n * MICROS_PER_DAY;
        break;
      case 'h':
        micros += n * 3_600_000_000;
        break;
      case 'm':
        micros += n * 60_000_000;
        break;
      case 's':
        micros += n * 1_000_000;
        break;
      case 'f': {
        const digits = text.match(/\d+/g)?.[i + (nums.length - fields.length)] ?? '0';
        micros += Number(digits.slice(0, 6).padEnd(6, '0'));
        break;
      }
    }
  });
  return negative ? { months: -months, micros: -micros } : { months, micros };
}

function overflow(ctx: EvalContext, what = 'datetime'): null {
  ctx.warn(warning('datetimeFunctionOverflow', `Datetime function: ${what} field overflow`));
  return null;
}

function addMonths(p: DateTimeParts, months: number): DateTimeParts | null {
  const total = p.year * 12 + (p.month - 1) + months;
  const year = Math.floor(total / 12);
  if (year < 0 || year > 9999) return null;
  const month = (total % 12) + 1;
  return { ...p, year, month, day: Math.min(p.day, daysInMonth(year, month)) };
}

/** date ± interval: DATE stays DATE for whole days; TIME stays TIME; else DATETIME. */
export function addInterval(
  base: NonNullValue,
  iv: Interval,
  subtract: boolean,
  ctx: EvalContext,
): SqlValue {
  const months = subtract ? -iv.months : iv.months;
  const micros = subtract ? -iv.micros : iv.micros;
  const fspOf = (v: number): number => (v % 1_000_000 === 0 ? 0 : 6);
  if (base.kind === 'time') {
    if (months !== 0) return null;
    const t = base.v + micros;
    if (Math.abs(t) > TIME_MICROS_MAX) return null;
    return time(t, Math.max(base.fsp, fspOf(micros)));
  }
  const d = toDateTime(base, ctx.warn.bind(ctx), today(ctx));
  if (d === null) return null;
  if (d.parts.month === 0 || d.parts.day === 0) return null;
  let parts: DateTimeParts | null = d.parts;
  if (months !== 0) parts = addMonths(parts, months);
  if (parts === null) return overflow(ctx);
  if (micros !== 0) {
    const total = toMicros(parts) + BigInt(micros);
    const day = Number(total / MICROS_PER_DAY_BIG);
    if (total < 0n || day < dayNumber(1, 1, 1) || day > dayNumber(9999, 12, 31))
      return overflow(ctx);
    parts = fromMicros(total);
  }
  const dayOnly = micros % MICROS_PER_DAY === 0;
  if (
    (base.kind === 'date' ||
      (d.dateOnly && base.kind !== 'datetime' && base.kind !== 'timestamp')) &&
    dayOnly
  ) {
    return date(parts);
  }
  return { kind: 'datetime', v: parts, fsp: Math.max(d.fsp, fspOf(micros)) };
}

// ---------------------------------------------------------------------------------------------
// Argument readers

/** A date/datetime argument; zero month/day parts allowed, as MySQL's fuzzy dates. */
function dt(v: SqlValue, ctx: EvalContext): DateTimeParts | null {
  return toDateTime(v, ctx.warn.bind(ctx), today(ctx), true)?.parts ?? null;
}

/** A date argument that must be a real (non-zero-part) date for day arithmetic. */
function realDate(v: SqlValue, ctx: EvalContext): DateTimeParts | null {
  const p = dt(v, ctx);
  return p === null || p.month === 0 || p.day === 0 ? null : p;
}

/** Time-of-day fields: TIME arguments and strings that read as times work too. */
function timeFields(v: SqlValue, ctx: EvalContext): { micros: number } | null {
  if (v === null) return null;
  if (v.kind === 'date' || v.kind === 'datetime' || v.kind === 'timestamp')
    return { micros: timeOfDayMicros(v.v) };
  const t = toTime(v, ctx.warn.bind(ctx));
  return t === null ? null : { micros: t.micros };
}

function fspArg(args: Args, ctx: EvalContext): number {
  if (args.count === 0) return 0;
  const n = toInt(args.value(0), ctx.warn.bind(ctx)) ?? 0n;
  if (n > 6n || n < 0n) {
    throw new SqlEvalError(
      'tooBigPrecision',
      `Too big precision ${n} specified for 'now'. Maximum is 6.`,
    );
  }
  return Number(n);
}

function truncMicro(p: DateTimeParts, fsp: number): DateTimeParts {
  const unit = 10 ** (6 - fsp);
  return { ...p, micro: p.micro - (p.micro % unit) };
}

function nowFn(utc: boolean): FunctionTable[string] {
  return fn(0, 1, (args, ctx) => {
    const fsp = fspArg(args, ctx);
    return { kind: 'datetime', v: truncMicro(utc ? nowUtc(ctx) : nowLocal(ctx), fsp), fsp };
  });
}

function curTimeFn(utc: boolean): FunctionTable[string] {
  return fn(0, 1, (args, ctx) => {
    const fsp = fspArg(args, ctx);
    return time(timeOfDayMicros(truncMicro(utc ? nowUtc(ctx) : nowLocal(ctx), fsp)), fsp);
  });
}

function datePart(f: (p: DateTimeParts) => number, needReal = false): FunctionTable[string] {
  return fn(1, 1, (args, ctx) => {
    const p = needReal ? realDate(args.value(0), ctx) : dt(args.value(0), ctx);
    return p === null ? null : int(f(p));
  });
}

function timePart(
  f: (t: { hour: number; minute: number; second: number; micro: number }) => number,
): FunctionTable[string] {
  return fn(1, 1, (args, ctx) => {
    const t = timeFields(args.value(0), ctx);
    return t === null ? null : int(f(splitTimeOfDay(Math.abs(t.micros))));
  });
}

const daynr = (p: DateTimeParts): number => dayNumber(p.year, p.month, p.day);

// ---------------------------------------------------------------------------------------------
// DATE_FORMAT / STR_TO_DATE

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th'}`;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** DATE_FORMAT's specifiers (MySQL 8.0 table); an unknown one prints its letter. */
export function formatDateTimeWith(p: DateTimeParts, format: string, timeMicros?: number): string {
  let out = '';
  const hours =
    timeMicros === undefined ? p.hour : Math.floor(Math.abs(timeMicros) / 3_600_000_000);
  const h12 = ((p.hour + 11) % 12) + 1;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 >= format.length) {
      out += c ?? '';
      continue;
    }
    const s = format[++i] ?? '';
    const wd = (): number => weekdayOf(daynr(p), false);
    switch (s) {
      case 'a':
        out += (DAY_NAMES[wd()] ?? '').slice(0, 3);
        break;
      case 'b':
        out += (MONTH_NAMES[p.month - 1] ?? '').slice(0, 3);
        break;
      case 'c':
        out += String(p.month);
        break;
      case 'D':
        out += ordinal(p.day);
        break;
      case 'd':
        out += p2(p.day);
        break;
      case 'e':
        out += String(p.day);
        break;
      case 'f':
        out += String(p.micro).padStart(6, '0');
        break;
      case 'H':
        out += p2(hours);
        break;
      case 'h':
      case 'I':
        out += p2(h12);
        break;
      case 'i':
        out += p2(p.minute);
        break;
      case 'j':
        out += String(daynr(p) - dayNumber(p.year, 1, 1) + 1).padStart(3, '0');
        break;
      case 'k':
        out += String(hours);
        break;
      case 'l':
        out += String(h12);
        break;
      case 'M':
        out += MONTH_NAMES[p.month - 1] ?? '';
        break;
      case 'm':
        out += p2(p.month);
        break;
      case 'p':
        out += p.hour < 12 ? 'AM' : 'PM';
        break;
      case 'r':
        out += `${p2(h12)}:${p2(p.minute)}:${p2(p.second)} ${p.hour < 12 ? 'AM' : 'PM'}`;
        break;
      case 'S':
      case 's':
        out += p2(p.second);
        break;
      case 'T':
        out += `${p2(hours)}:${p2(p.minute)}:${p2(p.second)}`;
        break;
      case 'U':
        out += p2(calcWeek(p, 0).week);
        break;
      case 'u':
        out += p2(calcWeek(p, 1).week);
        break;
      case 'V':
        out += p2(calcWeek(p, 2).week);
        break;
      case 'v':
        out += p2(calcWeek(p, 3).week);
        break;
      case 'W':
        out += DAY_NAMES[wd()] ?? '';
        break;
      case 'w':
        out += String(weekdayOf(daynr(p), true));
        break;
      case 'X':
        out += String(calcWeek(p, 2).year).padStart(4, '0');
        break;
      case 'x':
        out += String(calcWeek(p, 3).year).padStart(4, '0');
        break;
      case 'Y':
        out += String(p.year).padStart(4, '0');
        break;
      case 'y':
        out += p2(p.year % 100);
        break;
      default:
        out += s;
    }
  }
  return out;
}

interface Parsed {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  micro?: number;
  pm?: boolean;
  hasDate: boolean;
  hasTime: boolean;
}

function matchName(
  s: string,
  at: number,
  names: readonly string[],
  abbrev: boolean,
): [number, number] | undefined {
  for (let i = 0; i < names.length; i++) {
    const name = abbrev ? (names[i] ?? '').slice(0, 3) : (names[i] ?? '');
    if (s.slice(at, at + name.length).toLowerCase() === name.toLowerCase()) return [i, name.length];
  }
  return undefined;
}

/** STR_TO_DATE: undefined when the text does not fit the format. */
export function parseWithFormat(s: string, format: string): Parsed | undefined {
  const r: Parsed = { hasDate: false, hasTime: false };
  let at = 0;
  const num = (maxDigits: number): number | undefined => {
    while (s[at] === ' ') at++;
    const m = new RegExp(`^[+-]?\\d{1,${maxDigits}}`).exec(s.slice(at));
    if (m === null) return undefined;
    at += m[0].length;
    return Number(m[0]);
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] ?? '';
    if (c !== '%' || i + 1 >= format.length) {
      if (/\s/.test(c)) {
        while (/\s/.test(s[at] ?? '')) at++;
        continue;
      }
      if (s[at] !== c) return undefined;
      at++;
      continue;
    }
    const spec = format[++i] ?? '';
    let v: number | undefined;
    switch (spec) {
      case 'Y':
        v = num(4);
        if (v === undefined) return undefined;
        r.year = v;
        r.hasDate = true;
        break;
      case 'y':
        v = num(2);
        if (v === undefined) return undefined;
        r.year = v < 70 ? 2000 + v : 1900 + v;
        r.hasDate = true;
        break;
      case 'm':
      case 'c':
        v = num(2);
        if (v === undefined) return undefined;
        r.month = v;
        r.hasDate = true;
        break;
      case 'M':
      case 'b': {
        const m = matchName(s, at, MONTH_NAMES, spec === 'b');
        if (m === undefined) return undefined;
        r.month = m[0] + 1;
        at += m[1];
        r.hasDate = true;
        break;
      }
      case 'W':
      case 'a': {
        const m = matchName(s, at, DAY_NAMES, spec === 'a');
        if (m === undefined) return undefined;
        at += m[1];
        break;
      }
      case 'd':
      case 'e':
        v = num(2);
        if (v === undefined) return undefined;
        r.day = v;
        r.hasDate = true;
        break;
      case 'D': {
        v = num(2);
        if (v === undefined) return undefined;
        r.day = v;
        r.hasDate = true;
        const suffix = s.slice(at, at + 2).toLowerCase();
        if (['st', 'nd', 'rd', 'th'].includes(suffix)) at += 2;
        break;
      }
      case 'H':
      case 'k':
      case 'h':
      case 'I':
      case 'l':
        v = num(2);
        if (v === undefined) return undefined;
        r.hour = v;
        r.hasTime = true;
        break;
      case 'i':
        v = num(2);
        if (v === undefined) return undefined;
        r.minute = v;
        r.hasTime = true;
        break;
      case 's':
      case 'S':
        v = num(2);
        if (v === undefined) return undefined;
        r.second = v;
        r.hasTime = true;
        break;
      case 'f': {
        const m = /^\d{1,6}/.exec(s.slice(at));
        if (m === null) return undefined;
        r.micro = Number(m[0].padEnd(6, '0'));
        at += m[0].length;
        r.hasTime = true;
        break;
      }
      case 'p': {
        const ap = s.slice(at, at + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') return undefined;
        r.pm = ap === 'PM';
        at += 2;
        break;
      }
      case 'T':
      case 'r': {
        const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\s*([AaPp][Mm]))?/.exec(s.slice(at));
        if (m === null) return undefined;
        r.hour = Number(m[1]);
        r.minute = Number(m[2]);
        r.second = Number(m[3]);
        if (m[4] !== undefined) r.pm = m[4].toUpperCase() === 'PM';
        at += m[0].length;
        r.hasTime = true;
        break;
      }
      case 'j':
        v = num(3);
        if (v === undefined) return undefined;
        r.hasDate = true;
        r.month = 1;
        r.day = v;
        break;
      case '%':
        if (s[at] !== '%') return undefined;
        at++;
        break;
      default:
        if (s[at] !== spec) return undefined;
        at++;
    }
  }
  if (r.pm !== undefined && r.hour !== undefined) {
    if (r.hour < 1 || r.hour > 12) return undefined;
    r.hour = (r.hour % 12) + (r.pm ? 12 : 0);
  }
  return r;
}

function strToDate(sv: NonNullValue, fv: NonNullValue, ctx: EvalContext): SqlValue {
  const s = toText(sv) ?? '';
  const f = toText(fv) ?? '';
  const bad = (): null => {
    ctx.warn(
      warning('wrongValueForType', `Incorrect datetime value: '${s}' for function str_to_date`),
    );
    return null;
  };
  const r = parseWithFormat(s, f);
  if (r === undefined || (!r.hasDate && !r.hasTime)) return bad();
  const parts: DateTimeParts = {
    year: r.year ?? 0,
    month: r.month ?? 0,
    day: r.day ?? 0,
    hour: r.hour ?? 0,
    minute: r.minute ?? 0,
    second: r.second ?? 0,
    micro: r.micro ?? 0,
  };
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return bad();
  if (r.hasDate) {
    // %j: day of year → month/day.
    let p = parts;
    if (p.month === 1 && p.day > 31) {
      const d = fromDayNumber(dayNumber(p.year, 1, 1) + p.day - 1);
      p = { ...p, ...d };
    }
    if (!isValidDate(p) && !(p.month <= 12 && p.day <= 31 && (p.month === 0 || p.day === 0)))
      return bad();
    if (!isValidDate(p)) return bad();
    if (!r.hasTime) return date(p);
    return { kind: 'datetime', v: p, fsp: r.micro === undefined ? 0 : 6 };
  }
  return time(timeOfDayMicros(parts), r.micro === undefined ? 0 : 6);
}

// ---------------------------------------------------------------------------------------------
// Differences and epoch

function monthsBetween(a: DateTimeParts, b: DateTimeParts): number {
  let months = b.year * 12 + b.month - (a.year * 12 + a.month);
  const restA = a.day * MICROS_PER_DAY + timeOfDayMicros(a);
  const restB = b.day * MICROS_PER_DAY + timeOfDayMicros(b);
  if (months > 0 && restB < restA) months--;
  else if (months < 0 && restB > restA) months++;
  return months;
}

function timestampDiff(unit: IntervalUnit, a: DateTimeParts, b: DateTimeParts): bigint {
  if (unit === 'MONTH') return BigInt(monthsBetween(a, b));
  if (unit === 'QUARTER') return BigInt(Math.trunc(monthsBetween(a, b) / 3));
  if (unit === 'YEAR') return BigInt(Math.trunc(monthsBetween(a, b) / 12));
  const per = BigInt(UNIT_MICROS[unit] ?? 1);
  return (toMicros(b) - toMicros(a)) / per;
}

function unixTimestamp(args: Args, ctx: EvalContext): SqlValue {
  if (args.count === 0) return int(ctx.nowMicros / 1_000_000n);
  const v = args.value(0);
  const d = toDateTime(v, ctx.warn.bind(ctx), today(ctx));
  if (d === null) return null;
  const micros = epochMicrosFromParts(d.parts, ctx.timeZoneOffsetSeconds);
  if (micros < 0n) return int(0);
  if (d.fsp === 0) return int(micros / 1_000_000n);
  const dec: Decimal = { coef: micros, scale: 6 };
  return decimal(rescale(dec, d.fsp));
}

function fromUnixtime(args: Args, ctx: EvalContext): SqlValue {
  const n = toNumeric(args.value(0), ctx.warn.bind(ctx));
  if (n === null) return null;
  const d = numericToDecimal(n);
  if (d.coef < 0n) return null;
  const micros = rescale(d, 6).coef;
  if (micros > 32_536_771_199_999_999n) return null;
  const parts = partsFromEpochMicros(micros, ctx.timeZoneOffsetSeconds);
  const fsp = n.kind === 'double' ? 6 : Math.min(d.scale, 6);
  const value: SqlValue = { kind: 'datetime', v: parts, fsp };
  if (args.count === 1) return value;
  const f = args.value(1);
  if (f === null) return null;
  return str(formatDateTimeWith(parts, toText(f) ?? ''), ctx.collation, Coercibility.numeric);
}

function extract(unit: IntervalUnit, v: SqlValue, ctx: EvalContext): SqlValue {
  if (v === null) return null;
  const timeOnly = [
    'HOUR',
    'MINUTE',
    'SECOND',
    'MICROSECOND',
    'SECOND_MICROSECOND',
    'MINUTE_MICROSECOND',
    'MINUTE_SECOND',
    'HOUR_MICROSECOND',
    'HOUR_SECOND',
    'HOUR_MINUTE',
  ].includes(unit);
  if (timeOnly && v.kind !== 'date' && v.kind !== 'datetime' && v.kind !== 'timestamp') {
    const t = toTime(v, ctx.warn.bind(ctx));
    if (t === null) return null;
    const sign = t.micros < 0 ? -1 : 1;
    const f = splitTimeOfDay(Math.abs(t.micros));
    return int(sign * timeFieldsValue(unit, f));
  }
  const p = dt(v, ctx);
  if (p === null) return null;
  const dateField = DATE_FIELDS[unit];
  return dateField === undefined ? int(timeFieldsValue(unit, p)) : int(dateField(p));
}

const DATE_FIELDS: Partial<Record<IntervalUnit, (p: DateTimeParts) => number | bigint>> = {
  YEAR: (p) => p.year,
  QUARTER: (p) => Math.floor((p.month + 2) / 3),
  MONTH: (p) => p.month,
  WEEK: (p) => calcWeek(p, 0).week,
  DAY: (p) => p.day,
  YEAR_MONTH: (p) => p.year * 100 + p.month,
  DAY_HOUR: (p) => p.day * 100 + p.hour,
  DAY_MINUTE: (p) => (p.day * 100 + p.hour) * 100 + p.minute,
  DAY_SECOND: (p) => ((p.day * 100 + p.hour) * 100 + p.minute) * 100 + p.second,
  DAY_MICROSECOND: (p) =>
    BigInt(((p.day * 100 + p.hour) * 100 + p.minute) * 100 + p.second) * 1_000_000n +
    BigInt(p.micro),
};

type TimeFields = { hour: number; minute: number; second: number; micro: number };

const TIME_FIELDS: Partial<Record<IntervalUnit, (f: TimeFields) => number>> = {
  HOUR: (f) => f.hour,
  MINUTE: (f) => f.minute,
  SECOND: (f) => f.second,
  MICROSECOND: (f) => f.micro,
  SECOND_MICROSECOND: (f) => f.second * 1_000_000 + f.micro,
  MINUTE_MICROSECOND: (f) => (f.minute * 100 + f.second) * 1_000_000 + f.micro,
  MINUTE_SECOND: (f) => f.minute * 100 + f.second,
  HOUR_MICROSECOND: (f) => ((f.hour * 100 + f.minute) * 100 + f.second) * 1_000_000 + f.micro,
  HOUR_SECOND: (f) => (f.hour * 100 + f.minute) * 100 + f.second,
  HOUR_MINUTE: (f) => f.hour * 100 + f.minute,
};

function timeFieldsValue(unit: IntervalUnit, f: TimeFields): number {
  return TIME_FIELDS[unit]?.(f) ?? 0;
}

/** DATE_ADD(d, INTERVAL n unit), or ADDDATE(d, n) with n days. */
function dateAddFn(subtract: boolean): FunctionTable[string] {
  return fn(2, 2, (args, ctx) => {
    const base = args.value(0);
    const ivExpr = args.expr(1);
    const iv =
      ivExpr.kind === 'interval'
        ? intervalOf(evalInterval(args), ivExpr.unit, ctx)
        : intervalOf(args.value(1), 'DAY', ctx);
    if (base === null || iv === null) return null;
    return addInterval(base, iv, subtract, ctx);
  });
}

/** The value of an INTERVAL argument (the parser keeps `INTERVAL n unit` as one node). */
function evalInterval(args: Args): SqlValue {
  const e = args.expr(1);
  return e.kind === 'interval' ? args.evaluate(e.value) : args.value(1);
}

function weekFn(args: Args, ctx: EvalContext, defaultMode: number): SqlValue {
  const p = realDate(args.value(0), ctx);
  const mode = args.count > 1 ? toInt(args.value(1), ctx.warn.bind(ctx)) : BigInt(defaultMode);
  if (p === null || mode === null) return null;
  return int(calcWeek(p, Number(mode)).week);
}

export const datetimeFunctions: FunctionTable = {
  NOW: nowFn(false),
  CURRENT_TIMESTAMP: nowFn(false),
  LOCALTIME: nowFn(false),
  LOCALTIMESTAMP: nowFn(false),
  SYSDATE: nowFn(false),
  UTC_TIMESTAMP: nowFn(true),
  CURDATE: fn(0, 0, (_args, ctx) => date(nowLocal(ctx))),
  CURRENT_DATE: fn(0, 0, (_args, ctx) => date(nowLocal(ctx))),
  UTC_DATE: fn(0, 0, (_args, ctx) => date(nowUtc(ctx))),
  CURTIME: curTimeFn(false),
  CURRENT_TIME: curTimeFn(false),
  UTC_TIME: curTimeFn(true),
  DATE: fn(1, 1, (args, ctx) => {
    const p = dt(args.value(0), ctx);
    return p === null ? null : date(p);
  }),
  TIME: fn(1, 1, (args, ctx) => {
    const t = toTime(args.value(0), ctx.warn.bind(ctx));
    return t === null ? null : time(t.micros, t.fsp);
  }),
  YEAR: datePart((p) => p.year),
  MONTH: datePart((p) => p.month),
  DAY: datePart((p) => p.day),
  DAYOFMONTH: datePart((p) => p.day),
  QUARTER: datePart((p) => Math.floor((p.month + 2) / 3)),
  DAYOFWEEK: datePart((p) => weekdayOf(daynr(p), true) + 1, true),
  WEEKDAY: datePart((p) => weekdayOf(daynr(p), false), true),
  DAYOFYEAR: datePart((p) => daynr(p) - dayNumber(p.year, 1, 1) + 1, true),
  TO_DAYS: datePart((p) => daynr(p), true),
  HOUR: timePart((t) => t.hour),
  MINUTE: timePart((t) => t.minute),
  SECOND: timePart((t) => t.second),
  MICROSECOND: timePart((t) => t.micro),
  MONTHNAME: fn(1, 1, (args, ctx) => {
    const p = dt(args.value(0), ctx);
    return p === null || p.month === 0
      ? null
      : str(MONTH_NAMES[p.month - 1] ?? '', ctx.collation, Coercibility.numeric);
  }),
  DAYNAME: fn(1, 1, (args, ctx) => {
    const p = realDate(args.value(0), ctx);
    return p === null
      ? null
      : str(DAY_NAMES[weekdayOf(daynr(p), false)] ?? '', ctx.collation, Coercibility.numeric);
  }),
  WEEK: fn(1, 2, (args, ctx) => weekFn(args, ctx, 0)),
  WEEKOFYEAR: fn(1, 1, (args, ctx) => weekFn(args, ctx, 3)),
  YEARWEEK: fn(1, 2, (args, ctx) => {
    const p = realDate(args.value(0), ctx);
    const mode = args.count > 1 ? toInt(args.value(1), ctx.warn.bind(ctx)) : 0n;
    if (p === null || mode === null) return null;
    const w = calcWeek(p, Number(mode) | 2);
    return int(w.year * 100 + w.week);
  }),
  LAST_DAY: fn(1, 1, (args, ctx) => {
    const p = realDate(args.value(0), ctx);
    return p === null ? null : date({ ...p, day: daysInMonth(p.year, p.month) });
  }),
  FROM_DAYS: fn(1, 1, (args, ctx) => {
    const n = toInt(args.value(0), ctx.warn.bind(ctx));
    if (n === null) return null;
    const d = fromDayNumber(Number(n));
    return date(dateParts(d.year, d.month, d.day));
  }),
  MAKEDATE: fn(2, 2, (args, ctx) => {
    const y = toInt(args.value(0), ctx.warn.bind(ctx));
    const n = toInt(args.value(1), ctx.warn.bind(ctx));
    if (y === null || n === null || n <= 0n) return null;
    const year = Number(y) < 70 ? Number(y) + 2000 : Number(y) < 100 ? Number(y) + 1900 : Number(y);
    const d = fromDayNumber(dayNumber(year, 1, 1) + Number(n) - 1);
    return d.year > 9999 ? null : date(dateParts(d.year, d.month, d.day));
  }),
  DATE_ADD: dateAddFn(false),
  ADDDATE: dateAddFn(false),
  DATE_SUB: dateAddFn(true),
  SUBDATE: dateAddFn(true),
  DATEDIFF: fn(2, 2, (args, ctx) => {
    const a = realDate(args.value(0), ctx);
    const b = realDate(args.value(1), ctx);
    return a === null || b === null ? null : int(daynr(a) - daynr(b));
  }),
  TIMEDIFF: fn(2, 2, (args, ctx) => {
    const a = args.value(0);
    const b = args.value(1);
    if (a === null || b === null) return null;
    const warn: Warn = ctx.warn.bind(ctx);
    const timeLike = (v: Exclude<SqlValue, null>): boolean =>
      v.kind === 'time' || (v.kind === 'string' && parseDateTime(v.v) === undefined);
    if (timeLike(a) && timeLike(b)) {
      const x = toTime(a, warn);
      const y = toTime(b, warn);
      if (x === null || y === null) return null;
      const d = x.micros - y.micros;
      return Math.abs(d) > TIME_MICROS_MAX ? null : time(d, Math.max(x.fsp, y.fsp));
    }
    const x = toDateTime(a, warn, today(ctx));
    const y = toDateTime(b, warn, today(ctx));
    if (x === null || y === null) return null;
    const d = Number(toMicros(x.parts) - toMicros(y.parts));
    return time(Math.max(-TIME_MICROS_MAX, Math.min(TIME_MICROS_MAX, d)), Math.max(x.fsp, y.fsp));
  }),
  TIMESTAMPDIFF: fn(2, 2, (args, ctx, call: FuncCall) => {
    const a = dt(args.value(0), ctx);
    const b = dt(args.value(1), ctx);
    if (a === null || b === null) return null;
    return int(timestampDiff(call.unit ?? 'SECOND', a, b));
  }),
  TIMESTAMPADD: fn(2, 2, (args, ctx, call: FuncCall) => {
    const iv = intervalOf(args.value(0), call.unit ?? 'SECOND', ctx);
    const base = args.value(1);
    if (iv === null || base === null) return null;
    return addInterval(base, iv, false, ctx);
  }),
  DATE_FORMAT: strict(2, 2, ([v, f], ctx) => {
    if (v === undefined || f === undefined) return null;
    const p = dt(v, ctx);
    if (p === null) return null;
    return str(formatDateTimeWith(p, toText(f) ?? ''), ctx.collation, Coercibility.numeric);
  }),
  TIME_FORMAT: strict(2, 2, ([v, f], ctx) => {
    if (v === undefined || f === undefined) return null;
    const t = toTime(v, ctx.warn.bind(ctx));
    if (t === null) return null;
    const parts = { ...dateParts(0, 0, 0), ...splitTimeOfDay(Math.abs(t.micros) % MICROS_PER_DAY) };
    return str(
      formatDateTimeWith(parts, toText(f) ?? '', t.micros),
      ctx.collation,
      Coercibility.numeric,
    );
  }),
  STR_TO_DATE: strict(2, 2, ([s, f], ctx) =>
    s === undefined || f === undefined ? null : strToDate(s, f, ctx),
  ),
  UNIX_TIMESTAMP: fn(0, 1, unixTimestamp),
  FROM_UNIXTIME: fn(1, 2, fromUnixtime),
  EXTRACT: fn(1, 1, (args, ctx, call: FuncCall) =>
    extract(call.unit ?? 'SECOND', args.value(0), ctx),
  ),
  SEC_TO_TIME: fn(1, 1, (args, ctx) => {
    const n = toNumeric(args.value(0), ctx.warn.bind(ctx));
    if (n === null) return null;
    const d = rescale(numericToDecimal(n), 6);
    const micros = Math.max(-TIME_MICROS_MAX, Math.min(TIME_MICROS_MAX, Number(d.coef)));
    return time(
      micros,
      n.kind === 'decimal' ? Math.min(n.v.scale, 6) : n.kind === 'double' ? 6 : 0,
    );
  }),
  TIME_TO_SEC: fn(1, 1, (args, ctx) => {
    const t = timeFields(args.value(0), ctx);
    if (t === null) return null;
    return int(decimalTrunc({ coef: BigInt(t.micros), scale: 6 }));
  }),
  CONVERT_TZ: fn(3, 3, (args, ctx) => {
    const p = dt(args.value(0), ctx);
    const from = offsetSeconds(toText(args.value(1)));
    const to = offsetSeconds(toText(args.value(2)));
    if (p === null || from === undefined || to === undefined) return null;
    return {
      kind: 'datetime',
      v: fromMicros(toMicros(p) + BigInt((to - from) * 1_000_000)),
      fsp: 0,
    };
  }),
};

/** '+05:30' / '-08:00' / 'UTC' → seconds east of UTC; named zones are not known. */
function offsetSeconds(tz: string | null): number | undefined {
  if (tz === null) return undefined;
  if (/^(utc|gmt|\+00:00|system)$/i.test(tz)) return 0;
  const m = /^([+-])(\d{1,2}):(\d{2})$/.exec(tz);
  if (m === null) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60;
  return m[1] === '-' ? -s : s;
}
