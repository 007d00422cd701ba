import { physicalOf } from '@tessera/cluster';
import type { CommitResult, PrewriteResult } from '@tessera/storage';
import type { BackgroundTasks } from './background';
import { bytesEqual } from './bytes';
import { TxnError, TxnInvariantError, invariant } from './errors';
import type { LockResolver } from './lock-resolver';
import type { TxnOptions } from './options';
import type { KeyMutation, Router, SliceId, SliceKv } from './slice-kv';
import { SimulatedCrash } from './testing-knobs';
import type { TxnTestingKnobs } from './testing-knobs';
import type { TimestampSource } from './timestamp-source';

export interface CommitContext {
  readonly kv: SliceKv;
  readonly router: Router;
  readonly timestamps: TimestampSource;
  readonly resolver: LockResolver;
  readonly options: TxnOptions;
  readonly knobs: TxnTestingKnobs;
  readonly background: BackgroundTasks;
  /** Physical ms (timestamp space) by the coordinator's clock. */
  readonly physicalNow: () => number;
}

export interface CommitOutcome {
  readonly kind: 'committed';
  readonly commitTs: number;
  /** Keys written; 0 for a read-only txn (its commitTs is its startTs). */
  readonly keys: number;
  /** Slices written. */
  readonly slices: number;
}

interface SliceGroup {
  readonly slice: SliceId;
  readonly mutations: readonly KeyMutation[];
}

/**
 * Percolator two-phase commit with a primary lock (RFC 0002 "Transactions"):
 *
 *   prewrite every key (grouped by slice; in parallel, or the primary's group first)
 *     any conflict → roll back every key (markers), throw WRITE_CONFLICT / TXN_ABORTED
 *   commitTs ← TSO                       (after every lock is in place, see below)
 *   commit the primary key, alone        ← THE COMMIT POINT (one atomic apply)
 *     no answer → the primary's status decides (resolveCommitOutcome): committed → go on;
 *       rolled back → UNAVAILABLE (clean, retryable); unreadable → UNDETERMINED
 *   acknowledge
 *   commit the other keys in the background, one call per slice; readers resolve the rest
 *   (single-slice txn: the other keys are committed before acknowledging, nothing left)
 *
 * commitTs is fetched after the last prewrite landed: a reader whose readTs is above commitTs
 * got it after our locks existed, so it meets them and cannot have read around them. (A true
 * one-phase commit with a commitTs fetched before the write would need the store to track
 * the highest readTs served, as TiKV's concurrency manager does; a single-slice txn here
 * therefore makes two calls, prewrite then commit, with no background work.)
 */
