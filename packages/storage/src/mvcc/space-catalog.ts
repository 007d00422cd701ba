import { prefixEnd, readU32, u32Bytes } from '../bytes';
import { invariant } from '../errors';
import type { KvEngine, KvReader } from '../engine/kv-engine';
import { BatchView } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import {
  garbageKey,
  garbageRange,
  generationPrefix,
  nextGenerationKey,
  parseGarbageKey,
  spaceIdOfMetaKey,
  spaceMetaKey,
  spaceMetaRange,
  tag,
} from '../keys/key-layout';
import { decodeSpaceMeta, encodeSpaceMeta } from './records';
import type { SpaceMeta } from './records';
import { rememberEncodedMeta } from './space-meta-cache';

/**
 * Space lifecycle: create, drop, list, and the bounded purge of dropped generations.
 *
 * Dropping is one small atomic batch (delete the meta, mark the generation as garbage); the
 * records themselves go later, `maxRecords` at a time, in `purgeGarbage`. A crash between the
 * two leaves only garbage that the next purge finds again.
 */
export function readSpaceMeta(reader: KvReader, space: number): SpaceMeta | undefined {
  const bytes = reader.get(spaceMetaKey(space));
  return bytes === undefined ? undefined : decodeSpaceMeta(bytes);
}

export function writeSpaceMeta(batch: WriteBatch, space: number, meta: SpaceMeta): void {
  const bytes = encodeSpaceMeta(meta);
  rememberEncodedMeta(bytes, meta);
  batch.put(spaceMetaKey(space), bytes);
}

/** Generations are node-wide and never reused, so a recreated space never sees old garbage. */
export function allocateGeneration(view: KvReader, batch: WriteBatch): number {
  const current = view.get(nextGenerationKey);
  const gen = current === undefined ? 1 : readU32(current, 0);
  invariant(gen < 0xffffffff, 'BAD_ID', () => 'generation counter exhausted');
  batch.put(nextGenerationKey, u32Bytes(gen + 1));
  return gen;
}

export function createSpace(engine: KvEngine, batch: WriteBatch, space: number): boolean {
  const view = new BatchView(engine, batch);
  if (readSpaceMeta(view, space) !== undefined) return false;
  writeSpaceMeta(batch, space, {
    gen: allocateGeneration(view, batch),
    stagingGen: 0,
    appliedIndex: 0,
    appliedTerm: 0,
    gcSafePointTs: 0,
    records: 0,
    bytes: 0,
    stagingRecords: 0,
    stagingBytes: 0,
    maxCommitTs: 0,
  });
  return true;
}

export function dropSpace(engine: KvEngine, batch: WriteBatch, space: number): boolean {
  const meta = readSpaceMeta(new BatchView(engine, batch), space);
  if (meta === undefined) return false;
  batch.delete(spaceMetaKey(space));
  batch.put(garbageKey(space, meta.gen), new Uint8Array(0));
  if (meta.stagingGen !== 0) batch.put(garbageKey(space, meta.stagingGen), new Uint8Array(0));
  return true;
}

export function listSpaces(reader: KvReader): number[] {
  const out: number[] = [];
  for (const { key } of reader.range(spaceMetaRange)) out.push(spaceIdOfMetaKey(key));
  return out;
}

export interface PurgeResult {
  readonly deletedRecords: number;
  /** True when no garbage is left after this batch commits. */
  readonly done: boolean;
}

/**
 * Deletes at most `maxRecords` records of dropped or abandoned generations into `batch`.
 * Reads are materialised before the batch is written: a BatchView must not be iterated while
 * its batch changes.
 */
export function purgeGarbage(engine: KvEngine, batch: WriteBatch, maxRecords: number): PurgeResult {
  const view = new BatchView(engine, batch);
  const markers = [...view.range(garbageRange)].map((e) => e.key);
  let deleted = 0;
  for (const marker of markers) {
    const budget = maxRecords - deleted;
    if (budget <= 0) return { deletedRecords: deleted, done: false };
    const { space, gen } = parseGarbageKey(marker);
    const prefix = generationPrefix(space, gen);
    const records = [
      ...view.range({ start: prefix, end: generationEnd(prefix), limit: budget + 1 }),
    ];
    for (const record of records.slice(0, budget)) batch.delete(record.key);
    deleted += Math.min(budget, records.length);
    if (records.length > budget) return { deletedRecords: deleted, done: false };
    batch.delete(marker);
  }
  return { deletedRecords: deleted, done: true };
}

/** The exclusive end of a generation's records. */
export function generationEnd(prefix: Uint8Array): Uint8Array {
  return prefixEnd(prefix) ?? Uint8Array.of(tag.spaceData + 1);
}
