import { describe, expect, it } from 'vitest';
import { calcWeek, dateParts, dayNumber, fromDayNumber } from './temporal.js';
import { run, text } from './testing.js';

// The test clock: 2024-03-15 10:20:30.123456 UTC, a Friday. Expected values from the MySQL
// 8.0 manual's date and time function examples.
function cases(table: readonly (readonly [string, string | null])[]): void {
  for (const [sql, expected] of table) {
    it(`SELECT ${sql} → ${expected === null ? 'NULL' : `'${expected}'`}`, () => {
      expect(text(sql)).toBe(expected);
    });
  }
}

describe('the clock', () => {
  cases([
    ['NOW()', '2024-03-15 10:20:30'],
    ['NOW(3)', '2024-03-15 10:20:30.123'],
    ['CURRENT_TIMESTAMP', '2024-03-15 10:20:30'],
    ['CURRENT_TIMESTAMP(6)', '2024-03-15 10:20:30.123456'],
    ['LOCALTIME()', '2024-03-15 10:20:30'],
    ['SYSDATE()', '2024-03-15 10:20:30'],
    ['CURDATE()', '2024-03-15'],
    ['CURRENT_DATE', '2024-03-15'],
    ['CURTIME()', '10:20:30'],
    ['UTC_TIMESTAMP()', '2024-03-15 10:20:30'],
    ['UTC_DATE()', '2024-03-15'],
    ['UNIX_TIMESTAMP()', '1710498030'],
    ['CURDATE() + 0', '20240315'],
    ['NOW() + 0', '20240315102030'],
  ]);
  it('uses the session time zone', () => {
    expect(text('NOW()', { timeZoneOffsetSeconds: -8 * 3600 })).toBe('2024-03-15 02:20:30');
    expect(text('UTC_TIMESTAMP()', { timeZoneOffsetSeconds: -8 * 3600 })).toBe(
      '2024-03-15 10:20:30',
    );
    expect(text('CURDATE()', { timeZoneOffsetSeconds: 14 * 3600 })).toBe('2024-03-16');
  });
});

describe('parts', () => {
  cases([
    ["DATE('2003-12-31 01:02:03')", '2003-12-31'],
    ["TIME('2003-12-31 01:02:03')", '01:02:03'],
    ["TIME('2003-12-31 01:02:03.000123')", '01:02:03.000123'],
    ["YEAR('1987-01-01')", '1987'],
    ["MONTH('2008-02-03')", '2'],
    ["DAY('2007-02-03')", '3'],
    ["DAYOFMONTH('2007-02-03')", '3'],
    ["HOUR('10:05:03')", '10'],
    ["HOUR('272:59:59')", '272'],
    ["MINUTE('2008-02-03 10:05:03')", '5'],
    ["SECOND('10:05:03')", '3'],
    ["MICROSECOND('12:00:00.123456')", '123456'],
    ["MICROSECOND('2019-12-31 23:59:59.000010')", '10'],
    ["DAYOFWEEK('2007-02-03')", '7'],
    ["WEEKDAY('2008-02-03 22:23:00')", '6'],
    ["WEEKDAY('2007-11-06')", '1'],
    ["DAYOFYEAR('2007-02-03')", '34'],
    ["QUARTER('2008-04-01')", '2'],
    ["MONTHNAME('2008-02-03')", 'February'],
    ["DAYNAME('2007-02-03')", 'Saturday'],
    ["WEEK('2008-02-20')", '7'],
    ["WEEK('2008-02-20', 0)", '7'],
    ["WEEK('2008-02-20', 1)", '8'],
    ["WEEK('2008-12-31', 1)", '53'],
    ["WEEK('2000-01-01')", '0'],
    ["WEEK('2000-01-01', 2)", '52'],
    ["WEEKOFYEAR('2008-02-20')", '8'],
    ["YEARWEEK('1987-01-01')", '198652'],
    ["LAST_DAY('2003-02-05')", '2003-02-28'],
    ["LAST_DAY('2004-02-05')", '2004-02-29'],
    ["LAST_DAY('2004-01-01 01:01:01')", '2004-01-31'],
    ["LAST_DAY('2003-03-32')", null],
    ["TO_DAYS('2007-10-07')", '733321'],
    ['TO_DAYS(950501)', '728779'],
    ['FROM_DAYS(730669)', '2000-07-03'],
    ['MAKEDATE(2011, 31)', '2011-01-31'],
    ['MAKEDATE(2011, 32)', '2011-02-01'],
    ['MAKEDATE(2011, 0)', null],
    ["EXTRACT(YEAR FROM '2019-07-02')", '2019'],
    ["EXTRACT(YEAR_MONTH FROM '2019-07-02 01:02:03')", '201907'],
    ["EXTRACT(DAY_MINUTE FROM '2019-07-02 01:02:03')", '20102'],
    ["EXTRACT(MICROSECOND FROM '2003-01-02 10:30:00.000123')", '123'],
    ["EXTRACT(HOUR FROM TIME '-12:30:00')", '-12'],
    ["YEAR('not a date')", null],
  ]);
  it('an unreadable date warns 1292', () => {
    expect(run("YEAR('not a date')").warnings).toEqual([
      { level: 'Warning', code: 1292, message: "Incorrect datetime value: 'not a date'" },
    ]);
  });
});

