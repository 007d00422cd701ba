import type { Rng } from '@tessera/cluster';
import { logicalPerMs } from '@tessera/cluster';
import type { TxnClient, TxnErrorCode } from '@tessera/txn';
import { isTxnError, SimulatedCrash } from '@tessera/txn';
import type { OpStatus } from '../check/history';
import type { RegisterOp, RegisterRead, RegisterWrite } from '../check/register';

/**
 * Single-key registers: `clients` clients each issue, one at a time, random reads and writes
 * of `keys` keys, every operation its own transaction through the client protocol:
 *
 *   write(k, v) = begin → put(k, v) → commit      (v = "client:seq", unique per key)
 *   read(k)     = begin → get(k) → rollback       (a snapshot read at startTs)
 *
 * The history is checked for linearizability per key (register model, keys start empty).
 * Why snapshot reads of one key should be linearizable here: a read sees exactly the versions
 * with commitTs at or below its startTs; a write's commitTs is taken from the timestamp oracle
 * after its lock is in place and before it is acknowledged, and a read whose startTs is above
 * it meets either that lock (and waits for or resolves it) or the committed version. The oracle
 * hands out timestamps in real-time order, so taking each operation's timestamp as its
 * linearization point (the write's commitTs, the read's startTs) orders them consistently with
 * real time, and each point lies inside its operation's [call, return].
 */
export interface RegisterWorkloadOptions {
  readonly keys: number;
  readonly clients: number;
  /** Probability that an operation is a write (else a read). */
  readonly writeChance: number;
  /** Pause between one client's operations (simulated ms, drawn from [0, max]). */
  readonly thinkMsMax: number;
  /**
   * PLANTED BUG (tests of the simulator only): serve every read this many milliseconds of
   * physical time below its startTs, through `TxnClient.getAt`, as a follower read or a cached
   * timestamp would. The linearizability check must then fail.
   */
  readonly staleReadMs?: number;
}

export const defaultRegisterWorkload: RegisterWorkloadOptions = {
  keys: 5,
  clients: 6,
  writeChance: 0.5,
  thinkMsMax: 20,
};

