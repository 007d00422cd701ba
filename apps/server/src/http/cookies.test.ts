import { describe, expect, it } from 'vitest';
import { parseCookies, sessionCookieHeader, sessionCookieName } from './cookies';

describe('parseCookies', () => {
  it('returns an empty map for a missing or empty header', () => {
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies('').size).toBe(0);
    expect(parseCookies(' ; ;').size).toBe(0);
  });

  it('reads several cookies and trims the spaces around names and values', () => {
    const cookies = parseCookies('  a = 1 ;b=2;   c=three  ');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'three'],
    ]);
  });

  it('skips a pair whose name is empty (regression)', () => {
    expect([...parseCookies('a=1; =x;  =y').entries()]).toEqual([['a', '1']]);
  });

  it('keeps the first of duplicate names', () => {
    expect(parseCookies('a=1; a=2').get('a')).toBe('1');
    expect(parseCookies('a=first;b=x; a =second').get('a')).toBe('first');
  });

  it('percent-decodes values', () => {
    expect(parseCookies('a=hello%20world%3B%3D').get('a')).toBe('hello world;=');
    expect(parseCookies('a=%E2%82%AC').get('a')).toBe('€');
  });

  it('ignores a malformed percent escape without dropping the other cookies', () => {
    const cookies = parseCookies('bad=%E0%A4%A; x=%; good=ok; y=%zz');
    expect(cookies.has('bad')).toBe(false);
    expect(cookies.has('x')).toBe(false);
    expect(cookies.has('y')).toBe(false);
    expect(cookies.get('good')).toBe('ok');
  });

  it('skips parts without a name or without =', () => {
    const cookies = parseCookies('=orphan;flag; a=1;;b=');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', ''],
    ]);
  });

  it('keeps = signs inside a value', () => {
    expect(parseCookies('a=b=c==').get('a')).toBe('b=c==');
  });

  it('reads the session cookie among others', () => {
    const header = `theme=dark; ${sessionCookieName}=tok-en_1; other=x`;
    expect(parseCookies(header).get(sessionCookieName)).toBe('tok-en_1');
  });
});

describe('sessionCookieHeader', () => {
  it('sets an HttpOnly, SameSite=Lax cookie for the whole site with the given lifetime', () => {
    const header = sessionCookieHeader('abc', 3600);
    expect(header).toBe(`${sessionCookieName}=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600`);
  });

  it('clears the cookie with an empty value and Max-Age=0', () => {
    expect(sessionCookieHeader(null, 3600)).toBe(
      `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
  });

  it('encodes the token so that parseCookies reads it back unchanged', () => {
    const token = 'a b;c=d%e,f"g';
    const header = sessionCookieHeader(token, 60);
    const pair = header.split('; ')[0]!;
    expect(pair).not.toContain(' ');
    expect(pair.slice(pair.indexOf('=') + 1)).not.toMatch(/[;,"]/);
    expect(parseCookies(pair).get(sessionCookieName)).toBe(token);
  });
});
