import { assertTs, lockKey, recordKeyBytes, rollbackKey, versionKey } from '../keys/key-layout';
import { invariant } from '../errors';
import { findCommit, hasRollback, newestVersion, readLock, txnStatusOnKey } from './key-reads';
import { encodeLock, encodeVersion, publicLock } from './records';
import type { SpaceWriter } from './space-writer';
import type {
  CommitCommand,
  CommitResult,
  PrewriteCommand,
  PrewriteResult,
  PutVersionCommand,
  PutVersionResult,
  RollbackCommand,
  RollbackResult,
} from './types';

/**
 * Percolator's write commands, evaluated against the current state (seen through the writer's
 * BatchView) and written into the batch. Deterministic: the same state and command give the
 * same result and writes on every replica.
 */
export interface CommandContext {
  readonly prefix: Uint8Array;
  readonly writer: SpaceWriter;
  readonly maxKeyBytes: number;
  readonly gcSafePointTs: number;
}

export function prewrite(ctx: CommandContext, cmd: PrewriteCommand): PrewriteResult {
  assertTs(cmd.startTs, 'prewrite startTs');
  const keyBytes = recordKeyBytes(cmd.key);
  if (keyBytes > ctx.maxKeyBytes) return { kind: 'keyTooLarge', keyBytes };
  if (cmd.startTs <= ctx.gcSafePointTs) {
    return { kind: 'startTsTooOld', gcSafePointTs: ctx.gcSafePointTs };
  }
  const { view } = ctx.writer;
  const lock = readLock(view, ctx.prefix, cmd.key);
  if (lock !== undefined) {
    // The same txn's prewrite again (a retried Raft proposal) succeeds without change.
    return lock.startTs === cmd.startTs
      ? { kind: 'ok' }
      : { kind: 'keyLocked', lock: publicLock(lock) };
  }
  if (hasRollback(view, ctx.prefix, cmd.key, cmd.startTs)) return { kind: 'alreadyRolledBack' };
  const newest = newestVersion(view, ctx.prefix, cmd.key);
  if (newest !== undefined && newest.commitTs >= cmd.startTs) {
    const own = findCommit(view, ctx.prefix, cmd.key, cmd.startTs);
    if (own !== undefined) return { kind: 'alreadyCommitted', commitTs: own.commitTs };
    return {
      kind: 'writeConflict',
      conflictCommitTs: newest.commitTs,
      conflictStartTs: newest.record.startTs,
    };
  }
  const common = {
    key: cmd.key,
    primary: cmd.primary,
    startTs: cmd.startTs,
    ttlMs: cmd.ttlMs ?? 0,
    txnSize: cmd.txnSize ?? 1,
  };
  const record =
    cmd.op === 'put' ? { ...common, op: cmd.op, value: cmd.value } : { ...common, op: cmd.op };
  ctx.writer.put(lockKey(ctx.prefix, cmd.key), encodeLock(record));
  return { kind: 'ok' };
}

export function commit(ctx: CommandContext, cmd: CommitCommand): CommitResult {
  assertTs(cmd.startTs, 'commit startTs');
  assertTs(cmd.commitTs, 'commit commitTs');
  invariant(
    cmd.commitTs > cmd.startTs,
    'BAD_TIMESTAMP',
    () => `commitTs ${cmd.commitTs} is not above startTs ${cmd.startTs}`,
  );
  const { view } = ctx.writer;
  const lock = readLock(view, ctx.prefix, cmd.key);
  if (lock?.startTs === cmd.startTs) {
    ctx.writer.delete(lockKey(ctx.prefix, cmd.key));
    const record =
      lock.op === 'put'
        ? { op: lock.op, startTs: lock.startTs, value: lock.value ?? new Uint8Array(0) }
        : { op: lock.op, startTs: lock.startTs };
    ctx.writer.put(versionKey(ctx.prefix, cmd.key, cmd.commitTs), encodeVersion(record));
    return { kind: 'ok' };
  }
  const status = txnStatusOnKey(view, ctx.prefix, cmd.key, cmd.startTs);
  // A retried commit of a txn that is already committed at this ts is a success.
  if (status.kind === 'committed' && status.commitTs === cmd.commitTs) return { kind: 'ok' };
  return { kind: 'lockNotFound', status };
}

export function rollback(ctx: CommandContext, cmd: RollbackCommand): RollbackResult {
  assertTs(cmd.startTs, 'rollback startTs');
  const { view } = ctx.writer;
  const lock = readLock(view, ctx.prefix, cmd.key);
  if (lock?.startTs === cmd.startTs) {
    ctx.writer.delete(lockKey(ctx.prefix, cmd.key));
  } else {
    const committed = findCommit(view, ctx.prefix, cmd.key, cmd.startTs);
    if (committed !== undefined) return { kind: 'alreadyCommitted', commitTs: committed.commitTs };
  }
  // The marker makes a prewrite of this txn that arrives late fail (alreadyRolledBack).
  ctx.writer.put(rollbackKey(ctx.prefix, cmd.key, cmd.startTs), new Uint8Array(0));
  return { kind: 'ok' };
}

export function putVersion(ctx: CommandContext, cmd: PutVersionCommand): PutVersionResult {
  assertTs(cmd.commitTs, 'putVersion commitTs');
  const keyBytes = recordKeyBytes(cmd.key);
  if (keyBytes > ctx.maxKeyBytes) return { kind: 'keyTooLarge', keyBytes };
  const startTs = cmd.startTs ?? cmd.commitTs;
  assertTs(startTs, 'putVersion startTs');
  const record =
    cmd.op === 'put' ? { op: cmd.op, startTs, value: cmd.value } : { op: cmd.op, startTs };
  ctx.writer.put(versionKey(ctx.prefix, cmd.key, cmd.commitTs), encodeVersion(record));
  return { kind: 'ok' };
}
