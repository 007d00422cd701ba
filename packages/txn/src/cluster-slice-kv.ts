import type { KvClient } from '@tessera/cluster';
import { KvCallError } from '@tessera/cluster';
import type {
  CommandResult,
  CommitResult,
  GetResult,
  MvccCommand,
  PrewriteResult,
  RollbackResult,
  ScanOptions,
  ScanResult,
  SpaceMissing,
  TxnStatus,
} from '@tessera/storage';
import { invariant, TxnError } from './errors';
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
  SliceId,
  SliceKv,
} from './slice-kv';

/**
 * `SliceKv` over the replicated cluster: every call goes to the leader of the slice's Raft
 * group through a `KvClient`, and every write call is one proposal — one log entry, applied
 * atomically on every data member (the SliceKv contract). Reads are served by the leader
 * under its lease.
 *
 * All write commands of the transaction layer are idempotent under redelivery (storage answers
 * a repeated prewrite or commit `ok`), so the client may re-send them after an ambiguous
 * attempt, and it waits out a leaderless group for its failover window; a call that still has
 * no answer rejects with UNAVAILABLE. At the commit point the coordinator then decides the
 * outcome from the primary's status (two-phase-commit.ts `resolveCommitOutcome`): committed,
 * rolled back (UNAVAILABLE), or — the primary unreachable too — UNDETERMINED.
 */
export interface ClusterSliceKvDeps {
  readonly client: KvClient;
  /** The Raft group that replicates a slice (today: the slice id itself). */
  readonly groupOf?: (slice: SliceId) => number;
}

export class ClusterSliceKv implements SliceKv {
  private readonly client: KvClient;
  private readonly groupOf: (slice: SliceId) => number;

  constructor(deps: ClusterSliceKvDeps) {
    this.client = deps.client;
    this.groupOf = deps.groupOf ?? ((slice) => slice);
  }

  get(slice: SliceId, key: Uint8Array, readTs: number): Promise<GetResult> {
    return unavailableOnFailure(slice, this.client.get(this.groupOf(slice), readTs, key));
  }

  scan(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
  ): Promise<ScanResult> {
    return unavailableOnFailure(
      slice,
      this.client.scan(this.groupOf(slice), { readTs, startKey: start, endKey: end, options }),
    );
  }

  async prewrite(slice: SliceId, request: PrewriteRequest): Promise<readonly PrewriteResult[]> {
    return (await this.propose(slice, prewriteCommands(request))) as readonly PrewriteResult[];
  }

  async commit(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
    commitTs: number,
  ): Promise<readonly CommitResult[]> {
    return (await this.propose(
      slice,
      commitCommands(keys, startTs, commitTs),
    )) as readonly CommitResult[];
  }

  async rollback(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
  ): Promise<readonly RollbackResult[]> {
    return (await this.propose(
      slice,
      rollbackCommands(keys, startTs),
    )) as readonly RollbackResult[];
  }

  /**
   * Reads the primary's status under the leader's lease, then, when the lock has expired,
   * proposes its rollback. The two steps are not one atomic apply as in `LocalSliceKv`, and
   * need not be: a rollback of a txn that committed in between answers `alreadyCommitted`
   * (storage never rolls back a commit), so the answer is the txn's real fate either way.
   */
  async checkTxnStatus(
    slice: SliceId,
    request: CheckTxnStatusRequest,
  ): Promise<TxnStatus | SpaceMissing> {
    const status = await unavailableOnFailure(
      slice,
      this.client.txnStatus(this.groupOf(slice), request.primary, request.startTs),
    );
    if (!primaryExpired(status, request)) return status;
    const [result] = await this.rollback(slice, [request.primary], request.startTs);
    invariant(result !== undefined, () => 'rollback gave no result');
    return result.kind === 'ok'
      ? { kind: 'rolledBack' }
      : { kind: 'committed', commitTs: result.commitTs };
  }

  async resolveLocks(
    slice: SliceId,
    resolutions: readonly LockResolution[],
  ): Promise<readonly (CommitResult | RollbackResult)[]> {
    return (await this.propose(slice, resolutionCommands(resolutions))) as readonly (
      CommitResult | RollbackResult
    )[];
  }

  private async propose(
    slice: SliceId,
    commands: MvccCommand[],
  ): Promise<readonly CommandResult[]> {
    const results = await unavailableOnFailure(
      slice,
      this.client.propose(this.groupOf(slice), commands, true),
    );
    invariant(
      results.length === commands.length,
      () => `slice ${slice} answered ${results.length} results for ${commands.length} commands`,
    );
    return results;
  }
}

async function unavailableOnFailure<T>(slice: SliceId, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof KvCallError) {
      throw new TxnError('UNAVAILABLE', `slice ${slice}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
