import type { KvEngine, KvReader } from '../engine/kv-engine';
import { BatchView } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import { invariant } from '../errors';
import { assertTs, generationPrefix } from '../keys/key-layout';
import { commit, prewrite, putVersion, rollback } from './commands';
import type { CommandContext } from './commands';
import { gcStep } from './gc';
import { txnStatusOnKey } from './key-reads';
import { scanProgramAt } from './program-scan';
import { getAt, scanAt } from './reads';
import type { SpaceMeta } from './records';
import {
  createSpace,
  dropSpace,
  listSpaces,
  purgeGarbage,
  readSpaceMeta,
  writeSpaceMeta,
} from './space-catalog';
import type { PurgeResult } from './space-catalog';
import { abortImport, beginImport, exportSpace, finishImport, importChunk } from './space-snapshot';
import type { ImportResult, SpaceExport, SpaceSnapshotHeader } from './space-snapshot';
import { SpaceMetaCache } from './space-meta-cache';
import { splitSpace } from './space-split';
import type { SplitSpaceRequest, SplitSpaceResult } from './space-split';
import { SpaceWriter } from './space-writer';
import type {
  ApplyEntry,
  ApplyResult,
  CommandResult,
  GetResult,
  MvccCommand,
  ScanOptions,
  ScanProcessor,
  ScanResult,
  SpaceInfo,
  SpaceMissing,
  TxnStatus,
} from './types';

export interface MvccStoreOptions {
  /**
   * The scan processors this store runs programs with, by name (see `ScanOptions.program`).
   * A scan naming a processor not here answers `programRefused`.
   */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
}

/**
 * The MVCC key spaces of one data node (one space per slice replica), over any KvEngine.
 *
 * Reads run against the engine's latest state (or a snapshot passed in); the byte arrays they
 * return are views into engine buffers and must be treated as read-only. Writes never commit
 * on their own: every mutating method writes into a caller's WriteBatch, so that a Raft apply,
 * its applied-index update and other groups' log appends can share one durable commit.
 */
export class MvccStore {
  /** The engine's committed space meta, decoded (shared by every store over the engine). */
  private readonly metas: SpaceMetaCache;
  /** The live generation's key prefix per space, built once per generation. */
  private readonly prefixes = new Map<
    number,
    { readonly gen: number; readonly prefix: Uint8Array }
  >();

  private readonly scanProcessors: ReadonlyMap<string, ScanProcessor>;

  constructor(
    readonly engine: KvEngine,
    options: MvccStoreOptions = {},
  ) {
    this.metas = SpaceMetaCache.of(engine);
    this.scanProcessors = options.scanProcessors ?? new Map();
  }

  /** A space's meta as `reader` sees it: from the cache when reading the engine itself. */
  private meta(space: number, reader: KvReader): SpaceMeta | undefined {
    return reader === this.engine ? this.metas.read(space) : readSpaceMeta(reader, space);
  }

  /** generationPrefix(space, gen), reused: callers only copy it into record keys. */
  private prefixOf(space: number, gen: number): Uint8Array {
    const known = this.prefixes.get(space);
    if (known?.gen === gen) return known.prefix;
    const prefix = generationPrefix(space, gen);
    this.prefixes.set(space, { gen, prefix });
    return prefix;
  }

  // ---- spaces ----------------------------------------------------------------------------

  /** Creates an empty space at applied index 0; false if it exists. */
  createSpace(batch: WriteBatch, space: number): boolean {
    return createSpace(this.engine, batch, space);
  }

  /** Drops a space at once; its records are purged later by purgeGarbage. */
  dropSpace(batch: WriteBatch, space: number): boolean {
    return dropSpace(this.engine, batch, space);
  }

  listSpaces(reader: KvReader = this.engine): number[] {
    return listSpaces(reader);
  }

  spaceInfo(space: number, reader: KvReader = this.engine): SpaceInfo | undefined {
    const meta = this.meta(space, reader);
    if (meta === undefined) return undefined;
    return {
      space,
      appliedIndex: meta.appliedIndex,
      appliedTerm: meta.appliedTerm,
      gcSafePointTs: meta.gcSafePointTs,
      approxRecords: meta.records,
      approxBytes: meta.bytes,
      importing: meta.stagingGen !== 0,
      maxCommitTs: meta.maxCommitTs,
    };
  }

  purgeGarbage(batch: WriteBatch, maxRecords: number): PurgeResult {
    return purgeGarbage(this.engine, batch, maxRecords);
  }

  // ---- reads -----------------------------------------------------------------------------

  get(space: number, key: Uint8Array, readTs: number, reader: KvReader = this.engine): GetResult {
    const meta = this.meta(space, reader);
    if (meta === undefined) return missing(space);
    if (readTs < meta.gcSafePointTs)
      return { kind: 'readTooOld', gcSafePointTs: meta.gcSafePointTs };
    return getAt(reader, this.prefixOf(space, meta.gen), key, readTs);
  }

