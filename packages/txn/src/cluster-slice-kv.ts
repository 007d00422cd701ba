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
  ScanRow,
  SpaceMissing,
  TxnStatus,
} from '@tessera/storage';
import { compareBytes } from './bytes';
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
  HashBounds,
  LockResolution,
  PrewriteRequest,
  ScanRoute,
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
 *
 * Splits: a group that a split narrowed answers WRONG_SLICE for keys it no longer holds (and
 * for scans of a range it no longer covers); nothing was applied. With `routing`, the call is
 * then routed again by the refreshed slice map — its keys regrouped by the slice holding each
 * now, one call per slice, results put back in the caller's order; a scan reads the slices
 * that now cover the old one and merges them — so callers above never see a split. Without
 * `routing`, WRONG_SLICE is UNAVAILABLE (retry the transaction).
 */
export interface ClusterSliceKvDeps {
  readonly client: KvClient;
  /** The Raft group that replicates a slice (today: the slice id itself). */
  readonly groupOf?: (slice: SliceId) => number;
  readonly routing?: SliceRouting;
  /** Re-routings of one call before it fails UNAVAILABLE (default 20). */
  readonly maxReroutes?: number;
}

/** The slice map as ClusterSliceKv re-reads it after a split (see ClusterSliceKvDeps). */
export interface SliceRouting {
  /**
   * A group answered WRONG_SLICE: resolves once the map may be newer (re-read from the control
   * plane, or after a short wait for it to arrive). Must not resolve at once forever: the
   * caller loops on it, at most `maxReroutes` times.
   */
  refresh(): Promise<void>;
  /** The slice holding `key` in the current map. */
  sliceOf(key: Uint8Array): SliceId;
  /** The slice's distribution-hash range in the current map (undefined: not in it). */
  boundsOf(slice: SliceId): HashBounds | undefined;
  /**
   * The slices of the current map in `slice`'s representation (hash ranges are per
   * representation) whose ranges lie inside `bounds`: what `slice` covered, split.
   */
  slicesWithin(slice: SliceId, bounds: HashBounds): readonly SliceId[];
}

export class ClusterSliceKv implements SliceKv {
  private readonly client: KvClient;
  private readonly groupOf: (slice: SliceId) => number;
  private readonly routing: SliceRouting | undefined;
  private readonly maxReroutes: number;
  /** Calls routed again after WRONG_SLICE (for tests and status pages). */
  reroutes = 0;

  constructor(deps: ClusterSliceKvDeps) {
    this.client = deps.client;
    this.groupOf = deps.groupOf ?? ((slice) => slice);
    this.routing = deps.routing;
    this.maxReroutes = deps.maxReroutes ?? 20;
  }

  get(slice: SliceId, key: Uint8Array, readTs: number): Promise<GetResult> {
    return this.byKey(slice, key, 0, (s) =>
      unavailableOnFailure(s, this.client.get(this.groupOf(s), readTs, key)),
    );
  }

  scan(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    route: ScanRoute = {},
  ): Promise<ScanResult> {
    return this.scanRouted(slice, start, end, readTs, options, route.bounds, 0);
  }

  async prewrite(slice: SliceId, request: PrewriteRequest): Promise<readonly PrewriteResult[]> {
    return this.perKey(slice, request.mutations, 0, async (s, mutations) => {
      const commands = prewriteCommands({ ...request, mutations });
      return (await this.propose(s, commands)) as readonly PrewriteResult[];
    });
  }

  async commit(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
    commitTs: number,
  ): Promise<readonly CommitResult[]> {
    const items = keys.map((key) => ({ key }));
    return this.perKey(slice, items, 0, async (s, part) => {
      const commands = commitCommands(
        part.map((p) => p.key),
        startTs,
        commitTs,
      );
      return (await this.propose(s, commands)) as readonly CommitResult[];
    });
  }

