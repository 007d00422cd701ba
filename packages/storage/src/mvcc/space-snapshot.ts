import { concatBytes, keySuccessor, readU32, writeU32 } from '../bytes';
import { invariant } from '../errors';
import type { KvEngine, KvSnapshot } from '../engine/kv-engine';
import { BatchView } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import { garbageKey, generationPrefix, parseRecordKey } from '../keys/key-layout';
import type { SpaceMeta } from './records';
import {
  allocateGeneration,
  createSpace,
  generationEnd,
  readSpaceMeta,
  writeSpaceMeta,
} from './space-catalog';
import { SpaceWriter } from './space-writer';

/**
 * Snapshot transfer of a whole space at its applied index (Raft snapshot / new replica).
 *
 * Export reads one engine snapshot in bounded chunks, so the records and the header (applied
 * index, sizes) are one consistent cut however long the transfer takes.
 *
 * Import never touches the live generation until the end:
 *   beginImport   allocate a fresh staging generation (an older, abandoned one becomes garbage)
 *   importChunk   write one chunk into the staging generation (one batch per chunk)
 *   finishImport  one small batch: staging becomes live, the old generation becomes garbage,
 *                 the applied index jumps to the snapshot's
 * A crash at any point leaves either the old space intact (plus staging garbage that the next
 * beginImport or drop marks for purge) or the new space complete.
 */
export interface SpaceSnapshotHeader {
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly gcSafePointTs: number;
  readonly records: number;
  readonly bytes: number;
  readonly maxCommitTs: number;
}

/** Chunk wire format: [count u32] then per record [keyLen u32][key][valueLen u32][value]. */
export class SpaceExport {
  private cursor: Uint8Array;
  private readonly end: Uint8Array;
  private exported = 0;
  private released = false;

  constructor(
    private readonly snapshot: KvSnapshot,
    private readonly prefix: Uint8Array,
    readonly header: SpaceSnapshotHeader,
  ) {
    this.cursor = prefix;
    this.end = generationEnd(prefix);
  }

  /** The next chunk of at most about `maxBytes` (always at least one record), or undefined. */
  nextChunk(maxBytes: number): Uint8Array | undefined {
    invariant(!this.released, 'SPACE_STATE', () => 'SpaceExport used after release');
    const parts: Uint8Array[] = [];
    let bytes = 0;
    let count = 0;
    let last: Uint8Array | undefined;
    for (const { key, value } of this.snapshot.range({ start: this.cursor, end: this.end })) {
      const rel = key.subarray(this.prefix.length);
      const head = new Uint8Array(4);
      writeU32(head, 0, rel.length);
      const mid = new Uint8Array(4);
      writeU32(mid, 0, value.length);
      parts.push(head, rel, mid, value);
      bytes += 8 + rel.length + value.length;
      count++;
      last = key;
      if (bytes >= maxBytes) break;
    }
    if (last === undefined) {
      invariant(
        this.exported === this.header.records,
        'CORRUPT_RECORD',
        () => `exported ${this.exported} records but the space meta counts ${this.header.records}`,
      );
      return undefined;
    }
    this.cursor = keySuccessor(last);
    this.exported += count;
    const countBytes = new Uint8Array(4);
    writeU32(countBytes, 0, count);
    return concatBytes(countBytes, ...parts);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.snapshot.release();
  }
}

export function exportSpace(engine: KvEngine, space: number): SpaceExport | undefined {
  const snapshot = engine.snapshot();
  const meta = readSpaceMeta(snapshot, space);
  if (meta === undefined) {
    snapshot.release();
    return undefined;
  }
  return new SpaceExport(snapshot, generationPrefix(space, meta.gen), {
    appliedIndex: meta.appliedIndex,
    appliedTerm: meta.appliedTerm,
    gcSafePointTs: meta.gcSafePointTs,
    records: meta.records,
    bytes: meta.bytes,
    maxCommitTs: meta.maxCommitTs,
  });
}

export type ImportResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'notImporting' }
  | { readonly kind: 'countMismatch'; readonly expected: number; readonly received: number };