export async function twoPhaseCommit(
  ctx: CommitContext,
  startTs: number,
  mutations: readonly KeyMutation[],
): Promise<CommitOutcome> {
  const first = mutations[0];
  invariant(first !== undefined, () => 'twoPhaseCommit without mutations');
  const primary = first.key;
  const groups = groupBySlice(ctx.router, mutations, primary);
  const [primaryGroup, ...secondaryGroups] = groups;
  invariant(primaryGroup !== undefined, () => 'no primary group');
  const lockTtlMs = Math.max(0, ctx.physicalNow() - physicalOf(startTs)) + ctx.options.lockTtlMs;
  const prewriter = new Prewriter(ctx, startTs, primary, lockTtlMs, mutations.length);

  // PLANTED BUG (test knob): a commitTs fetched before the locks exist.
  const earlyCommitTs =
    ctx.knobs.commitTsBeforePrewrite === true ? await ctx.timestamps.next() : undefined;
  try {
    if (ctx.options.prewriteOrder === 'primaryFirst') {
      await prewriter.prewrite(primaryGroup);
      await allOrFirstError(secondaryGroups.map((g) => prewriter.prewrite(g)));
    } else {
      await allOrFirstError(groups.map((g) => prewriter.prewrite(g)));
    }
  } catch (error) {
    await rollbackAll(ctx, startTs, groups);
    throw error;
  }

  let commitTs: number;
  try {
    commitTs = earlyCommitTs ?? (await ctx.timestamps.next());
  } catch (error) {
    await rollbackAll(ctx, startTs, groups);
    throw TxnError.fromUnknown(error, 'UNAVAILABLE');
  }
  invariant(commitTs > startTs, () => `commitTs ${commitTs} is not above startTs ${startTs}`);
  const outcome: CommitOutcome = {
    kind: 'committed',
    commitTs,
    keys: mutations.length,
    slices: groups.length,
  };

  const crashAt = ctx.knobs.crashAt?.(startTs);
  const [, ...primarySliceRest] = primaryGroup.mutations;
  const rest: SliceGroup[] = [
    ...(primarySliceRest.length > 0
      ? [{ slice: primaryGroup.slice, mutations: primarySliceRest }]
      : []),
    ...secondaryGroups,
  ];
  const finish = async (): Promise<void> => {
    if (crashAt === 'afterPrewrite') throw new SimulatedCrash(crashAt, startTs);
    await commitPrimary(ctx, startTs, commitTs, primary, primaryGroup.slice, rest);
    if (crashAt === 'afterPrimaryCommit') throw new SimulatedCrash(crashAt, startTs);
    if (secondaryGroups.length === 0) {
      // Single slice: finish inline, so the txn leaves no locks behind when commit returns.
      // Past the commit point a failure here is not the txn's: readers resolve what is left.
      await Promise.all(
        rest.map((group) =>
          commitSecondary(ctx, startTs, commitTs, group).catch((error: unknown) => {
            if (error instanceof TxnInvariantError) throw error;
          }),
        ),
      );
      return;
    }
    for (const group of rest) {
      ctx.background.track(commitSecondary(ctx, startTs, commitTs, group));
    }
  };
  if (ctx.knobs.ackBeforePrimaryCommit === true) {
    // PLANTED BUG (test knob): acknowledged before the commit point.
    ctx.background.track(finish());
    return outcome;
  }
  await finish();
  await ctx.background.waitForRoom(ctx.options.backgroundTasksMax);
  return outcome;
}

/** Groups mutations by slice, keeping key order; the primary's group comes first. */
function groupBySlice(
  router: Router,
  mutations: readonly KeyMutation[],
  primary: Uint8Array,
): SliceGroup[] {
  const bySlice = new Map<SliceId, KeyMutation[]>();
  const primarySlice = router.sliceOf(primary);
  bySlice.set(primarySlice, []);
  for (const m of mutations) {
    const slice = router.sliceOf(m.key);
    const group = bySlice.get(slice) ?? [];
    group.push(m);
    bySlice.set(slice, group);
  }
  const groups = [...bySlice].map(([slice, group]) => ({ slice, mutations: group }));
  const head = groups[0]?.mutations[0];
  // The commit of the primary's group reads the primary's result first.
  invariant(head !== undefined && bytesEqual(head.key, primary), () => 'primary is not first');
  return groups;
}

/** Prewrites one slice's group, resolving dead txns' locks it meets (bounded rounds). */
class Prewriter {
  constructor(
    private readonly ctx: CommitContext,
    private readonly startTs: number,
    private readonly primary: Uint8Array,
    private readonly lockTtlMs: number,
    private readonly txnSize: number,
  ) {}

  async prewrite(group: SliceGroup): Promise<void> {
    let pending = group.mutations;
    for (let round = 0; round < this.ctx.options.prewriteAttemptsMax; round++) {
      const results = await this.ctx.kv.prewrite(group.slice, {
        mutations: pending,
        primary: this.primary,
        startTs: this.startTs,
        lockTtlMs: this.lockTtlMs,
        txnSize: this.txnSize,
      });
      const locked = this.check(pending, results);
      if (locked.length === 0) return;
      // Locks of other txns: clear the dead ones; a live one means we lost the race (no-wait:
      // waiting for it could deadlock two txns that prewrite each other's keys).
      const outcome = await this.ctx.resolver.resolve(
        locked.map((l) => l.lock),
        this.startTs,
      );
      if (outcome.alive > 0) throw conflict(this.startTs, 'a key is locked by a live txn');
      pending = locked.map((l) => l.mutation);
    }
    throw conflict(this.startTs, 'keys stayed locked after resolving');
  }