describe('date arithmetic', () => {
  cases([
    ["DATE_ADD('2018-05-01', INTERVAL 1 DAY)", '2018-05-02'],
    ["DATE_SUB('2018-05-01', INTERVAL 1 YEAR)", '2017-05-01'],
    ["DATE_ADD('2020-12-31 23:59:59', INTERVAL 1 SECOND)", '2021-01-01 00:00:00'],
    ["DATE_ADD('2018-12-31 23:59:59', INTERVAL 1 DAY)", '2019-01-01 23:59:59'],
    ["DATE_ADD('2100-12-31 23:59:59', INTERVAL '1:1' MINUTE_SECOND)", '2101-01-01 00:01:00'],
    ["DATE_SUB('2025-01-01 00:00:00', INTERVAL '1 1:1:1' DAY_SECOND)", '2024-12-30 22:58:59'],
    ["DATE_ADD('1900-01-01 00:00:00', INTERVAL '-1 10' DAY_HOUR)", '1899-12-30 14:00:00'],
    ["DATE_SUB('1998-01-02', INTERVAL 31 DAY)", '1997-12-02'],
    [
      "DATE_ADD('1992-12-31 23:59:59.000002', INTERVAL '1.999999' SECOND_MICROSECOND)",
      '1993-01-01 00:00:01.000001',
    ],
    ["DATE_ADD('2024-03-15', INTERVAL 1 HOUR)", '2024-03-15 01:00:00'],
    ["DATE_ADD('2018-01-31', INTERVAL 1 MONTH)", '2018-02-28'],
    ["DATE_ADD('2024-01-31', INTERVAL 1 MONTH)", '2024-02-29'],
    ["DATE_ADD('2024-01-01', INTERVAL '1-2' YEAR_MONTH)", '2025-03-01'],
    ["DATE_ADD('2024-01-01', INTERVAL 1 QUARTER)", '2024-04-01'],
    ["DATE_ADD('2024-01-01', INTERVAL 2 WEEK)", '2024-01-15'],
    ["DATE_ADD('2024-01-01', INTERVAL 1.5 SECOND)", '2024-01-01 00:00:01.500000'],
    ["ADDDATE('2008-01-02', 31)", '2008-02-02'],
    ["ADDDATE('2008-01-02', INTERVAL 31 DAY)", '2008-02-02'],
    ["SUBDATE('2008-01-02 12:00:00', 31)", '2007-12-02 12:00:00'],
    ["'2008-12-31 23:59:59' + INTERVAL 1 SECOND", '2009-01-01 00:00:00'],
    ["INTERVAL 1 DAY + '2008-12-31'", '2009-01-01'],
    ["'2005-01-01' - INTERVAL 1 SECOND", '2004-12-31 23:59:59'],
    ["DATE '2024-02-28' + INTERVAL 1 DAY", '2024-02-29'],
    ["TIME '10:00:00' + INTERVAL 90 MINUTE", '11:30:00'],
    ["DATE_ADD('9999-12-31', INTERVAL 1 DAY)", null],
    ['DATE_ADD(NULL, INTERVAL 1 DAY)', null],
    ["DATEDIFF('2007-12-31 23:59:59', '2007-12-30')", '1'],
    ["DATEDIFF('2010-11-30 23:59:59', '2010-12-31')", '-31'],
    ["TIMEDIFF('2000-01-01 00:00:00', '2000-01-01 00:00:00.000001')", '-00:00:00.000001'],
    ["TIMEDIFF('2008-12-31 23:59:59.000001', '2008-12-30 01:01:01.000002')", '46:58:57.999999'],
    ["TIMESTAMPDIFF(MONTH, '2003-02-01', '2003-05-01')", '3'],
    ["TIMESTAMPDIFF(YEAR, '2002-05-01', '2001-01-01')", '-1'],
    ["TIMESTAMPDIFF(MINUTE, '2003-02-01', '2003-05-01 12:05:55')", '128885'],
    ["TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-02-29')", '0'],
    ["TIMESTAMPDIFF(DAY, '2024-01-01 12:00:00', '2024-01-03 11:59:59')", '1'],
    ["TIMESTAMPADD(MINUTE, 1, '2003-01-02')", '2003-01-02 00:01:00'],
    ["TIMESTAMPADD(WEEK, 1, '2003-01-02')", '2003-01-09'],
    ['SEC_TO_TIME(2378)', '00:39:38'],
    ["TIME_TO_SEC('22:23:00')", '80580'],
    ["TIME_TO_SEC('00:39:38')", '2378'],
  ]);
  it('overflow warns 1441', () => {
    expect(run("DATE_ADD('9999-12-31', INTERVAL 1 DAY)").warnings[0]?.code).toBe(1441);
  });
});