export function beginImport(engine: KvEngine, batch: WriteBatch, space: number): void {
  createSpace(engine, batch, space);
  const view = new BatchView(engine, batch);
  const meta = mustMeta(view, space);
  if (meta.stagingGen !== 0) batch.put(garbageKey(space, meta.stagingGen), new Uint8Array(0));
  writeSpaceMeta(batch, space, {
    ...meta,
    stagingGen: allocateGeneration(view, batch),
    stagingRecords: 0,
    stagingBytes: 0,
  });
}

export function importChunk(
  engine: KvEngine,
  batch: WriteBatch,
  space: number,
  chunk: Uint8Array,
): ImportResult {
  const view = new BatchView(engine, batch);
  const meta = readSpaceMeta(view, space);
  if (meta === undefined || meta.stagingGen === 0) return { kind: 'notImporting' };
  const prefix = generationPrefix(space, meta.stagingGen);
  const writer = new SpaceWriter(view, batch);
  for (const { key, value } of decodeChunk(chunk)) {
    const full = concatBytes(prefix, key);
    parseRecordKey(full); // a malformed record key is corruption in transit or at the source
    writer.put(full, value);
  }
  writeSpaceMeta(batch, space, {
    ...meta,
    stagingRecords: meta.stagingRecords + writer.recordsDelta,
    stagingBytes: meta.stagingBytes + writer.bytesDelta,
  });
  return { kind: 'ok' };
}

export function finishImport(
  engine: KvEngine,
  batch: WriteBatch,
  space: number,
  header: SpaceSnapshotHeader,
): ImportResult {
  const meta = readSpaceMeta(new BatchView(engine, batch), space);
  if (meta === undefined || meta.stagingGen === 0) return { kind: 'notImporting' };
  if (meta.stagingRecords !== header.records) {
    return { kind: 'countMismatch', expected: header.records, received: meta.stagingRecords };
  }
  invariant(
    header.appliedIndex >= meta.appliedIndex,
    'APPLIED_INDEX_REGRESSED',
    () =>
      `snapshot at ${header.appliedIndex} would move space ${space} back from ${meta.appliedIndex}`,
  );
  batch.put(garbageKey(space, meta.gen), new Uint8Array(0));
  const next: SpaceMeta = {
    gen: meta.stagingGen,
    stagingGen: 0,
    appliedIndex: header.appliedIndex,
    appliedTerm: header.appliedTerm,
    gcSafePointTs: header.gcSafePointTs,
    records: meta.stagingRecords,
    bytes: meta.stagingBytes,
    stagingRecords: 0,
    stagingBytes: 0,
    maxCommitTs: header.maxCommitTs,
  };
  writeSpaceMeta(batch, space, next);
  return { kind: 'ok' };
}

export function abortImport(engine: KvEngine, batch: WriteBatch, space: number): ImportResult {
  const meta = readSpaceMeta(new BatchView(engine, batch), space);
  if (meta === undefined || meta.stagingGen === 0) return { kind: 'notImporting' };
  batch.put(garbageKey(space, meta.stagingGen), new Uint8Array(0));
  writeSpaceMeta(batch, space, { ...meta, stagingGen: 0, stagingRecords: 0, stagingBytes: 0 });
  return { kind: 'ok' };
}

function* decodeChunk(chunk: Uint8Array): Generator<{ key: Uint8Array; value: Uint8Array }> {
  invariant(chunk.length >= 4, 'CORRUPT_RECORD', () => 'snapshot chunk without a count');
  const count = readU32(chunk, 0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    const keyLen = readU32(chunk, at);
    const key = chunk.slice(at + 4, at + 4 + keyLen);
    at += 4 + keyLen;
    const valueLen = readU32(chunk, at);
    const value = chunk.slice(at + 4, at + 4 + valueLen);
    at += 4 + valueLen;
    invariant(at <= chunk.length, 'CORRUPT_RECORD', () => 'snapshot chunk overflows');
    yield { key, value };
  }
  invariant(at === chunk.length, 'CORRUPT_RECORD', () => 'snapshot chunk has trailing bytes');
}

function mustMeta(view: BatchView, space: number): SpaceMeta {
  const meta = readSpaceMeta(view, space);
  invariant(meta !== undefined, 'SPACE_STATE', () => `space ${space} vanished`);
  return meta;
}
