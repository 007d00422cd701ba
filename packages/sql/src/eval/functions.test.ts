import { describe, expect, it } from 'vitest';
import { errorCode, run, text } from './testing.js';

// Expected values from the MySQL 8.0 reference manual's examples for each function.
function cases(table: readonly (readonly [string, string | null])[]): void {
  for (const [sql, expected] of table) {
    it(`SELECT ${sql} → ${expected === null ? 'NULL' : `'${expected}'`}`, () => {
      expect(text(sql)).toBe(expected);
    });
  }
}

describe('registry', () => {
  it('a wrong argument count is 1582', () => {
    expect(() => run('IFNULL(1)')).toThrow(
      "Incorrect parameter count in the call to native function 'IFNULL'",
    );
    expect(errorCode('CONCAT()')).toBe(1582);
    expect(errorCode('NOW(1, 2)')).toBe(1582);
  });
  it('an unknown function is 1305', () => {
    expect(() => run('no_such_fn(1)')).toThrow('FUNCTION no_such_fn does not exist');
    expect(() => run('no_such_fn(1)', { session: { database: 'shop' } })).toThrow(
      'FUNCTION shop.no_such_fn does not exist',
    );
    expect(errorCode('mydb.f(1)')).toBe(1305);
  });
  it('an aggregate outside grouping is 1111', () => {
    expect(errorCode('SUM(1)')).toBe(1111);
  });
});

describe('control functions', () => {
  cases([
    ['IF(1 > 2, 2, 3)', '3'],
    ["IF(1 < 2, 'yes', 'no')", 'yes'],
    ["IF(STRCMP('test', 'test1'), 'no', 'yes')", 'no'],
    ['IF(NULL, 1, 2)', '2'],
    ['IFNULL(1, 0)', '1'],
    ['IFNULL(NULL, 10)', '10'],
    ["IFNULL(1/0, 'yes')", 'yes'],
    ['NULLIF(1, 1)', null],
    ['NULLIF(1, 2)', '1'],
    ["NULLIF('a', 'A')", null],
    ['COALESCE(NULL, 1)', '1'],
    ['COALESCE(NULL, NULL, NULL)', null],
    ['ISNULL(1 + 1)', '0'],
    ['ISNULL(1 / 0)', '1'],
    ['GREATEST(2, 0)', '2'],
    ['GREATEST(34.0, 3.0, 5.0, 767.0)', '767.0'],
    ["GREATEST('B', 'A', 'C')", 'C'],
    ['GREATEST(1, 2.5)', '2.5'],
    ['GREATEST(1.5, 2)', '2.0'],
    ['GREATEST(1, NULL)', null],
    ['LEAST(2, 0)', '0'],
    ['LEAST(34.0, 3.0, 5.0, 767.0)', '3.0'],
    ["LEAST('B', 'A', 'C')", 'A'],
    ['LEAST(1e0, 2)', '1'],
    ["GREATEST(DATE '2024-01-01', DATE '2023-12-31')", '2024-01-01'],
  ]);
  it('IF evaluates only the chosen branch', () => {
    expect(run('IF(1, 1, 1/0)').warnings).toEqual([]);
    expect(run('COALESCE(1, 1/0)').warnings).toEqual([]);
  });
});