  /**
   * Scans user keys in [startKey, endKey) (undefined = open) at readTs. With
   * `options.program`, runs it over the visible rows and answers its output instead
   * (program-scan.ts), or `programRefused`.
   */
  scan(
    space: number,
    startKey: Uint8Array | undefined,
    endKey: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    reader: KvReader = this.engine,
  ): ScanResult {
    const meta = this.meta(space, reader);
    if (meta === undefined) return missing(space);
    if (readTs < meta.gcSafePointTs)
      return { kind: 'readTooOld', gcSafePointTs: meta.gcSafePointTs };
    const prefix = generationPrefix(space, meta.gen);
    const program = options.program;
    if (program !== undefined) {
      const processor = this.scanProcessors.get(program.processor);
      return scanProgramAt(reader, prefix, startKey, endKey, readTs, options, program, processor);
    }
    return { kind: 'rows', ...scanAt(reader, prefix, startKey, endKey, readTs, options) };
  }

  /** The fate of txn `startTs` as recorded on its primary key. */
  checkTxnStatus(
    space: number,
    primaryKey: Uint8Array,
    startTs: number,
    reader: KvReader = this.engine,
  ): TxnStatus | SpaceMissing {
    assertTs(startTs, 'checkTxnStatus startTs');
    const meta = this.meta(space, reader);
    if (meta === undefined) return missing(space);
    return txnStatusOnKey(reader, generationPrefix(space, meta.gen), primaryKey, startTs);
  }

  // ---- the replicated state machine ------------------------------------------------------

  /**
   * Applies one Raft entry: evaluates its commands in order against the current state plus
   * the writes of earlier commands (and earlier entries already in `batch`), writes their
   * effects and the new applied index into `batch`, and returns one result per command.
   * Deterministic, so every replica computes the same results and the same writes.
   */
  apply(batch: WriteBatch, space: number, entry: ApplyEntry): ApplyResult {
    const view = new BatchView(this.engine, batch);
    const meta = this.metas.readThrough(batch, space);
    if (meta === undefined) return missing(space);
    invariant(
      entry.index > meta.appliedIndex,
      'APPLIED_INDEX_REGRESSED',
      () => `space ${space}: entry ${entry.index} applied after ${meta.appliedIndex}`,
    );
    invariant(
      entry.term >= meta.appliedTerm,
      'APPLIED_INDEX_REGRESSED',
      () => `space ${space}: term ${entry.term} applied after term ${meta.appliedTerm}`,
    );
    const writer = new SpaceWriter(view, batch);
    const ctx: CommandContext = {
      prefix: generationPrefix(space, meta.gen),
      writer,
      maxKeyBytes: this.engine.maxKeyBytes,
      gcSafePointTs: meta.gcSafePointTs,
    };
    let gcSafePointTs = meta.gcSafePointTs;
    let maxCommitTs = meta.maxCommitTs;
    const results: CommandResult[] = [];
    for (const command of entry.commands) {
      if (command.kind === 'gc') gcSafePointTs = Math.max(gcSafePointTs, command.safePointTs);
      const result = evaluate({ ...ctx, gcSafePointTs }, command);
      results.push(result);
      // A version now exists at commitTs (an idempotent re-commit changes nothing).
      if (
        result.kind === 'ok' &&
        (command.kind === 'commit' || command.kind === 'putVersion') &&
        command.commitTs > maxCommitTs
      ) {
        maxCommitTs = command.commitTs;
      }
    }
    const next: SpaceMeta = {
      ...meta,
      appliedIndex: entry.index,
      appliedTerm: entry.term,
      gcSafePointTs,
      maxCommitTs,
      records: meta.records + writer.recordsDelta,
      bytes: meta.bytes + writer.bytesDelta,
    };
    invariant(
      next.records >= 0 && next.bytes >= 0,
      'CORRUPT_RECORD',
      () => `space ${space} size accounting went negative`,
    );
    writeSpaceMeta(batch, space, next);
    return { kind: 'applied', results };
  }

  // ---- split ------------------------------------------------------------------------------

  /**
   * Moves every record of the keys `movesKey` picks into a new space, with the parent's
   * applied index, in `batch` (a slice split; see space-split.ts).
   */
  splitSpace(batch: WriteBatch, request: SplitSpaceRequest): SplitSpaceResult {
    return splitSpace(this.engine, batch, request);
  }

  // ---- snapshot transfer -----------------------------------------------------------------

  /** A consistent export of the space; release() it when done. Undefined if no such space. */
  exportSpace(space: number): SpaceExport | undefined {
    return exportSpace(this.engine, space);
  }

  beginImport(batch: WriteBatch, space: number): void {
    beginImport(this.engine, batch, space);
  }

  importChunk(batch: WriteBatch, space: number, chunk: Uint8Array): ImportResult {
    return importChunk(this.engine, batch, space, chunk);
  }

  finishImport(batch: WriteBatch, space: number, header: SpaceSnapshotHeader): ImportResult {
    return finishImport(this.engine, batch, space, header);
  }

  abortImport(batch: WriteBatch, space: number): ImportResult {
    return abortImport(this.engine, batch, space);
  }
}

function evaluate(ctx: CommandContext, command: MvccCommand): CommandResult {
  switch (command.kind) {
    case 'prewrite':
      return prewrite(ctx, command);
    case 'commit':
      return commit(ctx, command);
    case 'rollback':
      return rollback(ctx, command);
    case 'putVersion':
      return putVersion(ctx, command);
    case 'gc':
      return gcStep(ctx.prefix, ctx.writer, command);
  }
}

function missing(space: number): SpaceMissing {
  return { kind: 'spaceNotFound', space };
}
