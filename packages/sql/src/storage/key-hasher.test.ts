import type { ClusterNode } from '@tessera/placement';
import { planInitialPlacement, splitSlice } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import { defaultCollation } from '../encoding/key-codec.js';
import type { KeyType } from '../encoding/key-codec.js';
import {
  distributionHash,
  sqlKeyHasher,
  sqlKeyHasherName,
  sqlKeyHasherSpec,
} from './key-hasher.js';
import { CatalogRouter, RepresentationLayout, RoutingTable } from './layout.js';

const nodes: ClusterNode[] = [
  { id: 1, zone: 'a', state: 'up' },
  { id: 2, zone: 'b', state: 'up' },
  { id: 3, zone: 'c', state: 'up' },
];
const text: KeyType = { kind: 'text', collation: defaultCollation };
const orders = planInitialPlacement({ id: 7, name: 't1/PRIMARY', sliceCount: 2 }, nodes);

describe('the SQL key hasher (slice splits on data nodes)', () => {
  it('hashes every key exactly as the layout routes it, from the spec alone', () => {
    for (const columns of [1, 2]) {
      const types: KeyType[] = [text, { kind: 'int' }, { kind: 'decimal' }];
      const layout = new RepresentationLayout(orders, types, columns);
      const spec = sqlKeyHasherSpec(4, types, columns);
      expect(spec.name).toBe(sqlKeyHasherName);
      const hash = sqlKeyHasher(spec.params);
      for (let i = 0; i < 50; i++) {
        const key = layout.key([`tenant-${i % 7}`, BigInt(i), '1.5']);
        expect(hash(key)).toBe(distributionHash(key, 4, types, columns));
        expect(layout.groupOf(key)).toBe(
          layout.groupIds.find((g) => {
            const r = layout.boundsOfGroup(g);
            return r !== undefined && hash(key) >= r.start && hash(key) < r.end;
          }),
        );
      }
    }
  });

  it('refuses params it cannot read, and throws on a key it cannot parse', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    for (const bad of [
      '',
      'null',
      '{"v":2,"kinds":["int"]}',
      '{"v":1,"kinds":[]}',
      '{"v":1,"kinds":["blob"]}',
    ]) {
      expect(() => sqlKeyHasher(bytes(bad))).toThrow();
    }
    const hash = sqlKeyHasher(sqlKeyHasherSpec(4, [{ kind: 'int' }], 1).params);
    expect(() => hash(Uint8Array.of(0, 0, 0, 7, 1, 2))).toThrow(); // truncated int field
  });

  it('gives routers the range of each group, and the groups a split left in its place', () => {
    const [first] = orders.slices;
    if (first === undefined) throw new Error('no slice');
    const split = splitSlice({ representations: [orders] }, first.id);
    const rep = split.placement.representations[0];
    if (rep === undefined) throw new Error('no representation');
    const before = new CatalogRouter([new RepresentationLayout(orders, [{ kind: 'int' }], 1)]);
    const after = new CatalogRouter([new RepresentationLayout(rep, [{ kind: 'int' }], 1)]);
    const oldBounds = before.boundsOf(first.id + 1);
    expect(oldBounds).toEqual(first.range);
    if (oldBounds === undefined) throw new Error('no bounds');
    expect(after.groupsWithin(first.id + 1, oldBounds).sort()).toEqual(
      [first.id + 1, split.upper + 1].sort(),
    );
    expect(after.boundsOf(999)).toBeUndefined();
    // The routing table names the SQL hasher of each slice (what its split orders carry).
    const table = new RoutingTable();
    table.refresh(1, [new RepresentationLayout(rep, [{ kind: 'int' }], 1)]);
    expect(table.keyHasherOfSlice(split.upper)).toEqual(sqlKeyHasherSpec(4, [{ kind: 'int' }], 1));
    expect(table.keyHasherOfSlice(999)).toBeUndefined();
    const routing = table.sliceRouting(() => Promise.resolve());
    expect(routing.slicesWithin(first.id + 1, oldBounds).length).toBe(2);
  });
});