describe('string functions', () => {
  cases([
    ["CONCAT('My', 'S', 'QL')", 'MySQL'],
    ["CONCAT('My', NULL, 'QL')", null],
    ['CONCAT(14.3)', '14.3'],
    [
      "CONCAT_WS(',', 'First name', 'Second name', 'Last Name')",
      'First name,Second name,Last Name',
    ],
    ["CONCAT_WS(',', 'First name', NULL, 'Last Name')", 'First name,Last Name'],
    ["CONCAT_WS(NULL, 'a', 'b')", null],
    ["LENGTH('text')", '4'],
    ["LENGTH('€')", '3'],
    ["CHAR_LENGTH('€uro')", '4'],
    ["CHARACTER_LENGTH('abc')", '3'],
    ["BIT_LENGTH('text')", '32'],
    ["UPPER('Hej')", 'HEJ'],
    ["UCASE('abc')", 'ABC'],
    ["LOWER('QUADRATICALLY')", 'quadratically'],
    ["LCASE('ABC')", 'abc'],
    ["UPPER(BINARY 'abc') = BINARY 'abc'", '1'],
    ["SUBSTRING('Quadratically', 5)", 'ratically'],
    ["SUBSTRING('foobarbar' FROM 4)", 'barbar'],
    ["SUBSTRING('Quadratically', 5, 6)", 'ratica'],
    ["SUBSTRING('Sakila', -3)", 'ila'],
    ["SUBSTRING('Sakila', -5, 3)", 'aki'],
    ["SUBSTRING('Sakila' FROM -4 FOR 2)", 'ki'],
    ["SUBSTRING('Sakila', 0)", ''],
    ["SUBSTRING('Sakila', 10)", ''],
    ["SUBSTR('Sakila', 2, 0)", ''],
    ["MID('Sakila', 2, 3)", 'aki'],
    ["LEFT('foobarbar', 5)", 'fooba'],
    ["LEFT('foo', -1)", ''],
    ["RIGHT('foobarbar', 4)", 'rbar'],
    ["TRIM('  bar   ')", 'bar'],
    ["TRIM(LEADING 'x' FROM 'xxxbarxxx')", 'barxxx'],
    ["TRIM(BOTH 'x' FROM 'xxxbarxxx')", 'bar'],
    ["TRIM(TRAILING 'xyz' FROM 'barxxyz')", 'barx'],
    ["TRIM(LEADING FROM '  x  ')", 'x  '],
    ["LTRIM('  barbar')", 'barbar'],
    ["RTRIM('barbar   ')", 'barbar'],
    ["LPAD('hi', 4, '??')", '??hi'],
    ["LPAD('hi', 1, '??')", 'h'],
    ["RPAD('hi', 5, '?')", 'hi???'],
    ["RPAD('hi', 1, '?')", 'h'],
    ["LPAD('hi', 5, '')", null],
    ["REPLACE('www.mysql.com', 'w', 'Ww')", 'WwWwWw.mysql.com'],
    ["REPLACE('aAa', 'a', 'b')", 'bAb'],
    ["REVERSE('abc')", 'cba'],
    ["REPEAT('MySQL', 3)", 'MySQLMySQLMySQL'],
    ["REPEAT('x', 0)", ''],
    ["REPEAT('x', NULL)", null],
    ['SPACE(6)', '      '],
    ["LOCATE('bar', 'foobarbar')", '4'],
    ["LOCATE('xbar', 'foobar')", '0'],
    ["LOCATE('bar', 'foobarbar', 5)", '7'],
    ["LOCATE('BAR', 'foobarbar')", '4'],
    ["POSITION('bar' IN 'foobarbar')", '4'],
    ["INSTR('foobarbar', 'bar')", '4'],
    ["INSTR('xbar', 'foobar')", '0'],
    ["STRCMP('text', 'text2')", '-1'],
    ["STRCMP('text2', 'text')", '1'],
    ["STRCMP('text', 'text')", '0'],
    ["STRCMP('A', 'a')", '0'],
    ["ASCII('2')", '50'],
    ['ASCII(2)', '50'],
    ["ASCII('dx')", '100'],
    ["ASCII('')", '0'],
    ["ORD('2')", '50'],
    ["CHAR(77, 121, 83, 81, '76')", 'MySQL'],
    ["CHAR(77, 77.3, '77.3')", 'MMM'],
    ["HEX('abc')", '616263'],
    ['HEX(255)', 'FF'],
    ['HEX(-1)', 'FFFFFFFFFFFFFFFF'],
    ["UNHEX('4D7953514C')", 'MySQL'],
    ["UNHEX('GG')", null],
    ["HEX(UNHEX('1267'))", '1267'],
    ["FIELD('Bb', 'Aa', 'Bb', 'Cc', 'Dd', 'Ff')", '2'],
    ["FIELD('Gg', 'Aa', 'Bb', 'Cc', 'Dd', 'Ff')", '0'],
    ["FIELD(NULL, 'a')", '0'],
    ['FIELD(2, 1, 2, 3)', '2'],
    ["FIND_IN_SET('b', 'a,b,c,d')", '2'],
    ["FIND_IN_SET('B', 'a,b,c,d')", '2'],
    ["FIND_IN_SET('z', 'a,b,c,d')", '0'],
    ["FIND_IN_SET(NULL, 'a')", null],
    ["ELT(1, 'Aa', 'Bb', 'Cc', 'Dd')", 'Aa'],
    ["ELT(4, 'Aa', 'Bb', 'Cc', 'Dd')", 'Dd'],
    ["ELT(5, 'Aa', 'Bb')", null],
    ['FORMAT(12332.123456, 4)', '12,332.1235'],
    ['FORMAT(12332.1, 4)', '12,332.1000'],
    ['FORMAT(12332.2, 0)', '12,332'],
    ['FORMAT(-1234567.891, 2)', '-1,234,567.89'],
    ["QUOTE('Don\\'t!')", "'Don\\'t!'"],
    ['QUOTE(NULL)', 'NULL'],
    ["SUBSTRING_INDEX('www.mysql.com', '.', 2)", 'www.mysql'],
    ["SUBSTRING_INDEX('www.mysql.com', '.', -2)", 'mysql.com'],
    ["SUBSTRING_INDEX('www.mysql.com', '.', 0)", ''],
    ["INSERT('Quadratic', 3, 4, 'What')", 'QuWhattic'],
    ["INSERT('Quadratic', -1, 4, 'What')", 'Quadratic'],
    ["INSERT('Quadratic', 3, 100, 'What')", 'QuWhat'],
    ['BIN(12)', '1100'],
    ['OCT(12)', '14'],
    ["TO_BASE64('abc')", 'YWJj'],
    ["FROM_BASE64(TO_BASE64('abc'))", 'abc'],
  ]);
  it('REPEAT past max_allowed_packet is NULL with warning 1301', () => {
    const r = run("REPEAT('ab', 100)", { maxAllowedPacket: 64 });
    expect(r.value).toBeNull();
    expect(r.warnings[0]?.code).toBe(1301);
  });
  it('string results keep the argument collation; binary arguments make binary results', () => {
    expect(run("CONCAT('a', 'b')").value).toMatchObject({ kind: 'string' });
    expect(run("CONCAT('a', BINARY 'b')").value).toMatchObject({ kind: 'binary' });
    expect(run("CONCAT('a' COLLATE utf8mb4_bin, 'b')").value).toMatchObject({
      kind: 'string',
      collation: { name: 'utf8mb4_bin' },
    });
  });
});

