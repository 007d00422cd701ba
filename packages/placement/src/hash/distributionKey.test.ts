import { describe, expect, it } from 'vitest';
import { PlacementError } from '../errors';
import { hashDistributionKey } from './distributionKey';
import { hash64 } from './xxhash64';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('hashDistributionKey', () => {
  it('hashes only the first n columns', () => {
    const a = [utf8('tenant-7'), utf8('order-1')];
    const b = [utf8('tenant-7'), utf8('order-2')];
    expect(hashDistributionKey(a)).toBe(hashDistributionKey(b));
    expect(hashDistributionKey(a, 2)).not.toBe(hashDistributionKey(b, 2));
  });

  it('frames columns so that moving a byte across a boundary changes the hash', () => {
    const ab_c = hashDistributionKey([utf8('ab'), utf8('c')], 2);
    const a_bc = hashDistributionKey([utf8('a'), utf8('bc')], 2);
    expect(ab_c).not.toBe(a_bc);
  });

  it('is XXH64 over length-prefixed columns (a stable, documented encoding)', () => {
    const framed = new Uint8Array([3, 0, 0, 0, 0x61, 0x62, 0x63]);
    expect(hashDistributionKey([utf8('abc')])).toBe(hash64(framed));
    // Pinned: changing it would move every row of every table to another slice.
    expect(hashDistributionKey([utf8('abc')])).toBe(0x63a0098a3c3773f8n);
  });

  it('gives equal hashes for equal canonical bytes, whatever the caller started from', () => {
    // The SQL layer maps 'abc' and 'ABC' to one sort key under a case-insensitive collation;
    // here an upper-casing stands in for that sort key.
    const canonical = (s: string) => utf8(s.toUpperCase());
    expect(hashDistributionKey([canonical('abc')])).toBe(hashDistributionKey([canonical('ABC')]));
  });

  it('handles keys longer than its scratch buffer', () => {
    const long = new Uint8Array(10_000).fill(7);
    expect(hashDistributionKey([long])).toBe(hashDistributionKey([long.slice()]));
  });

  it('rejects a column count the key does not have', () => {
    expect(() => hashDistributionKey([utf8('x')], 2)).toThrow(PlacementError);
    expect(() => hashDistributionKey([utf8('x')], 0)).toThrow(PlacementError);
  });
});