export const registerKey = (i: number): string => `r/${i}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RegisterRecorder {
  readonly history: RegisterOp[];
  stats: {
    /** Reads answered. */
    reads: number;
    /** Writes acknowledged as committed. */
    writes: number;
    /** Reads and writes that definitely did not happen. */
    failed: number;
    /** Writes whose outcome the client does not know. */
    unknown: number;
  };
}

export function newRegisterRecorder(): RegisterRecorder {
  return { history: [], stats: { reads: 0, writes: 0, failed: 0, unknown: 0 } };
}

export interface RegisterContext {
  readonly client: TxnClient;
  readonly rng: Rng;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly options: RegisterWorkloadOptions;
  readonly recorder: RegisterRecorder;
  readonly stopped: () => boolean;
  readonly nextOpId: () => number;
}

export function registerContext(deps: Omit<RegisterContext, 'nextOpId'>): RegisterContext {
  let id = 0;
  return { ...deps, nextOpId: () => ++id };
}

/** Runs every client until `stopped()`; resolves when all have finished. */
export async function runRegisters(ctx: RegisterContext): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let c = 0; c < ctx.options.clients; c++) loops.push(clientLoop(ctx, 200 + c));
  await Promise.all(loops);
}

async function clientLoop(ctx: RegisterContext, clientId: number): Promise<void> {
  let seq = 0;
  while (!ctx.stopped()) {
    const key = registerKey(ctx.rng.int(0, ctx.options.keys - 1));
    if (ctx.rng.chance(ctx.options.writeChance)) {
      await writeRegister(ctx, clientId, key, `${clientId}:${++seq}`);
    } else {
      await readRegister(ctx, clientId, key);
    }
    await ctx.sleep(ctx.rng.int(0, ctx.options.thinkMsMax));
  }
}

/** One write as its own transaction; records it and answers its status. */
export async function writeRegister(
  ctx: RegisterContext,
  clientId: number,
  key: string,
  value: string,
): Promise<OpStatus> {
  const id = ctx.nextOpId();
  const callMs = ctx.now();
  let status: OpStatus;
  try {
    const txn = await ctx.client.begin();
    txn.put(encoder.encode(key), encoder.encode(value));
    await txn.commit();
    status = 'ok';
  } catch (error) {
    // A crashed coordinator (the simulator's knob) knows nothing of its txn's fate.
    if (error instanceof SimulatedCrash) status = 'unknown';
    else if (isTxnError(error)) status = writeErrorStatus(error.code);
    else throw error;
  }
  ctx.recorder.stats[status === 'ok' ? 'writes' : status === 'fail' ? 'failed' : 'unknown']++;
  const op: RegisterWrite = {
    id,
    clientId,
    key,
    kind: 'write',
    input: value,
    ...(status === 'ok' ? { output: null } : {}),
    callMs,
    returnMs: Math.max(callMs, ctx.now()),
    status,
  };
  ctx.recorder.history.push(op);
  return status;
}

/**
 * What a failed write's error says about its effect. Every code but UNDETERMINED is raised
 * before the commit of the (only, primary) key was sent: the txn never committed, and its
 * lock, if any was left, can only be rolled back.
 */
function writeErrorStatus(code: TxnErrorCode): OpStatus {
  switch (code) {
    case 'UNDETERMINED':
      return 'unknown';
    case 'WRITE_CONFLICT':
    case 'TXN_ABORTED':
    case 'LOCK_TIMEOUT':
    case 'UNAVAILABLE':
    case 'SNAPSHOT_TOO_OLD':
    case 'KEY_TOO_LARGE':
    case 'TXN_TOO_LARGE':
    case 'PROGRAM_REFUSED':
      return 'fail';
    case 'TXN_CLOSED':
      throw new Error('the register workload used a closed transaction (a workload bug)');
  }
}

/** One read as its own transaction (a snapshot read at startTs); records it. */
export async function readRegister(
  ctx: RegisterContext,
  clientId: number,
  key: string,
): Promise<OpStatus> {
  const id = ctx.nextOpId();
  const callMs = ctx.now();
  let output: string | null = null;
  let status: OpStatus;
  try {
    const txn = await ctx.client.begin();
    const stale = ctx.options.staleReadMs;
    const value =
      stale === undefined
        ? await txn.get(encoder.encode(key))
        : await ctx.client.getAt(
            encoder.encode(key),
            Math.max(1, txn.startTs - stale * logicalPerMs),
          );
    await txn.rollback();
    output = value === undefined ? null : decoder.decode(value);
    status = 'ok';
  } catch (error) {
    // A read that got no answer changed nothing: it is recorded, and dropped by the checker.
    if (!isTxnError(error)) throw error;
    status = 'fail';
  }
  ctx.recorder.stats[status === 'ok' ? 'reads' : 'failed']++;
  const op: RegisterRead = {
    id,
    clientId,
    key,
    kind: 'read',
    input: null,
    ...(status === 'ok' ? { output } : {}),
    callMs,
    returnMs: Math.max(callMs, ctx.now()),
    status,
  };
  ctx.recorder.history.push(op);
  return status;
}

/**
 * After the cluster healed and settled: one answered read of every key, recorded in the
 * history like any other (so a lost acknowledged write shows as a non-linearizable final
 * read). Answers false if some key could not be read.
 */
export async function readAllRegisters(ctx: RegisterContext, clientId: number): Promise<boolean> {
  for (let k = 0; k < ctx.options.keys; k++) {
    let read = false;
    for (let attempt = 0; attempt < 20 && !read; attempt++) {
      read = (await readRegister(ctx, clientId, registerKey(k))) === 'ok';
      if (!read) await ctx.sleep(100);
    }
    if (!read) return false;
  }
  return true;
}
