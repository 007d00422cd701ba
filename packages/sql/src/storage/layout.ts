/**
 * Where a table's rows and index entries live in the transactional KV layer.
 *
 * Every representation of a table (its primary, each secondary index) is its own set of slices
 * (the control plane places them), and every key starts with the representation id, so keys of
 * different tables and indexes never meet and a key alone says where it goes:
 *
 * ```
 * primary row      u32 BE representationId · key(primary key columns)   → row(all columns)
 * unique index     u32 BE representationId · key(index columns)         → primary key bytes
 * non-unique index u32 BE representationId · key(index columns · primary key columns) → ''
 * ```
 *
 * The slice of a key is chosen by the hash of its first `distributionColumns` fields (Xpand's
 * distribution key), each field as key-codec encodes it — so values equal under the column's
 * collation land on the same slice — then `sliceFor` in the representation's hash ranges.
 */
import type { HashRange, Representation, Slice } from '@tessera/placement';
import { sliceFor } from '@tessera/placement';
import type { Router, SliceRouting } from '@tessera/txn';
import { groupIdOfSlice } from '@tessera/txn';
import type { KeyType, KeyValue } from '../encoding/key-codec.js';
import { KeyWriter } from '../encoding/key-codec.js';
import { distributionHash, sqlKeyHasherSpec } from './key-hasher.js';

export const representationPrefixBytes = 4;

export function representationPrefix(representationId: number): Uint8Array {
  const prefix = new Uint8Array(representationPrefixBytes);
  new DataView(prefix.buffer).setUint32(0, representationId);
  return prefix;
}

export function representationIdOfKey(key: Uint8Array): number | undefined {
  if (key.length < representationPrefixBytes) return undefined;
  return new DataView(key.buffer, key.byteOffset, representationPrefixBytes).getUint32(0);
}

/** One representation's keys: how to build them and which replication group holds each. */
export class RepresentationLayout {
  readonly prefix: Uint8Array;
  readonly groupIds: readonly number[];

  constructor(
    readonly representation: Representation,
    /** The key columns' types in key order (at least the distribution columns). */
    readonly keyTypes: readonly KeyType[],
    readonly distributionColumns: number,
  ) {
    if (distributionColumns < 1 || distributionColumns > keyTypes.length) {
      throw new RangeError(
        `distribution key of ${distributionColumns} column(s) over ${keyTypes.length} key column(s)`,
      );
    }
    this.prefix = representationPrefix(representation.id);
    this.groupIds = representation.slices.map((s) => groupIdOfSlice(s.id));
  }

  /** The key of these key-column values (a prefix of the columns makes a range start). */
  key(values: readonly KeyValue[]): Uint8Array {
    const w = new KeyWriter();
    values.forEach((v, i) => {
      const type = this.keyTypes[i];
      if (type === undefined) throw new RangeError(`more values than key columns`);
      w.field(type, v);
    });
    const body = w.finish();
    const key = new Uint8Array(this.prefix.length + body.length);
    key.set(this.prefix);
    key.set(body, this.prefix.length);
    return key;
  }

  /** The replication group holding `key` (a key of this representation). */
  groupOf(key: Uint8Array): number {
    return groupIdOfSlice(this.sliceHolding(key).id);
  }

  /** The slice holding `key` (a key of this representation): the hash of its distribution key. */
  sliceHolding(key: Uint8Array): Slice {
    return sliceFor(
      this.representation,
      distributionHash(key, representationPrefixBytes, this.keyTypes, this.distributionColumns),
    );
  }

  /** The hash range of the slice replicated by `groupId`, if it is one of this layout's. */
  boundsOfGroup(groupId: number): HashRange | undefined {
    return this.representation.slices.find((s) => groupIdOfSlice(s.id) === groupId)?.range;
  }
}

/**
 * The txn Router over every representation the engine knows: a key's prefix names its
 * representation, whose layout names the group. A range inside one representation visits
 * that representation's groups (hash placement: all of them); any other range, every group.
 */
export class CatalogRouter implements Router {
  private readonly layouts = new Map<number, RepresentationLayout>();

  constructor(layouts: Iterable<RepresentationLayout>) {
    for (const layout of layouts) this.layouts.set(layout.representation.id, layout);
  }

  layout(representationId: number): RepresentationLayout | undefined {
    return this.layouts.get(representationId);
  }

