import type { Rng } from '@tessera/cluster';
import type { TxnClient } from '@tessera/txn';
import { isTxnError, SimulatedCrash } from '@tessera/txn';
import type { BankOp, BankRead, BankTransfer } from '../check/bank';
import type { OpStatus } from '../check/history';

/**
 * The bank: `accounts` balances, money moved between two random accounts by transactions,
 * and snapshot reads of every balance meanwhile. Snapshot isolation promises that every read
 * sums to the constant total and that every acknowledged transfer survives. Each transfer
 * also writes a record `t/<id>` so the end state shows which transfers took effect.
 */
export interface BankWorkloadOptions {
  readonly accounts: number;
  readonly initialBalance: number;
  readonly workers: number;
  readonly readers: number;
  /** Pause between one client's operations (simulated ms, drawn from [0, max]). */
  readonly thinkMsMax: number;
  readonly maxAmount: number;
}

export const accountKey = (i: number): string => `a/${String(i).padStart(4, '0')}`;
export const transferKey = (id: number): string => `t/${String(id).padStart(8, '0')}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (value: Uint8Array): string => decoder.decode(value);

export interface BankRecorder {
  readonly history: BankOp[];
  /** Transfers acknowledged as committed, by record key. */
  readonly acknowledged: Map<string, number>;
  /** Transfers whose outcome the client does not know. */
  readonly uncertain: Set<string>;
  /** What the clients saw that snapshot isolation rules out (e.g. an account missing). */
  readonly anomalies: string[];
  stats: {
    committed: number;
    failed: number;
    unknown: number;
    reads: number;
    readFailures: number;
  };
}

export function newRecorder(): BankRecorder {
  return {
    history: [],
    acknowledged: new Map(),
    uncertain: new Set(),
    anomalies: [],
    stats: { committed: 0, failed: 0, unknown: 0, reads: 0, readFailures: 0 },
  };
}

/** Writes the opening balances in one transaction (retried until it commits). */
export async function openAccounts(client: TxnClient, options: BankWorkloadOptions): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const txn = await client.begin();
    for (let i = 0; i < options.accounts; i++) {
      txn.put(bytes(accountKey(i)), bytes(String(options.initialBalance)));
    }
    try {
      await txn.commit();
      return;
    } catch (error) {
      if (!isTxnError(error)) throw error;
    }
  }
  throw new Error('could not open the accounts in 50 attempts');
}

/** Ends a transfer whose reads showed an anomaly (already recorded). */
class AnomalySeen extends Error {}

interface Context {
  readonly client: TxnClient;
  readonly rng: Rng;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly options: BankWorkloadOptions;
  readonly recorder: BankRecorder;
  readonly stopped: () => boolean;
  nextOpId: () => number;
}

export function bankContext(
  client: TxnClient,
  rng: Rng,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  options: BankWorkloadOptions,
  recorder: BankRecorder,
  stopped: () => boolean,
): Context {
  let id = 0;
  return { client, rng, now, sleep, options, recorder, stopped, nextOpId: () => ++id };
}

/** Runs every worker and reader until `stopped()`; resolves when all have finished. */
export async function runBank(ctx: Context): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let w = 0; w < ctx.options.workers; w++) loops.push(loop(ctx, () => transfer(ctx, w + 1)));
  for (let r = 0; r < ctx.options.readers; r++) {
    loops.push(loop(ctx, () => snapshotRead(ctx, 100 + r)));
  }
  await Promise.all(loops);
}

async function loop(ctx: Context, step: () => Promise<void>): Promise<void> {
  while (!ctx.stopped()) {
    await step();
    await ctx.sleep(ctx.rng.int(0, ctx.options.thinkMsMax));
  }
}

async function transfer(ctx: Context, clientId: number): Promise<void> {
  const { accounts, maxAmount } = ctx.options;
  const fromIndex = ctx.rng.int(0, accounts - 1);
  const toIndex = (fromIndex + ctx.rng.int(1, accounts - 1)) % accounts;
  const input = {
    from: accountKey(fromIndex),
    to: accountKey(toIndex),
    amount: ctx.rng.int(1, maxAmount),
  };
  const id = ctx.nextOpId();
  const record = transferKey(id);
  const callMs = ctx.now();
  let status: OpStatus = 'fail';
  let commitTs: number | undefined;
  try {
    const txn = await ctx.client.begin();
    const from = await txn.get(bytes(input.from));
    const to = await txn.get(bytes(input.to));
    if (from === undefined || to === undefined)
      throw new Error(`account missing in txn ${txn.startTs}`);
    const fromBalance = Number(text(from));
    if (fromBalance < input.amount) {
      await txn.rollback();
    } else {
      txn.put(bytes(input.from), bytes(String(fromBalance - input.amount)));
      txn.put(bytes(input.to), bytes(String(Number(text(to)) + input.amount)));
      txn.put(bytes(record), bytes(JSON.stringify(input)));
      ctx.recorder.uncertain.add(record);
      const outcome = await txn.commit();
      ctx.recorder.uncertain.delete(record);
      commitTs = outcome.commitTs;
      ctx.recorder.acknowledged.set(record, outcome.commitTs);
      status = 'ok';
    }
  } catch (error) {
    // A crashed coordinator (the simulator's knob) knows nothing of its txn's fate.
    if (error instanceof AnomalySeen) {
      ctx.recorder.uncertain.delete(record);
    } else if (error instanceof SimulatedCrash) {
      status = 'unknown';
    } else if (!isTxnError(error)) {
      throw error;
    } else if (error.code === 'UNDETERMINED') {
      status = 'unknown';
    } else {
      ctx.recorder.uncertain.delete(record);
    }
  }
  ctx.recorder.stats[status === 'ok' ? 'committed' : status === 'fail' ? 'failed' : 'unknown']++;
  const op: BankTransfer = {
    id,
    clientId,
    kind: 'transfer',
    input,
    ...(commitTs === undefined ? {} : { output: { commitTs } }),
    callMs,
    returnMs: Math.max(callMs, ctx.now()),
    status,
  };
  ctx.recorder.history.push(op);
}

async function snapshotRead(ctx: Context, clientId: number): Promise<void> {
  const id = ctx.nextOpId();
  const callMs = ctx.now();
  const balances: Record<string, number> = {};
  let status: OpStatus = 'ok';
  let readTs: number | undefined;
  try {
    const txn = await ctx.client.begin();
    readTs = txn.startTs;
    for (let i = 0; i < ctx.options.accounts; i++) {
      const value = await txn.get(bytes(accountKey(i)));
      if (value !== undefined) balances[accountKey(i)] = Number(text(value));
    }
    await txn.rollback();
    ctx.recorder.stats.reads++;
  } catch (error) {
    if (!isTxnError(error)) throw error;
    status = 'fail';
    ctx.recorder.stats.readFailures++;
  }
  const op: BankRead = {
    id,
    clientId,
    kind: 'read',
    input: null,
    ...(status === 'ok'
      ? { output: { balances, ...(readTs === undefined ? {} : { readTs }) } }
      : {}),
    callMs,
    returnMs: Math.max(callMs, ctx.now()),
    status,
  };
  ctx.recorder.history.push(op);
}
