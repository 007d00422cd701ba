import type { ClusterNode } from '@tessera/placement';
import { planInitialPlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { collations, defaultCollation, encodeKey, keyFieldLengths } from '../encoding/key-codec.js';
import type { KeyType } from '../encoding/key-codec.js';
import { CatalogRouter, RepresentationLayout, representationIdOfKey } from './layout.js';

const nodes: ClusterNode[] = [
  { id: 1, zone: 'a', state: 'up' },
  { id: 2, zone: 'b', state: 'up' },
  { id: 3, zone: 'c', state: 'up' },
];
const orders = planInitialPlacement({ id: 7, name: 't1/PRIMARY', sliceCount: 4 }, nodes);
const byCustomer = planInitialPlacement({ id: 8, name: 't1/by_customer', sliceCount: 2 }, nodes, {
  existing: { representations: [orders] },
});
const text: KeyType = { kind: 'text', collation: defaultCollation };

describe('table layout and routing', () => {
  it('prefixes keys with the representation and routes by the distribution columns only', () => {
    const layout = new RepresentationLayout(orders, [text, { kind: 'int' }], 1);
    const a = layout.key(['tenant-7', 1n]);
    const b = layout.key(['tenant-7', 2n]);
    expect(representationIdOfKey(a)).toBe(7);
    // Same distribution column, same group; case-insensitively equal values too.
    expect(layout.groupOf(a)).toBe(layout.groupOf(b));
    expect(layout.groupOf(layout.key(['TENANT-7', 3n]))).toBe(layout.groupOf(a));
    // Spread: 200 tenants land on every group of the representation.
    const groups = new Set(
      Array.from({ length: 200 }, (_, i) => layout.groupOf(layout.key([`t${i}`, 1n]))),
    );
    expect([...groups].sort()).toEqual([...layout.groupIds].sort());
    // Two distribution columns: the second column changes the group for some keys.
    const wide = new RepresentationLayout(orders, [text, { kind: 'int' }], 2);
    const spread = new Set(
      Array.from({ length: 50 }, (_, i) => wide.groupOf(wide.key(['x', BigInt(i)]))),
    );
    expect(spread.size).toBeGreaterThan(1);
  });

  it('finds field boundaries of every key type', () => {
    const types: KeyType[] = [
      { kind: 'int' },
      { kind: 'decimal' },
      { kind: 'decimal' },
      { kind: 'text', collation: collations.utf8mb4_bin },
      { kind: 'bytes' },
      { kind: 'date' },
      { kind: 'year' },
      { kind: 'double' },
    ];
    const values = [
      null,
      '-12.5',
      '0',
      'a\u0000b',
      Uint8Array.of(0, 0, 1),
      '2025-01-02',
      2025,
      1.5,
    ];
    const key = encodeKey(types, values);
    const lengths = keyFieldLengths(key, 0, types);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(key.length);
    expect(lengths[0]).toBe(1); // NULL
    expect(() => keyFieldLengths(key.subarray(0, key.length - 1), 0, types)).toThrow();
  });

  it('routes keys of several representations, and ranges within one to its groups', () => {
    const primary = new RepresentationLayout(orders, [{ kind: 'int' }], 1);
    const index = new RepresentationLayout(byCustomer, [text, { kind: 'int' }], 1);
    const router = new CatalogRouter([primary, index]);
    const k = primary.key([42n]);
    expect(router.sliceOf(k)).toBe(primary.groupOf(k));
    const ik = index.key(['bob', 42n]);
    expect(index.groupIds).toContain(router.sliceOf(ik));
    expect(router.slicesFor(primary.prefix, index.prefix)).toEqual(primary.groupIds);
    expect(router.slicesFor(index.key(['a']), index.key(['b']))).toEqual(index.groupIds);
    expect(router.slicesFor(undefined, undefined)).toHaveLength(6);
    expect(() => router.sliceOf(Uint8Array.of(0, 0, 0, 99, 1))).toThrow(/no representation 99/);
  });
});
