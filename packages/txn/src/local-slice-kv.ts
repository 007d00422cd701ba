import type {
  CommandResult,
  CommitResult,
  GetResult,
  KvEngine,
  MvccCommand,
  PrewriteResult,
  RollbackResult,
  ScanOptions,
  ScanProcessor,
  ScanResult,
  SpaceMissing,
  TxnStatus,
} from '@tessera/storage';
import { MemoryEngine, MvccStore } from '@tessera/storage';
import { TxnError, invariant } from './errors';
import {
  commitCommands,
  prewriteCommands,
  primaryExpired,
  resolutionCommands,
  rollbackCommands,
} from './slice-commands';
import type {
  CheckTxnStatusRequest,
  LockResolution,
  PrewriteRequest,
  ScanRoute,
  SliceId,
  SliceKv,
} from './slice-kv';

/** How `LocalSliceKv.create` and `memorySlices` build their store. */
export interface LocalSlicesOptions {
  /** Processors the store runs scan programs with, by name (see storage's ScanOptions). */
  readonly scanProcessors?: ReadonlyMap<string, ScanProcessor>;
}

/** One slice served locally: its MVCC space in a store. */
export interface LocalSlice {
  readonly slice: SliceId;
  readonly store: MvccStore;
  readonly space: number;
}

/**
 * SliceKv over local MvccStore spaces: real storage, no replication. Each write call becomes
 * exactly one `MvccStore.apply` (one entry at the space's next applied index) in one
 * WriteBatch committed to the engine: the same commands, in the same atomic unit, that the
 * replicated implementation will put in one Raft entry.
 *
 * Calls are evaluated synchronously up to `engine.commit` (which makes the batch visible before
 * it returns), so two calls never interleave between reading state and writing the batch; the
 * promise resolves when the batch is durable.
 */
export class LocalSliceKv implements SliceKv {
  private readonly slices = new Map<SliceId, LocalSlice>();
  /** Applies made, per slice: one per write call (tests check atomicity with it). */
  readonly appliesBySlice = new Map<SliceId, number>();

  constructor(slices: readonly LocalSlice[]) {
    for (const s of slices) {
      invariant(!this.slices.has(s.slice), () => `slice ${s.slice} given twice`);
      this.slices.set(s.slice, s);
      this.appliesBySlice.set(s.slice, 0);
    }
  }

  /** One store over `engine`, one space per slice (space id = slice id), created if absent. */
  static async create(
    engine: KvEngine,
    sliceIds: readonly SliceId[],
    options: LocalSlicesOptions = {},
  ): Promise<LocalSliceKv> {
    const store = new MvccStore(engine, { scanProcessors: options.scanProcessors });
    const batch = engine.newBatch();
    for (const slice of sliceIds) store.createSpace(batch, slice);
    await engine.commit(batch);
    return new LocalSliceKv(sliceIds.map((slice) => ({ slice, store, space: slice })));
  }

  get(slice: SliceId, key: Uint8Array, readTs: number): Promise<GetResult> {
    return settle(() => {
      const { store, space } = this.slot(slice);
      const result = store.get(space, key, readTs);
      return result.kind === 'value' ? { ...result, value: result.value.slice() } : result;
    });
  }

  /** `route` is not needed here: local slices never split. */
  scan(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    _route?: ScanRoute,
  ): Promise<ScanResult> {
    return settle(() => {
      const { store, space } = this.slot(slice);
      const result = store.scan(space, start, end, readTs, options);
      // A program's outputs are fresh arrays already: only plain rows are engine views.
      if (result.kind !== 'rows' || options.program !== undefined) return result;
      const rows = result.rows.map((row) => ({
        key: row.key.slice(),
        value: row.value.slice(),
        commitTs: row.commitTs,
      }));
      return { ...result, rows };
    });
  }

  async prewrite(slice: SliceId, request: PrewriteRequest): Promise<readonly PrewriteResult[]> {
    // apply answers each command with that command's result type.
    return (await this.apply(slice, prewriteCommands(request))) as readonly PrewriteResult[];
  }