  /** Throws for a definite failure; answers the mutations that met other txns' locks. */
  private check(
    pending: readonly KeyMutation[],
    results: readonly PrewriteResult[],
  ): { mutation: KeyMutation; lock: Extract<PrewriteResult, { kind: 'keyLocked' }>['lock'] }[] {
    invariant(results.length === pending.length, () => 'prewrite answered a wrong count');
    const locked = [];
    for (const [i, mutation] of pending.entries()) {
      const result = results[i];
      invariant(result !== undefined, () => 'missing prewrite result');
      switch (result.kind) {
        case 'ok':
          break;
        case 'keyLocked':
          locked.push({ mutation, lock: result.lock });
          break;
        case 'writeConflict':
          throw conflict(
            this.startTs,
            `txn ${result.conflictStartTs} committed at ${result.conflictCommitTs}`,
          );
        case 'alreadyRolledBack':
          throw new TxnError('TXN_ABORTED', `txn ${this.startTs} was rolled back by a resolver`);
        case 'startTsTooOld':
          throw new TxnError('TXN_ABORTED', `startTs below GC safe point ${result.gcSafePointTs}`);
        case 'keyTooLarge':
          throw new TxnError('KEY_TOO_LARGE', `a key of ${result.keyBytes} record bytes`);
        case 'alreadyCommitted':
          // Before commitTs exists nobody can have committed this txn.
          throw new TxnInvariantError(`txn ${this.startTs} committed before its commit`);
      }
    }
    return locked;
  }
}

/**
 * The commit point: the primary key's commit, applied ALONE. Not even the primary slice's
 * other keys ride in that apply: storage applies every command of an entry unconditionally,
 * so a secondary next to a primary that a resolver had already rolled back would commit
 * while its txn aborts (the bank workload found this). TiKV makes its commit request
 * all-or-nothing instead; our storage would need such a guard to fold them into one entry.
 */
async function commitPrimary(
  ctx: CommitContext,
  startTs: number,
  commitTs: number,
  primary: Uint8Array,
  slice: SliceId,
  others: readonly SliceGroup[],
): Promise<void> {
  let results: readonly CommitResult[];
  try {
    results = await ctx.kv.commit(slice, [primary], startTs, commitTs);
  } catch (error) {
    if (error instanceof TxnInvariantError) throw error;
    // No answer within the client's failover window: the commit may or may not have applied.
    // Never re-proposed blindly: the primary's record decides (resolveCommitOutcome).
    const fate = await resolveCommitOutcome(ctx, startTs, primary, slice);
    switch (fate.kind) {
      case 'committed':
        invariant(
          fate.commitTs === commitTs,
          () => `txn ${startTs} committed at ${fate.commitTs}, not at its own ${commitTs}`,
        );
        return;
      case 'rolledBack':
        ctx.background.track(rollbackAll(ctx, startTs, others));
        throw new TxnError(
          'UNAVAILABLE',
          `commit of txn ${startTs}'s primary got no answer; resolved from its status: ` +
            'rolled back, nothing committed',
          { cause: error },
        );
      case 'unknown':
        throw new TxnError(
          'UNDETERMINED',
          `commit of txn ${startTs}'s primary got no answer, and its status could not be ` +
            `read (${fate.why})`,
          { cause: error },
        );
    }
  }
  const [result] = results;
  invariant(result !== undefined && results.length === 1, () => 'commit answered wrong count');
  if (result.kind === 'lockNotFound') {
    // Someone rolled the txn back (its TTL ran out): our locks elsewhere follow the primary.
    ctx.background.track(rollbackAll(ctx, startTs, others));
    throw new TxnError(
      'TXN_ABORTED',
      `txn ${startTs} lost its primary lock (${result.status.kind})`,
    );
  }
}

