/**
 * The SQL layer's key hasher for slice splits (the cluster's key-hashers.ts contract): how a
 * data node computes a row or index key's distribution hash — the first `distributionColumns`
 * key fields after the representation prefix, hashed as `RepresentationLayout` routes them —
 * without knowing the catalog. The split order carries the hasher as `{ name: 'sql', params }`,
 * params the key prefix length and the distribution columns' key kinds (all a node needs to
 * find the fields),
 * so every member of a group hashes alike whatever catalog version its node has seen.
 *
 * Hosts register `sqlKeyHasher` under `sqlKeyHasherName` on every data node
 * (`DataNodeDeps.keyHashers`) and name `sqlKeyHasherSpec(layout)` in the splits of a table's
 * slices.
 */
import { hashDistributionKey } from '@tessera/placement';
import { keyFieldLengths } from '../encoding/key-codec.js';
import type { KeyType } from '../encoding/key-codec.js';

export const sqlKeyHasherName = 'sql';

const PARAMS_VERSION = 1;
const kinds: readonly KeyType['kind'][] = [
  'int',
  'uint',
  'double',
  'decimal',
  'text',
  'bytes',
  'date',
  'datetime',
  'time',
  'year',
  'enum',
  'set',
];

/** The hasher spec of a layout: its distribution columns' key kinds, as JSON. */
export function sqlKeyHasherSpec(
  prefixBytes: number,
  keyTypes: readonly KeyType[],
  distributionColumns: number,
): { readonly name: string; readonly params: Uint8Array } {
  const params = {
    v: PARAMS_VERSION,
    prefix: prefixBytes,
    kinds: keyTypes.slice(0, distributionColumns).map((t) => t.kind),
  };
  return { name: sqlKeyHasherName, params: new TextEncoder().encode(JSON.stringify(params)) };
}

/**
 * The hash function for `params` (a KeyHasherFactory). Throws on params it cannot read; the
 * function it returns throws on a key it cannot parse (the node then hashes the whole key).
 */
export function sqlKeyHasher(params: Uint8Array): (key: Uint8Array) => bigint {
  const raw: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(params));
  if (typeof raw !== 'object' || raw === null || !('v' in raw) || !('kinds' in raw)) {
    throw new RangeError('sql key hasher: params are not {v, prefix, kinds}');
  }
  const { v, kinds: given } = raw;
  const prefix = 'prefix' in raw ? raw.prefix : undefined;
  if (v !== PARAMS_VERSION || !Array.isArray(given) || given.length === 0) {
    throw new RangeError('sql key hasher: unknown params version or no columns');
  }
  if (typeof prefix !== 'number' || !Number.isInteger(prefix) || prefix < 0 || prefix > 64) {
    throw new RangeError('sql key hasher: bad prefix length');
  }
  const types: KeyType[] = given.map((kind: unknown) => {
    const known = kinds.find((k) => k === kind);
    if (known === undefined)
      throw new RangeError(`sql key hasher: unknown key kind ${String(kind)}`);
    // Field lengths do not depend on the collation: any stands in.
    return known === 'text'
      ? { kind: 'text', collation: { name: 'binary', ci: false, ai: false, padSpace: false } }
      : { kind: known };
  });
  return (key) => distributionHash(key, prefix, types, types.length);
}

/** The distribution hash of a key: its first `count` key fields after `prefixBytes`. */
export function distributionHash(
  key: Uint8Array,
  prefixBytes: number,
  types: readonly KeyType[],
  count: number,
): bigint {
  const lengths = keyFieldLengths(key, prefixBytes, types.slice(0, count));
  const fields: Uint8Array[] = [];
  let at = prefixBytes;
  for (const length of lengths) {
    fields.push(key.subarray(at, at + length));
    at += length;
  }
  return hashDistributionKey(fields, count);
}