describe('DATE_FORMAT and STR_TO_DATE', () => {
  cases([
    ["DATE_FORMAT('2009-10-04 22:23:00', '%W %M %Y')", 'Sunday October 2009'],
    ["DATE_FORMAT('2007-10-04 22:23:00', '%H:%i:%s')", '22:23:00'],
    ["DATE_FORMAT('1900-10-04 22:23:00', '%D %y %a %d %m %b %j')", '4th 00 Thu 04 10 Oct 277'],
    [
      "DATE_FORMAT('1997-10-04 22:23:00', '%H %k %I %r %T %S %w')",
      '22 22 10 10:23:00 PM 22:23:00 00 6',
    ],
    ["DATE_FORMAT('1999-01-01', '%X %V')", '1998 52'],
    ["DATE_FORMAT('2006-06-00', '%d')", '00'],
    ["DATE_FORMAT('2024-03-01 09:05:07.000042', '%e/%c/%y %l:%i %p %f')", '1/3/24 9:05 AM 000042'],
    ["DATE_FORMAT('2024-03-21', '%D %U %u %%')", '21st 11 12 %'],
    ["DATE_FORMAT('2024-03-22', '%D')", '22nd'],
    ["DATE_FORMAT('2024-03-13', '%D')", '13th'],
    ["TIME_FORMAT('100:00:00', '%H %k %h %I %l')", '100 100 04 04 4'],
    ["STR_TO_DATE('01,5,2013', '%d,%m,%Y')", '2013-05-01'],
    ["STR_TO_DATE('May 1, 2013', '%M %d,%Y')", '2013-05-01'],
    ["STR_TO_DATE('a09:30:17', 'a%h:%i:%s')", '09:30:17'],
    ["STR_TO_DATE('a09:30:17', '%h:%i:%s')", null],
    ["STR_TO_DATE('09:30:17a', '%h:%i:%s')", '09:30:17'],
    ["STR_TO_DATE('abc', 'abc')", null],
    ["STR_TO_DATE('9', '%m')", null],
    ["STR_TO_DATE('2013-05-01 10:11:12.5', '%Y-%m-%d %H:%i:%s.%f')", '2013-05-01 10:11:12.500000'],
    ["STR_TO_DATE('02/30/2024', '%m/%d/%Y')", null],
    ["STR_TO_DATE('10:15 PM', '%h:%i %p')", '22:15:00'],
    ['FROM_UNIXTIME(1447430881)', '2015-11-13 16:08:01'],
    ['FROM_UNIXTIME(1447430881.5)', '2015-11-13 16:08:01.5'],
    ["FROM_UNIXTIME(1447430881, '%Y %D %M %h:%i:%s %x')", '2015 13th November 04:08:01 2015'],
    ["UNIX_TIMESTAMP('2015-11-13 10:20:19')", '1447410019'],
    ["UNIX_TIMESTAMP('2015-11-13 10:20:19.012')", '1447410019.012'],
    ["UNIX_TIMESTAMP('1969-12-31')", '0'],
  ]);
  it('STR_TO_DATE failure warns 1411', () => {
    expect(run("STR_TO_DATE('abc', '%Y')").warnings[0]).toEqual({
      level: 'Warning',
      code: 1411,
      message: "Incorrect datetime value: 'abc' for function str_to_date",
    });
  });
});

describe('day numbers and weeks (property)', () => {
  it('fromDayNumber inverts dayNumber over 0001-01-01 … 9999-12-31', () => {
    for (let n = dayNumber(1, 1, 1); n <= dayNumber(9999, 12, 31); n += 37) {
      const d = fromDayNumber(n);
      expect(dayNumber(d.year, d.month, d.day)).toBe(n);
    }
  });
  it('week numbers stay within 0..53 for every mode', () => {
    for (let y = 1995; y <= 2030; y++) {
      for (const [m, d] of [
        [1, 1],
        [1, 3],
        [1, 7],
        [12, 28],
        [12, 31],
      ] as const) {
        for (let mode = 0; mode < 8; mode++) {
          const w = calcWeek(dateParts(y, m, d), mode).week;
          expect(w).toBeGreaterThanOrEqual(0);
          expect(w).toBeLessThanOrEqual(53);
        }
      }
    }
  });
});