describe('numeric functions', () => {
  cases([
    ['ABS(2)', '2'],
    ['ABS(-32)', '32'],
    ['ABS(-1.50)', '1.50'],
    ["ABS('-2.5')", '2.5'],
    ['SIGN(-32)', '-1'],
    ['SIGN(0)', '0'],
    ['SIGN(234)', '1'],
    ['SIGN(-0.5)', '-1'],
    ['CEILING(1.23)', '2'],
    ['CEIL(-1.23)', '-1'],
    ['CEIL(1.5e0)', '2'],
    ['FLOOR(1.23)', '1'],
    ['FLOOR(-1.23)', '-2'],
    ['FLOOR(-1.5e0)', '-2'],
    ['ROUND(-1.23)', '-1'],
    ['ROUND(-1.58)', '-2'],
    ['ROUND(1.58)', '2'],
    ['ROUND(1.298, 1)', '1.3'],
    ['ROUND(1.298, 0)', '1'],
    ['ROUND(23.298, -1)', '20'],
    ['ROUND(2.5)', '3'],
    ['ROUND(-2.5)', '-3'],
    ['ROUND(2.5e0)', '2'],
    ['ROUND(3.5e0)', '4'],
    ['ROUND(.1234567890123456789012345678, 27)', '0.123456789012345678901234568'],
    ['ROUND(150.000, 2)', '150.00'],
    ['ROUND(150, 2)', '150'],
    ['ROUND(1250, -2)', '1300'],
    ['ROUND(1249.9, -2)', '1200'],
    ['ROUND(-1250, -2)', '-1300'],
    ['TRUNCATE(1.223, 1)', '1.2'],
    ['TRUNCATE(1.999, 1)', '1.9'],
    ['TRUNCATE(1.999, 0)', '1'],
    ['TRUNCATE(-1.999, 1)', '-1.9'],
    ['TRUNCATE(122, -2)', '100'],
    ['TRUNCATE(10.28 * 100, 0)', '1028'],
    ['MOD(234, 10)', '4'],
    ['253 % 7', '1'],
    ['MOD(29, 9)', '2'],
    ['MOD(34.5, 3)', '1.5'],
    ['MOD(3, 0)', null],
    ['POW(2, 2)', '4'],
    ['POWER(2, -2)', '0.25'],
    ['SQRT(4)', '2'],
    ['SQRT(20)', '4.47213595499958'],
    ['SQRT(-16)', null],
    ['EXP(0)', '1'],
    ['LN(2)', '0.6931471805599453'],
    ['LN(-2)', null],
    ['LOG(2, 65536)', '16'],
    ['LOG(10, 100)', '2'],
    ['LOG(1, 100)', null],
    ['LOG2(65536)', '16'],
    ['LOG10(100)', '2'],
    ['PI()', '3.141592653589793'],
    ['DEGREES(PI())', '180'],
    ['RADIANS(90)', '1.5707963267948966'],
    ['COS(PI())', '-1'],
    ["CONV('a', 16, 2)", '1010'],
    ["CONV('6E', 18, 8)", '172'],
    ['CONV(-17, 10, -18)', '-H'],
    ["CONV(10 + '10' + '10' + X'0a', 10, 10)", '40'],
    ['BIT_COUNT(29)', '4'],
  ]);
  it('LN of a non-positive number warns 3020', () => {
    expect(run('LN(0)').warnings[0]?.code).toBe(3020);
  });
  it('ABS of the smallest BIGINT is 1690', () => {
    expect(errorCode('ABS(-9223372036854775808)')).toBe(1690);
  });
  it("RAND() draws from the context; RAND(N) is MySQL's seeded sequence", () => {
    const a = run('RAND()').value;
    expect(a).toMatchObject({ kind: 'double' });
    expect(text('RAND(3)')).toBe('0.9057697559760601');
    expect(text('RAND(3)')).toBe(text('RAND(3)'));
  });
});