  sliceOf(key: Uint8Array): number {
    const id = representationIdOfKey(key);
    const layout = id === undefined ? undefined : this.layouts.get(id);
    if (layout === undefined) {
      throw new RangeError(`no representation ${String(id)} for this key (stale catalog?)`);
    }
    return layout.groupOf(key);
  }

  layoutOfGroup(groupId: number): RepresentationLayout | undefined {
    for (const layout of this.layouts.values()) {
      if (layout.boundsOfGroup(groupId) !== undefined) return layout;
    }
    return undefined;
  }

  /** The hash range of a group's slice in this map (Router.boundsOf: scans send it). */
  boundsOf(groupId: number): HashRange | undefined {
    for (const layout of this.layouts.values()) {
      const bounds = layout.boundsOfGroup(groupId);
      if (bounds !== undefined) return bounds;
    }
    return undefined;
  }

  /** The groups of `groupId`'s representation whose ranges lie inside `bounds` (a split's halves). */
  groupsWithin(groupId: number, bounds: HashRange): number[] {
    for (const layout of this.layouts.values()) {
      if (layout.boundsOfGroup(groupId) === undefined) continue;
      return layout.representation.slices
        .filter((s) => s.range.start >= bounds.start && s.range.end <= bounds.end)
        .map((s) => groupIdOfSlice(s.id));
    }
    return [];
  }

  slicesFor(start: Uint8Array | undefined, end: Uint8Array | undefined): readonly number[] {
    const a = start === undefined ? undefined : representationIdOfKey(start);
    const b = end === undefined ? undefined : representationIdOfKey(end);
    if (a !== undefined && (b === a || (b === a + 1 && isPrefixEnd(end, b)))) {
      return this.layouts.get(a)?.groupIds ?? [];
    }
    return [...this.layouts.values()].flatMap((l) => l.groupIds);
  }
}

/** Whether `end` is exactly the next representation's bare prefix (a whole-table range end). */
function isPrefixEnd(end: Uint8Array | undefined, id: number): boolean {
  return (
    end !== undefined &&
    end.length === representationPrefixBytes &&
    representationIdOfKey(end) === id
  );
}

/**
 * The engine's Router, refreshed from catalog views: one layout per representation of every
 * table (primary keys by the table's distribution columns; an index by its first column, its
 * entries keyed by the index columns then the primary key). A TxnClient holds it for good;
 * `refresh` swaps the layouts underneath when the catalog moves.
 */
export class RoutingTable implements Router {
  private router = new CatalogRouter([]);
  private version = -1;

  get catalogVersion(): number {
    return this.version;
  }

  refresh(version: number, layouts: Iterable<RepresentationLayout>): void {
    if (version <= this.version) return;
    this.router = new CatalogRouter(layouts);
    this.version = version;
  }

  layout(representationId: number): RepresentationLayout | undefined {
    return this.router.layout(representationId);
  }

  sliceOf(key: Uint8Array): number {
    return this.router.sliceOf(key);
  }

  slicesFor(start: Uint8Array | undefined, end: Uint8Array | undefined): readonly number[] {
    return this.router.slicesFor(start, end);
  }

  boundsOf(groupId: number): HashRange | undefined {
    return this.router.boundsOf(groupId);
  }

  groupsWithin(groupId: number, bounds: HashRange): number[] {
    return this.router.groupsWithin(groupId, bounds);
  }

  /**
   * How the data nodes must hash the keys of slice `sliceId` to split it (the SQL key hasher
   * with its layout's distribution columns), or undefined when no layout holds the slice.
   */
  keyHasherOfSlice(
    sliceId: number,
  ): { readonly name: string; readonly params: Uint8Array } | undefined {
    const layout = this.router.layoutOfGroup(groupIdOfSlice(sliceId));
    return layout === undefined
      ? undefined
      : sqlKeyHasherSpec(representationPrefixBytes, layout.keyTypes, layout.distributionColumns);
  }

  /**
   * This table as the split re-routing of a ClusterSliceKv (its `routing`): `refresh` must
   * bring a newer catalog view into it (e.g. `refreshRouting(table, await port.view(v + 1))`,
   * or wait a moment when there is none yet).
   */
  sliceRouting(refresh: () => Promise<void>): SliceRouting {
    return {
      refresh,
      sliceOf: (key) => this.sliceOf(key),
      boundsOf: (groupId) => this.boundsOf(groupId),
      slicesWithin: (groupId, bounds) => this.groupsWithin(groupId, bounds),
    };
  }
}
