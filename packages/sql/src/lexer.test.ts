import { describe, expect, it } from 'vitest';
import { NUM_DECIMAL, NUM_FLOAT, NUM_INT, STRING_NATIONAL, Tok, tokenize } from './lexer.js';

const kinds = (sql: string) => tokenize(sql).map((t) => t.kind);
const texts = (sql: string) => tokenize(sql).map((t) => t.text);

describe('lexer', () => {
  it('reads words with their upper-cased form and keeps case in text', () => {
    const [t] = tokenize('sElEct');
    expect(t).toMatchObject({ kind: Tok.WORD, text: 'sElEct', upper: 'SELECT' });
  });

  it('reads numbers exactly, with their type', () => {
    const toks = tokenize('42 3.140 .5 1e-3 2E+10 1.5e3');
    expect(toks.slice(0, 6).map((t) => [t.text, t.flags])).toEqual([
      ['42', NUM_INT],
      ['3.140', NUM_DECIMAL],
      ['.5', NUM_DECIMAL],
      ['1e-3', NUM_FLOAT],
      ['2E+10', NUM_FLOAT],
      ['1.5e3', NUM_FLOAT],
    ]);
  });

  it('reads identifiers starting with digits and qualified names', () => {
    expect(kinds('1abc')).toEqual([Tok.WORD, Tok.EOF]);
    expect(texts('db.t.c')).toEqual(['db', '.', 't', '.', 'c', '']);
    expect(texts('t.5')).toEqual(['t', '.', '5', '']);
  });

  it('decodes strings: doubled quotes, backslash escapes, both quote characters', () => {
    expect(
      tokenize(`'it''s' "say \\"hi\\"" 'a\\nb\\tc\\0' 'x\\%y\\_' 'q\\z'`).map((t) => t.text),
    ).toEqual(["it's", 'say "hi"', 'a\nb\tc\0', 'x\\%y\\_', 'qz', '']);
  });

  it('honours NO_BACKSLASH_ESCAPES', () => {
    const [t] = tokenize(`'a\\n'`, { noBackslashEscapes: true });
    expect(t?.text).toBe('a\\n');
  });

  it('reads hex, bit and national literals', () => {
    const toks = tokenize(`X'ff' 0x1F b'01' 0b11 N'x'`);
    expect(toks.slice(0, 5).map((t) => [t.kind, t.text])).toEqual([
      [Tok.HEX, 'ff'],
      [Tok.HEX, '1F'],
      [Tok.BIT, '01'],
      [Tok.BIT, '11'],
      [Tok.STRING, 'x'],
    ]);
    expect(toks[4]?.flags).toBe(STRING_NATIONAL);
    expect(kinds('0xzz')).toEqual([Tok.WORD, Tok.EOF]);
  });

  it('reads backquoted identifiers with `` escapes', () => {
    const [t] = tokenize('`a``b c`');
    expect(t).toMatchObject({ kind: Tok.QIDENT, text: 'a`b c' });
  });

  it('reads variables and placeholders', () => {
    const toks = tokenize("@v @'quoted name' @@session.sql_mode @@x ?");
    expect(toks.slice(0, 5).map((t) => [t.kind, t.text])).toEqual([
      [Tok.USERVAR, 'v'],
      [Tok.USERVAR, 'quoted name'],
      [Tok.SYSVAR, 'session.sql_mode'],
      [Tok.SYSVAR, 'x'],
      [Tok.PARAM, '?'],
    ]);
  });

  it('reads multi-character operators', () => {
    expect(texts('<=> <= >= <> != << >> || && := -> ->>').slice(0, 12)).toEqual([
      '<=>',
      '<=',
      '>=',
      '<>',
      '!=',
      '<<',
      '>>',
      '||',
      '&&',
      ':=',
      '->',
      '->>',
    ]);
  });

  it('skips comments: -- , #, /* */, but not --x', () => {
    expect(texts('a -- c\nb # d\nc /* e */ d')).toEqual(['a', 'b', 'c', 'd', '']);
    expect(texts('1--1')).toEqual(['1', '-', '-', '1', '']);
  });

  it('keeps hints on the following token', () => {
    const toks = tokenize('/*FORCE_SLAVE*/ SELECT /*+ NO_INDEX(t i) */ 1');
    expect(toks[0]?.hints).toEqual([
      { kind: 'routing', name: 'FORCE_SLAVE', args: [], text: '/*FORCE_SLAVE*/' },
    ]);
    expect(toks[1]?.hints).toEqual([
      { kind: 'optimizer', name: 'NO_INDEX', args: ['t', 'i'], text: '/*+ NO_INDEX(t i) */' },
    ]);
    expect(tokenize('/* plain */ SELECT')[0]?.hints).toBeUndefined();
  });

  it('executes versioned comments up to 8.0.36 and skips newer ones', () => {
    expect(texts('/*!40101 SET NAMES utf8 */')).toEqual(['SET', 'NAMES', 'utf8', '']);
    expect(texts('/*!80036 a */ /*!80037 b */ c')).toEqual(['a', 'c', '']);
    expect(texts('SELECT /*!*/ 1')).toEqual(['SELECT', '1', '']);
    expect(tokenize('/*!50003 x */ y', { serverVersion: 40000 }).map((t) => t.text)).toEqual([
      'y',
      '',
    ]);
  });

  it('records start and end offsets', () => {
    const [a, b] = tokenize('  ab  `cd`');
    expect([a?.start, a?.end, b?.start, b?.end]).toEqual([2, 4, 6, 10]);
  });
});