describe('misc functions', () => {
  cases([
    ['VERSION()', '8.0.36-tessera'],
    ['DATABASE()', null],
    ['USER()', 'root@localhost'],
    ['CURRENT_USER()', 'root@%'],
    ['CURRENT_USER', 'root@%'],
    ['CONNECTION_ID()', '1'],
    ['LAST_INSERT_ID()', '0'],
    ['LAST_INSERT_ID(42)', '42'],
    ['ROW_COUNT()', '-1'],
    ['FOUND_ROWS()', '0'],
  ]);
  it('reads the session', () => {
    const session = { database: 'shop', lastInsertId: 7n, foundRows: 3n };
    expect(text('DATABASE()', { session })).toBe('shop');
    expect(text('SCHEMA()', { session })).toBe('shop');
    expect(text('LAST_INSERT_ID()', { session })).toBe('7');
    expect(text('FOUND_ROWS()', { session })).toBe('3');
  });
  it('UUID() is a well-formed UUID from the context randomness', () => {
    const u = text('UUID()');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(text('UUID()')).toBe(u); // same seed, same value
  });
});

describe('JSON', () => {
  cases([
    ["JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]')", '20'],
    ["JSON_EXTRACT('[10, 20, [30, 40]]', '$[1]', '$[0]')", '[20, 10]'],
    ["JSON_EXTRACT('[10, 20, [30, 40]]', '$[2][*]')", '[30, 40]'],
    ['JSON_EXTRACT(\'{"a": {"b": "x"}}\', \'$.a.b\')', '"x"'],
    ["JSON_EXTRACT('{\"a\": 1}', '$.z')", null],
    ['JSON_UNQUOTE(\'"abc"\')', 'abc'],
    ['JSON_UNQUOTE(JSON_EXTRACT(\'{"a": "x"}\', \'$.a\'))', 'x'],
    ["JSON_OBJECT('id', 87, 'name', 'carrot')", '{"id": 87, "name": "carrot"}'],
    ["JSON_ARRAY(1, 'abc', NULL, TRUE)", '[1, "abc", null, 1]'],
    ["JSON_QUOTE('null')", '"null"'],
    ['JSON_VALID(\'{"a": 1}\')', '1'],
    ["JSON_VALID('hello')", '0'],
    ["JSON_TYPE('[1, 2]')", 'ARRAY'],
    ['JSON_LENGTH(\'[1, 2, {"a": 3}]\')', '3'],
    ['JSON_KEYS(\'{"a": 1, "b": {"c": 30}}\')', '["a", "b"]'],
  ]);
  it('-> and ->> on a column', () => {
    const doc = { kind: 'json' as const, v: { name: 'carrot', tags: ['a', 'b'] } };
    const columns = (): typeof doc => doc;
    expect(text("c -> '$.name'", { columns })).toBe('"carrot"');
    expect(text("c ->> '$.name'", { columns })).toBe('carrot');
    expect(text("c ->> '$.tags[1]'", { columns })).toBe('b');
  });
  it('invalid JSON text is 3141', () => {
    expect(errorCode("JSON_EXTRACT('{bad', '$')")).toBe(3141);
    expect(errorCode("JSON_EXTRACT('[1]', 'x')")).toBe(3143);
  });
});
