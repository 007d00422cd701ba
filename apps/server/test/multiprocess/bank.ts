import { SeededRng } from '@tessera/cluster';
import { isTxnError } from '@tessera/txn';
import type { TxnClient } from '@tessera/txn';
import type { ProcessCluster } from './process-cluster';
import { waitUntil } from './process-cluster';

/**
 * The bank workload of the multi-process tests: `accounts` balances of `initialBalance`,
 * transfers between random accounts (each also writes a record of itself, so that "no
 * acknowledged transfer lost" can be checked key by key), and snapshot audits whose sums must
 * always be the total (snapshot isolation keeps money conserved).
 */
export const accounts = 8;
export const initialBalance = 100;
export const total = accounts * initialBalance;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const bytes = (text: string): Uint8Array => encoder.encode(text);
const accountKey = (i: number) => `a/${i}`;

export interface Ack {
  readonly record: string;
  readonly atMs: number;
}

export interface TransferCounts {
  readonly failed: Map<string, number>;
  undetermined: number;
}

export interface Audit {
  reads: number;
  failed: number;
  readonly badSums: number[];
}

/** Opens every account in one transaction, retried until the cluster takes it. */
export async function openAccounts(txn: TxnClient, timeoutMs = 20_000): Promise<void> {
  await waitUntil(
    async () => {
      const t = await txn.begin();
      for (let i = 0; i < accounts; i++) t.put(bytes(accountKey(i)), bytes(String(initialBalance)));
      try {
        await t.commit();
        return true;
      } catch (error) {
        if (isTxnError(error) && error.code !== 'UNDETERMINED') return false;
        throw error;
      }
    },
    'the accounts to open',
    timeoutMs,
    100,
  );
}

/** Transfers between random accounts until `stopped()`; records what was acknowledged. */
async function transferLoop(
  txn: TxnClient,
  worker: number,
  stopped: () => boolean,
  acks: Ack[],
  counts: TransferCounts,
): Promise<void> {
  let n = 0;
  const rng = new SeededRng(worker);
  while (!stopped()) {
    const from = rng.int(0, accounts - 1);
    const to = (from + rng.int(1, accounts - 1)) % accounts;
    const amount = rng.int(1, 20);
    const record = `t/${worker}/${n++}`;
    try {
      const t = await txn.begin();
      const a = await t.get(bytes(accountKey(from)));
      const b = await t.get(bytes(accountKey(to)));
      if (a === undefined || b === undefined) throw new Error(`account missing at ${t.startTs}`);
      const balance = Number(decoder.decode(a));
      if (balance < amount) {
        await t.rollback();
        continue;
      }
      t.put(bytes(accountKey(from)), bytes(String(balance - amount)));
      t.put(bytes(accountKey(to)), bytes(String(Number(decoder.decode(b)) + amount)));
      t.put(bytes(record), bytes(`${from}->${to}:${amount}`));
      await t.commit();
      acks.push({ record, atMs: Date.now() });
    } catch (error) {
      if (!isTxnError(error)) throw error;
      if (error.code === 'UNDETERMINED') counts.undetermined++;
      else counts.failed.set(error.code, (counts.failed.get(error.code) ?? 0) + 1);
    }
  }
}

/** Bank traffic under way: what the transfer workers and the auditor have seen so far. */
export interface BankTraffic {
  readonly acks: Ack[];
  readonly counts: TransferCounts;
  readonly audit: Audit;
  /** Stops the loops and waits for them; rejects with what a loop threw (again on each call). */
  stop(): Promise<void>;
  /** The counts as one line for a test's log. */
  summary(): string;
}

/** Starts `workers` transfer loops (workers 1..n) and one audit loop on `txn`. */
export function startBankTraffic(txn: TxnClient, workers: number): BankTraffic {
  const acks: Ack[] = [];
  const counts: TransferCounts = { failed: new Map<string, number>(), undetermined: 0 };
  const audit: Audit = { reads: 0, failed: 0, badSums: [] };
  let stopped = false;
  const loops = Promise.all([
    ...Array.from({ length: workers }, (_, w) =>
      transferLoop(txn, w + 1, () => stopped, acks, counts),
    ),
    auditLoop(txn, () => stopped, audit),
  ]);
  return {
    acks,
    counts,
    audit,
    stop: async () => {
      stopped = true;
      await loops;
    },
    summary: () =>
      `transfers: ${acks.length} acknowledged, failed ${JSON.stringify([...counts.failed])}, ` +
      `${counts.undetermined} undetermined; snapshot reads ${audit.reads} ok, ${audit.failed} failed`,
  };
}

/** Snapshot reads of every balance until `stopped()`: each must sum to the total. */
async function auditLoop(txn: TxnClient, stopped: () => boolean, audit: Audit): Promise<void> {
  while (!stopped()) {
    try {
      const t = await txn.begin();
      let sum = 0;
      for (let i = 0; i < accounts; i++) {
        const value = await t.get(bytes(accountKey(i)));
        sum += value === undefined ? Number.NaN : Number(decoder.decode(value));
      }
      await t.rollback();
      audit.reads++;
      if (sum !== total) audit.badSums.push(sum);
    } catch (error) {
      if (!isTxnError(error)) throw error;
      audit.failed++;
    }
  }
}

/** One snapshot: every balance and which of `records` exist. Retried (reads are safe to retry). */
export async function readState(
  txn: TxnClient,
  records: readonly string[],
): Promise<{ sum: number; missing: string[] }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const t = await txn.begin();
      let sum = 0;
      for (let i = 0; i < accounts; i++) {
        const value = await t.get(bytes(accountKey(i)));
        if (value === undefined) throw new Error(`account ${i} missing`);
        sum += Number(decoder.decode(value));
      }
      const missing: string[] = [];
      for (let i = 0; i < records.length; i += 32) {
        const chunk = records.slice(i, i + 32);
        const values = await Promise.all(chunk.map((r) => t.get(bytes(r))));
        values.forEach((v, j) => {
          if (v === undefined) missing.push(chunk[j] ?? '?');
        });
      }
      await t.rollback();
      return { sum, missing };
    } catch (error) {
      if (!isTxnError(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** A key of `groupId` (found by hashing candidates), for probing that group alone. */
export function keyOfGroup(c: ProcessCluster, groupId: number, prefix: string): string {
  for (let i = 0; i < 100_000; i++) {
    const key = `${prefix}/${groupId}/${i}`;
    if (c.layout.groupOfKey(bytes(key)) === groupId) return key;
  }
  throw new Error(`no key found for group ${groupId}`);
}
