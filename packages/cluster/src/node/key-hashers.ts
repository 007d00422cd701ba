import { hashDistributionKey } from '@tessera/placement';

/**
 * How a replica computes a key's distribution hash — the number the slice map routes by — to
 * split a slice's data and to refuse the keys a split moved away.
 *
 * The rule belongs to whoever builds the keys (the SQL layer hashes a row key's distribution
 * columns, which needs their key types), so it travels with the split as a named spec, like a
 * scan program names its processor: the split entry carries `{ name, params }`, every member
 * resolves it with the hashers its node registered, and the replica keeps it in its record
 * (and its snapshots) with its range. So every member of a group hashes every key the same way
 * whatever its node knows of the catalog — the apply is deterministic.
 *
 * Contract for a registered hasher: a pure function of the key bytes (and params). A key it
 * cannot parse is hashed as a whole key (`wholeKeyHash`) — never an exception, which would
 * stop every member applying the split alike.
 */
export interface KeyHasherSpec {
  readonly name: string;
  readonly params: Uint8Array;
}

/** Builds the hash function for one params value; throws on params it cannot use. */
export type KeyHasherFactory = (params: Uint8Array) => (key: Uint8Array) => bigint;

export const wholeKeyHasherName = 'wholeKey';

/** The cluster layer's own rule: the whole key is the distribution key (SliceGroupLayout's). */
export function wholeKeyHash(key: Uint8Array): bigint {
  return hashDistributionKey([key]);
}

export const wholeKeyHasher: KeyHasherSpec = {
  name: wholeKeyHasherName,
  params: new Uint8Array(0),
};

export function sameHasher(a: KeyHasherSpec, b: KeyHasherSpec): boolean {
  return a.name === b.name && hex(a.params) === hex(b.params);
}

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The hashers a node knows, by name (`wholeKey` always), resolved once per spec. */
export class KeyHashers {
  private readonly factories: ReadonlyMap<string, KeyHasherFactory>;
  private readonly resolved = new Map<string, ((key: Uint8Array) => bigint) | undefined>();

  constructor(extra: ReadonlyMap<string, KeyHasherFactory> = new Map()) {
    this.factories = new Map([...extra, [wholeKeyHasherName, () => wholeKeyHash]]);
  }

  /** The spec's hash function, or undefined when the name is unknown or its params refused. */
  resolve(spec: KeyHasherSpec): ((key: Uint8Array) => bigint) | undefined {
    const id = `${spec.name}/${hex(spec.params)}`;
    if (this.resolved.has(id)) return this.resolved.get(id);
    const factory = this.factories.get(spec.name);
    let fn: ((key: Uint8Array) => bigint) | undefined;
    if (factory !== undefined) {
      try {
        const inner = factory(spec.params);
        fn = (key) => {
          try {
            const hash = inner(key);
            if (typeof hash === 'bigint' && hash >= 0n && hash < 1n << 64n) return hash;
          } catch {
            // fall through: a key the hasher cannot parse
          }
          return wholeKeyHash(key);
        };
      } catch {
        fn = undefined;
      }
    }
    this.resolved.set(id, fn);
    return fn;
  }
}
