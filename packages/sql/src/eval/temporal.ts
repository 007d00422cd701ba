// Dates and times as MySQL keeps them: calendar components, not instants. A DATETIME is
// `{year, month, day, hour, minute, second, micro}` (zero parts allowed, as in '0000-00-00');
// a DATE is the same with a zero time; a TIME is a signed count of microseconds (MySQL's range
// is ±838:59:59.999999). Day arithmetic goes through MySQL's day number (TO_DAYS), so
// '0001-01-01' is day 366 and week / weekday computations match MySQL's calc_* functions.
// Nothing here reads a clock: "now" is a parameter.

export interface DateTimeParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Microseconds, 0..999999. */
  readonly micro: number;
}

export const TIME_MICROS_MAX = ((838 * 60 + 59) * 60 + 59) * 1_000_000 + 999_999;
export const MICROS_PER_DAY = 86_400_000_000;
/** TO_DAYS('1970-01-01'). */
export const EPOCH_DAYNR = 719_528;

export function dateParts(year: number, month: number, day: number): DateTimeParts {
  return { year, month, day, hour: 0, minute: 0, second: 0, micro: 0 };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export function daysInYear(y: number): number {
  return isLeapYear(y) ? 366 : 365;
}

/** MySQL's calc_daynr (TO_DAYS): days since year 0, proleptic Gregorian. */
export function dayNumber(y: number, m: number, d: number): number {
  if (y === 0 && m === 0) return 0;
  let delsum = 365 * y + 31 * (m - 1) + d;
  let year = y;
  if (m <= 2) year--;
  else delsum -= Math.floor((m * 4 + 23) / 10);
  const temp = Math.floor(((Math.floor(year / 100) + 1) * 3) / 4);
  return delsum + Math.floor(year / 4) - temp;
}

/** MySQL's get_date_from_daynr (FROM_DAYS); out of range gives the zero date. */
export function fromDayNumber(daynr: number): { year: number; month: number; day: number } {
  if (daynr <= 365 || daynr >= 3_652_425) return { year: 0, month: 0, day: 0 };
  let year = Math.floor((daynr * 100) / 36525);
  const temp = Math.floor(((Math.floor((year - 1) / 100) + 1) * 3) / 4);
  let dayOfYear = daynr - year * 365 - Math.floor((year - 1) / 4) + temp;
  let diy = daysInYear(year);
  while (dayOfYear > diy) {
    dayOfYear -= diy;
    year++;
    diy = daysInYear(year);
  }
  let month = 1;
  while (dayOfYear > daysInMonth(year, month)) {
    dayOfYear -= daysInMonth(year, month);
    month++;
  }
  return { year, month, day: dayOfYear };
}

/** 0 = Monday … 6 = Sunday (WEEKDAY), or 0 = Sunday when `sundayFirst`. */
export function weekdayOf(daynr: number, sundayFirst: boolean): number {
  return (daynr + 5 + (sundayFirst ? 1 : 0)) % 7;
}

/** MySQL's calc_week for WEEK(date, mode) / YEARWEEK: the week and the year it belongs to. */
export function calcWeek(p: DateTimeParts, mode: number): { week: number; year: number } {
  let behaviour = mode & 7;
  if ((behaviour & 1) === 0) behaviour ^= 4;
  const mondayFirst = (behaviour & 1) !== 0;
  let weekYear = (behaviour & 2) !== 0;
  const firstWeekday = (behaviour & 4) !== 0;
  const daynr = dayNumber(p.year, p.month, p.day);
  let firstDaynr = dayNumber(p.year, 1, 1);
  let weekday = weekdayOf(firstDaynr, !mondayFirst);
  let year = p.year;
  if (p.month === 1 && p.day <= 7 - weekday) {
    if (!weekYear && ((firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4))) {
      return { week: 0, year };
    }
    weekYear = true;
    year--;
    const days = daysInYear(year);
    firstDaynr -= days;
    weekday = (weekday + 53 * 7 - days) % 7;
  }
  const days =
    (firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4)
      ? daynr - (firstDaynr + (7 - weekday))
      : daynr - (firstDaynr - weekday);
  if (weekYear && days >= 52 * 7) {
    weekday = (weekday + daysInYear(year)) % 7;
    if ((!firstWeekday && weekday < 4) || (firstWeekday && weekday === 0)) {
      return { week: 1, year: year + 1 };
    }
  }
  return { week: Math.floor(days / 7) + 1, year };
}

// ---------------------------------------------------------------------------------------------
// Validity

export function isZeroDate(p: DateTimeParts): boolean {
  return p.year === 0 && p.month === 0 && p.day === 0;
}

/** A real calendar date, or the all-zero date; zero months/days in a non-zero date are not. */
export function isValidDate(p: DateTimeParts): boolean {
  if (isZeroDate(p)) return true;
  return (
    p.year >= 0 &&
    p.year <= 9999 &&
    p.month >= 1 &&
    p.month <= 12 &&
    p.day >= 1 &&
    p.day <= daysInMonth(p.year, p.month)
  );
}

/** A date with zero month or day parts ('2006-06-00'), which DATE_FORMAT and DAY() accept. */
export function isFuzzyDate(p: DateTimeParts): boolean {
  if (p.year < 0 || p.year > 9999 || p.month < 0 || p.month > 12 || p.day < 0) return false;
  return p.day <= (p.month === 0 ? 31 : daysInMonth(p.year, p.month));
}

export function isValidTimeOfDay(p: DateTimeParts): boolean {
  return (
    p.hour >= 0 &&
    p.hour <= 23 &&
    p.minute >= 0 &&
    p.minute <= 59 &&
    p.second >= 0 &&
    p.second <= 59 &&
    p.micro >= 0 &&
    p.micro <= 999_999
  );
}

// ---------------------------------------------------------------------------------------------
// Conversions between representations

/**
 * Microseconds since 0000-00-00 00:00:00 by MySQL day number (for arithmetic and compare). A
 * bigint: year-9999 values are past 2^53.
 */
export function toMicros(p: DateTimeParts): bigint {
  return (
    BigInt(dayNumber(p.year, p.month, p.day)) * MICROS_PER_DAY_BIG +
    BigInt(((p.hour * 60 + p.minute) * 60 + p.second) * 1_000_000 + p.micro)
  );
}

export const MICROS_PER_DAY_BIG = 86_400_000_000n;

/** Parts from `toMicros`; days outside 0001-01-01 … 9999-12-31 give the zero date. */
export function fromMicros(total: bigint): DateTimeParts {
  let daynr = total / MICROS_PER_DAY_BIG;
  if (daynr * MICROS_PER_DAY_BIG > total) daynr -= 1n;
  const { year, month, day } = fromDayNumber(Number(daynr));
  const { hour, minute, second, micro } = splitTimeOfDay(
    Number(total - daynr * MICROS_PER_DAY_BIG),
  );
  return { year, month, day, hour, minute, second, micro };
}

export function splitTimeOfDay(micros: number): {
  hour: number;
  minute: number;
  second: number;
  micro: number;
} {
  const micro = micros % 1_000_000;
  const secs = Math.floor(micros / 1_000_000);
  return {
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    micro,
  };
}

export function timeOfDayMicros(p: DateTimeParts): number {
  return ((p.hour * 60 + p.minute) * 60 + p.second) * 1_000_000 + p.micro;
}

/** Local wall-clock parts of a UTC instant (µs since the Unix epoch) at a fixed UTC offset. */
export function partsFromEpochMicros(epochMicros: bigint, offsetSeconds: number): DateTimeParts {
  const local = epochMicros + BigInt(offsetSeconds) * 1_000_000n;
  return fromMicros(local + BigInt(EPOCH_DAYNR) * MICROS_PER_DAY_BIG);
}

/** The UTC instant (µs since the Unix epoch) of local parts at a fixed UTC offset. */
export function epochMicrosFromParts(p: DateTimeParts, offsetSeconds: number): bigint {
  return (
    toMicros(p) - BigInt(EPOCH_DAYNR) * MICROS_PER_DAY_BIG - BigInt(offsetSeconds) * 1_000_000n
  );
}

// ---------------------------------------------------------------------------------------------
// Text

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function formatDate(p: DateTimeParts): string {
  return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`;
}

function fraction(micro: number, fsp: number): string {
  return fsp > 0 ? '.' + pad(micro, 6).slice(0, fsp) : '';
}

export function formatDateTime(p: DateTimeParts, fsp: number): string {
  return (
    `${formatDate(p)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}` +
    fraction(p.micro, fsp)
  );
}

export function formatTime(micros: number, fsp: number): string {
  const negative = micros < 0;
  const { hour, minute, second, micro } = splitTimeOfDay(Math.abs(micros));
  return (
    (negative ? '-' : '') +
    `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}` +
    fraction(micro, fsp)
  );
}

export interface ParsedDateTime {
  readonly parts: DateTimeParts;
  /** Fractional digits written (0..6). */
  readonly fsp: number;
  /** Only a date was written. */
  readonly dateOnly: boolean;
}

function twoDigitYear(y: number): number {
  return y < 70 ? 2000 + y : 1900 + y;
}

function micro(frac: string | undefined): number {
  return frac === undefined || frac === '' ? 0 : Number(frac.slice(0, 6).padEnd(6, '0'));
}

const delimitedRe =
  /^(\d{1,4})[^\d\s](\d{1,2})[^\d\s](\d{1,2})(?:(?:[T ]+|[^\d\s])(\d{1,2})[^\d\s](\d{1,2})(?:[^\d\s](\d{1,2})(?:\.(\d*))?)?)?$/;
const compactRe = /^(\d{8}|\d{6})(?:T?(\d{6}|\d{4})(?:\.(\d*))?)?$/;
const compactFullRe = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*))?$/;
const compactYYRe = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*))?$/;

/**
 * A DATETIME (or DATE) from text as MySQL reads it: `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` with any
 * punctuation as delimiters and `T` allowed between the parts, two-digit years (70–99 → 19xx,
 * 00–69 → 20xx), and the delimiter-free `YYYYMMDD[HHMMSS]`, `YYMMDD[HHMMSS]`. Undefined if the
 * text is not a valid date.
 */
export function parseDateTime(text: string, fuzzy = false): ParsedDateTime | undefined {
  const s = text.trim();
  let m = delimitedRe.exec(s);
  if (m !== null) {
    const yearText = m[1] ?? '';
    const year = yearText.length <= 2 ? twoDigitYear(Number(yearText)) : Number(yearText);
    const parts: DateTimeParts = {
      year,
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
      micro: micro(m[7]),
    };
    return checked(parts, Math.min((m[7] ?? '').length, 6), m[4] === undefined, fuzzy);
  }
  m = compactFullRe.exec(s) ?? compactYYRe.exec(s);
  if (m !== null) {
    const yearText = m[1] ?? '';
    return checked(
      {
        year: yearText.length === 2 ? twoDigitYear(Number(yearText)) : Number(yearText),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: Number(m[4]),
        minute: Number(m[5]),
        second: Number(m[6]),
        micro: micro(m[7]),
      },
      Math.min((m[7] ?? '').length, 6),
      false,
      fuzzy,
    );
  }
  m = compactRe.exec(s);
  if (m !== null && m[2] === undefined) {
    const d = m[1] ?? '';
    const long = d.length === 8;
    const year = long ? Number(d.slice(0, 4)) : twoDigitYear(Number(d.slice(0, 2)));
    const rest = long ? d.slice(4) : d.slice(2);
    return checked(
      dateParts(year, Number(rest.slice(0, 2)), Number(rest.slice(2, 4))),
      0,
      true,
      fuzzy,
    );
  }
  return undefined;
}

function checked(
  p: DateTimeParts,
  fsp: number,
  dateOnly: boolean,
  fuzzy: boolean,
): ParsedDateTime | undefined {
  const dateOk = isValidDate(p) || (fuzzy && isFuzzyDate(p));
  if (!dateOk || !isValidTimeOfDay(p)) return undefined;
  return { parts: p, fsp, dateOnly };
}

const timeRe = /^([+-])?(?:(\d+)\s+)?(\d+):(\d{1,2})(?::(\d{1,2}))?(?:\.(\d*))?$/;
const compactTimeRe = /^([+-])?(\d+)(?:\.(\d*))?$/;

/**
 * A TIME from text: `[-][D ]HH:MM[:SS[.ffffff]]`, or `[-]HHMMSS[.f]` read from the right
 * (`1234` is 00:12:34); also a full datetime (its time part). Clipped to ±838:59:59 (MySQL
 * warns then). Undefined if not a time.
 */
export function parseTime(text: string): { micros: number; fsp: number } | undefined {
  const s = text.trim();
  let m = timeRe.exec(s);
  if (m !== null) {
    const days = Number(m[2] ?? 0);
    const minute = Number(m[4]);
    const second = Number(m[5] ?? 0);
    if (minute > 59 || second > 59) return undefined;
    const hours = days * 24 + Number(m[3]);
    const total = ((hours * 60 + minute) * 60 + second) * 1_000_000 + micro(m[6]);
    return {
      micros: clipTime(m[1] === '-' ? -total : total),
      fsp: Math.min((m[6] ?? '').length, 6),
    };
  }
  m = compactTimeRe.exec(s);
  if (m !== null) {
    const digits = m[2] ?? '';
    if (digits.length > 7) {
      const dt = parseDateTime(s);
      return dt === undefined ? undefined : { micros: timeOfDayMicros(dt.parts), fsp: dt.fsp };
    }
    const n = Number(digits);
    const second = n % 100;
    const minute = Math.floor(n / 100) % 100;
    const hour = Math.floor(n / 10000);
    if (minute > 59 || second > 59) return undefined;
    const total = ((hour * 60 + minute) * 60 + second) * 1_000_000 + micro(m[3]);
    return {
      micros: clipTime(m[1] === '-' ? -total : total),
      fsp: Math.min((m[3] ?? '').length, 6),
    };
  }
  const dt = parseDateTime(s);
  if (dt !== undefined && !dt.dateOnly) return { micros: timeOfDayMicros(dt.parts), fsp: dt.fsp };
  return undefined;
}

export function clipTime(micros: number): number {
  return Math.max(-TIME_MICROS_MAX, Math.min(TIME_MICROS_MAX, micros));
}

/**
 * A DATETIME from an integer as MySQL reads numbers in temporal context: YYYYMMDD, YYMMDD,
 * YYYYMMDDHHMMSS, YYMMDDHHMMSS (zero-padded from the left). Undefined if invalid.
 */
export function dateTimeFromNumber(n: bigint, fracMicros = 0): ParsedDateTime | undefined {
  if (n < 0n) return undefined;
  if (n === 0n) return { parts: dateParts(0, 0, 0), fsp: 0, dateOnly: true };
  const s = n.toString();
  if (s.length <= 8) {
    const padded = s.length <= 6 ? s.padStart(6, '0') : s.padStart(8, '0');
    const r = parseDateTime(padded);
    return r;
  }
  if (s.length <= 14) {
    const padded = s.length <= 12 ? s.padStart(12, '0') : s.padStart(14, '0');
    const r = parseDateTime(padded);
    if (r === undefined) return undefined;
    return {
      parts: { ...r.parts, micro: fracMicros },
      fsp: fracMicros === 0 ? 0 : 6,
      dateOnly: false,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Names

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** Monday first, as WEEKDAY() numbers them. */
export const DAY_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;