  async commit(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
    commitTs: number,
  ): Promise<readonly CommitResult[]> {
    return (await this.apply(
      slice,
      commitCommands(keys, startTs, commitTs),
    )) as readonly CommitResult[];
  }

  async rollback(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
  ): Promise<readonly RollbackResult[]> {
    return (await this.apply(slice, rollbackCommands(keys, startTs))) as readonly RollbackResult[];
  }

  async checkTxnStatus(
    slice: SliceId,
    request: CheckTxnStatusRequest,
  ): Promise<TxnStatus | SpaceMissing> {
    const { store, space } = this.slot(slice);
    const status = store.checkTxnStatus(space, request.primary, request.startTs);
    if (!primaryExpired(status, request)) return status;
    // Read and rollback happen in one synchronous step (no await between): nothing can commit
    // the primary in between. Replicated, the leader proposes the rollback and the storage
    // command refuses it (alreadyCommitted) if a commit got in first.
    const rollback: MvccCommand = {
      kind: 'rollback',
      key: request.primary,
      startTs: request.startTs,
    };
    const { results, durable } = this.applyNow(slice, [rollback]);
    await durable;
    const [result] = results as readonly RollbackResult[];
    invariant(result !== undefined, () => 'rollback gave no result');
    return result.kind === 'ok'
      ? { kind: 'rolledBack' }
      : { kind: 'committed', commitTs: result.commitTs };
  }

  async resolveLocks(
    slice: SliceId,
    resolutions: readonly LockResolution[],
  ): Promise<readonly (CommitResult | RollbackResult)[]> {
    return (await this.apply(slice, resolutionCommands(resolutions))) as readonly (
      CommitResult | RollbackResult
    )[];
  }

  private async apply(slice: SliceId, commands: MvccCommand[]): Promise<readonly CommandResult[]> {
    const { results, durable } = this.applyNow(slice, commands);
    await durable;
    return results;
  }

  /** One apply entry in one batch, visible when this returns; `durable` when on disk. */
  private applyNow(
    slice: SliceId,
    commands: readonly MvccCommand[],
  ): { results: readonly CommandResult[]; durable: Promise<void> } {
    const { store, space } = this.slot(slice);
    const info = store.spaceInfo(space);
    if (info === undefined) throw missingSlice(slice);
    const batch = store.engine.newBatch();
    const entry = {
      index: info.appliedIndex + 1,
      term: Math.max(1, info.appliedTerm),
      commands,
    };
    const applied = store.apply(batch, space, entry);
    if (applied.kind !== 'applied') throw missingSlice(slice);
    invariant(
      applied.results.length === commands.length,
      () => `apply answered ${applied.results.length} results for ${commands.length} commands`,
    );
    const durable = store.engine.commit(batch);
    this.appliesBySlice.set(slice, (this.appliesBySlice.get(slice) ?? 0) + 1);
    return { results: applied.results, durable };
  }

  private slot(slice: SliceId): LocalSlice {
    const found = this.slices.get(slice);
    if (found === undefined) throw missingSlice(slice);
    return found;
  }
}

/** Runs a synchronous read so that a throw becomes a rejection, as from a remote slice. */
function settle<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function missingSlice(slice: SliceId): TxnError {
  return new TxnError('UNAVAILABLE', `slice ${slice} is not served here`);
}

/**
 * `count` local slices (ids 1..count, one MVCC space each) over one in-memory engine: the
 * smallest real store a layer above txn can run its statements against (its tests, a
 * single-process tool). Durability is immediate; nothing is replicated.
 */
export function memorySlices(
  count: number,
  options: LocalSlicesOptions = {},
): Promise<LocalSliceKv> {
  const engine = new MemoryEngine({ durability: 'immediate' });
  return LocalSliceKv.create(
    engine,
    Array.from({ length: count }, (_, i) => i + 1),
    options,
  );
}