  async rollback(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
  ): Promise<readonly RollbackResult[]> {
    const items = keys.map((key) => ({ key }));
    return this.perKey(slice, items, 0, async (s, part) => {
      const commands = rollbackCommands(
        part.map((p) => p.key),
        startTs,
      );
      return (await this.propose(s, commands)) as readonly RollbackResult[];
    });
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
    const status = await this.byKey(slice, request.primary, 0, (s) =>
      unavailableOnFailure(
        s,
        this.client.txnStatus(this.groupOf(s), request.primary, request.startTs),
      ),
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
    return this.perKey(slice, resolutions, 0, async (s, part) => {
      return (await this.propose(s, resolutionCommands(part))) as readonly (
        CommitResult | RollbackResult
      )[];
    });
  }

  // ---- re-routing after a split ------------------------------------------------------------

  /** A one-key call; on WRONG_SLICE, again on the slice that holds the key now. */
  private async byKey<T>(
    slice: SliceId,
    key: Uint8Array,
    reroutes: number,
    call: (slice: SliceId) => Promise<T>,
  ): Promise<T> {
    try {
      return await call(slice);
    } catch (error) {
      const routing = await this.rerouteAfter(error, slice, reroutes);
      return this.byKey(routing.sliceOf(key), key, reroutes + 1, call);
    }
  }

  /**
   * A call over keys of one slice, each with one result in order; on WRONG_SLICE (the whole
   * call applied nothing) the keys are regrouped by the slice holding each now, one call per
   * slice, and the results put back in the caller's order.
   */
  private async perKey<I extends { readonly key: Uint8Array }, R>(
    slice: SliceId,
    items: readonly I[],
    reroutes: number,
    call: (slice: SliceId, items: readonly I[]) => Promise<readonly R[]>,
  ): Promise<readonly R[]> {
    try {
      return await call(slice, items);
    } catch (error) {
      const routing = await this.rerouteAfter(error, slice, reroutes);
      const groups = new Map<SliceId, number[]>();
      items.forEach((item, i) => {
        const target = routing.sliceOf(item.key);
        const list = groups.get(target);
        if (list === undefined) groups.set(target, [i]);
        else list.push(i);
      });
      const out: R[] = new Array<R>(items.length);
      await Promise.all(
        [...groups].map(async ([target, indexes]) => {
          const part = indexes.map((i) => items[i] as I);
          const results = await this.perKey(target, part, reroutes + 1, call);
          invariant(results.length === part.length, () => `slice ${target}: result count`);
          indexes.forEach((i, j) => (out[i] = results[j] as R));
        }),
      );
      return out;
    }
  }

  /**
   * A scan of the range `bounds` the caller's map gave `slice` (sent along: a group a split
   * has narrowed refuses it). On WRONG_SLICE, the slices that now cover `bounds` are read —
   * each expecting its own range — and merged (see mergeScans).
   */
  private async scanRouted(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    bounds: HashBounds | undefined,
    reroutes: number,
  ): Promise<ScanResult> {
    const sliceRange =
      bounds === undefined
        ? {}
        : { sliceRange: { start: bounds.start.toString(), end: bounds.end.toString() } };
    try {
      return await unavailableOnFailure(
        slice,
        this.client.scan(this.groupOf(slice), {
          readTs,
          startKey: start,
          endKey: end,
          options,
          ...sliceRange,
        }),
      );
    } catch (error) {
      const routing = await this.rerouteAfter(error, slice, reroutes);
      // The same slice, narrowed, until the map names the new one: refused again, and again
      // re-routed after the next refresh.
      const targets = bounds === undefined ? [slice] : routing.slicesWithin(slice, bounds);
      const parts = await Promise.all(
        targets.map((t) => {
          const b = bounds === undefined ? undefined : routing.boundsOf(t);
          return options.program === undefined
            ? this.scanRouted(t, start, end, readTs, options, b, reroutes + 1)
            : this.programToEnd(t, start, end, readTs, options, b, reroutes + 1);
        }),
      );
      return mergeScans(parts, options);
    }
  }

  /** A program scan of one slice over the whole range, page after page (outputs concatenated). */
  private async programToEnd(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    bounds: HashBounds | undefined,
    reroutes: number,
  ): Promise<ScanResult> {
    const rows: ScanRow[] = [];
    let from = start;
    for (;;) {
      const page = await this.scanRouted(slice, from, end, readTs, options, bounds, reroutes);
      if (page.kind !== 'rows' || page.locks.length > 0) return page;
      rows.push(...page.rows);
      if (page.resumeKey === undefined) return { ...page, rows, resumeKey: undefined };
      from = page.resumeKey;
    }
  }

  /**
   * After a failed call: when it was WRONG_SLICE and there is a routing, waits for a newer map
   * and returns the routing; otherwise rethrows (as UNAVAILABLE for WRONG_SLICE).
   */
  private async rerouteAfter(
    error: unknown,
    slice: SliceId,
    reroutes: number,
  ): Promise<SliceRouting> {
    const wrongSlice =
      error instanceof TxnError &&
      error.cause instanceof KvCallError &&
      error.cause.lastCode === 'WRONG_SLICE';
    if (!wrongSlice || this.routing === undefined) throw error;
    if (reroutes >= this.maxReroutes) {
      throw new TxnError(
        'UNAVAILABLE',
        `slice ${slice}: still refused as the wrong slice after ${reroutes} map refreshes`,
        { cause: error },
      );
    }
    this.reroutes++;
    await this.routing.refresh();
    return this.routing;
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

/**
 * One answer from the scans of a split's halves, as if one slice had answered: rows merged in
 * scan order; when a half was cut short (its limit), nothing past its resume point is kept,
 * so the merged answer is a prefix of the range with an honest `resumeKey`. Locks of every
 * half are passed on (the caller resolves them and reads again). A half that failed
 * (readTooOld, a refused program) is the answer.
 */
function mergeScans(parts: readonly ScanResult[], options: ScanOptions): ScanResult {
  const rowsParts: Extract<ScanResult, { kind: 'rows' }>[] = [];
  for (const part of parts) {
    if (part.kind !== 'rows') return part;
    rowsParts.push(part);
  }
  const reverse = options.reverse === true;
  const order = (a: Uint8Array, b: Uint8Array) =>
    reverse ? compareBytes(b, a) : compareBytes(a, b);
  const rows = rowsParts.flatMap((p) => p.rows).sort((a, b) => order(a.key, b.key));
  const locks = rowsParts.flatMap((p) => p.locks);
  // The earliest point (in scan order) where a half stopped: nothing at or past it is known.
  let cut: Uint8Array | undefined;
  for (const p of rowsParts) {
    if (p.resumeKey !== undefined && (cut === undefined || order(p.resumeKey, cut) < 0)) {
      cut = p.resumeKey;
    }
  }
  // Forward, the resume key is the next start (inclusive): keep rows before it. Reverse, it is
  // the next exclusive end: keep rows at or after it.
  let kept =
    cut === undefined
      ? rows
      : rows.filter((r) =>
          reverse ? compareBytes(r.key, cut) >= 0 : compareBytes(r.key, cut) < 0,
        );
  let resumeKey = cut;
  if (options.program === undefined && kept.length > options.limit) {
    kept = kept.slice(0, options.limit);
    const last = kept.at(-1)?.key ?? new Uint8Array(0);
    resumeKey = reverse ? last : Uint8Array.from([...last, 0]);
  }
  return { kind: 'rows', rows: kept, locks, resumeKey };
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