/** The fate of a txn whose primary commit got no answer, as the primary's record tells. */
export type CommitFate =
  | { readonly kind: 'committed'; readonly commitTs: number }
  | { readonly kind: 'rolledBack' }
  | { readonly kind: 'unknown'; readonly why: string };

/**
 * Decides an ambiguous commit point from the primary's record (the lock resolver's path, run
 * by the coordinator itself): a status read under the leader's lease, and — when the primary
 * is still only prewritten — a rollback proposal of the primary, whose answer is final either
 * way: `ok` means it is rolled back (a commit still in flight will find the rollback marker
 * and fail), `alreadyCommitted` means the commit had applied. The commit itself is never
 * re-sent. Each call waits out a leaderless slice for the KV client's failover window; when
 * the slice stays out of reach the fate stays unknown (UNDETERMINED).
 */
export async function resolveCommitOutcome(
  ctx: CommitContext,
  startTs: number,
  primary: Uint8Array,
  slice: SliceId,
): Promise<CommitFate> {
  try {
    const status = await ctx.kv.checkTxnStatus(slice, {
      primary,
      startTs,
      callerStartTs: startTs,
      nowMs: ctx.physicalNow(),
    });
    switch (status.kind) {
      case 'committed':
        return { kind: 'committed', commitTs: status.commitTs };
      case 'rolledBack':
        return { kind: 'rolledBack' };
      case 'spaceNotFound':
        return { kind: 'unknown', why: `slice ${slice} is not served where the router said` };
      case 'locked':
      case 'none':
        break;
    }
    const [rolledBack] = await ctx.kv.rollback(slice, [primary], startTs);
    invariant(rolledBack !== undefined, () => 'rollback gave no result');
    return rolledBack.kind === 'ok'
      ? { kind: 'rolledBack' }
      : { kind: 'committed', commitTs: rolledBack.commitTs };
  } catch (error) {
    if (error instanceof TxnInvariantError) throw error;
    return { kind: 'unknown', why: error instanceof Error ? error.message : String(error) };
  }
}

async function commitSecondary(
  ctx: CommitContext,
  startTs: number,
  commitTs: number,
  group: SliceGroup,
): Promise<void> {
  const keys = group.mutations.map((m) => m.key);
  const results = await ctx.kv.commit(group.slice, keys, startTs, commitTs);
  for (const result of results) checkSecondaryCommit(startTs, result);
}

/** A committed txn's secondary may already be committed by a resolver, never rolled back. */
function checkSecondaryCommit(startTs: number, result: CommitResult | undefined): void {
  invariant(result !== undefined, () => 'commit answered too few results');
  if (result.kind === 'ok') return;
  invariant(
    result.status.kind === 'committed',
    () => `txn ${startTs}: a secondary is ${result.status.kind} after the primary committed`,
  );
}

/** Rolls back every key of the txn, primary's group first; failures are left to the TTL. */
async function rollbackAll(
  ctx: CommitContext,
  startTs: number,
  groups: readonly SliceGroup[],
): Promise<void> {
  const rollback = async (group: SliceGroup): Promise<void> => {
    try {
      const keys = group.mutations.map((m) => m.key);
      const results = await ctx.kv.rollback(group.slice, keys, startTs);
      for (const r of results) {
        invariant(r.kind === 'ok', () => `txn ${startTs} committed while being rolled back`);
      }
    } catch (error) {
      if (error instanceof TxnInvariantError) throw error;
      // Unreachable slice: its locks expire and the primary's marker decides them.
    }
  };
  const [primaryGroup, ...others] = groups;
  if (primaryGroup !== undefined) await rollback(primaryGroup);
  await Promise.all(others.map(rollback));
}

/** Waits for every promise; rethrows the first failure (in order) once all have settled. */
async function allOrFirstError(work: readonly Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(work);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

function conflict(startTs: number, why: string): TxnError {
  return new TxnError('WRITE_CONFLICT', `txn ${startTs}: write conflict: ${why}`);
}
