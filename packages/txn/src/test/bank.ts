// Test support: the bank-transfer workload and its validator (RFC 0002 "Simulation").
//
// Accounts spread over the slices by the hash router; workers move money between two random
// accounts in transactions, with random aborts, retries on retryable errors and (optionally)
// coordinator crashes; readers take snapshot reads of every balance meanwhile. Each transfer
// also writes a record `t/<id>` so that, at the end, the validator can check:
//   1. every snapshot read summed to the constant total (no torn or uncommitted reads), and
//      its balances are exactly what the transfer records visible in it imply;
//   2. every acknowledged transfer is visible (no acknowledged commit lost);
//   3. the final balances are exactly the initial ones plus the visible transfer records
//      (each transfer applied entirely or not at all, once).
import type { KvEngine } from '@tessera/storage';
import { isTxnError } from '../errors';
import type { TxnOptions } from '../options';
import { SimulatedCrash } from '../testing-knobs';
import type { TxnClient } from '../txn-client';
import { b, drive, makeCluster, s } from './fixtures';
import { SimNetworkSliceKv } from './sim-kv';

export interface BankConfig {
  readonly seed: number;
  readonly accounts?: number;
  readonly sliceCount?: number;
  readonly workers?: number;
  readonly transfersPerWorker?: number;
  readonly readers?: number;
  readonly readsPerReader?: number;
  readonly abortChance?: number;
  /** Probability that a committing coordinator dies (half before, half after the primary). */
  readonly crashChance?: number;
  /** Plant the ack-before-primary-commit bug. */
  readonly plantAckBeforeCommit?: boolean;
  /** Plant the commitTs-before-prewrite bug. */
  readonly commitTsBeforePrewrite?: boolean;
  readonly duplicateChance?: number;
  /** Network delay per hop, at most (default 3 ms). */
  readonly delayMsMax?: number;
  readonly engine?: KvEngine;
  readonly options?: Partial<TxnOptions>;
}

export interface BankReport {
  readonly seed: number;
  readonly violations: string[];
  readonly acknowledged: number;
  readonly crashed: number;
  readonly conflicts: number;
  readonly aborts: number;
  readonly snapshotReads: number;
  readonly lockTimeouts: number;
  /** Txns rolled back by someone else (their TTL ran out) before their commit point. */
  readonly txnAborted: number;
  readonly finalBalances: readonly number[];
}

const initialBalance = 100;
const retriesMax = 25;
const accountKey = (i: number): string => `a/${String(i).padStart(3, '0')}`;

export async function runBank(config: BankConfig): Promise<BankReport> {
  const accounts = config.accounts ?? 8;
  const total = accounts * initialBalance;
  const cluster = await makeCluster({
    seed: config.seed,
    sliceCount: config.sliceCount ?? 4,
    ...(config.engine === undefined ? {} : { engine: config.engine }),
  });
  const { clock } = cluster;
  const rng = cluster.rng.fork();
  const net = new SimNetworkSliceKv(cluster.local, clock, rng.fork(), {
    delayMsMax: config.delayMsMax ?? 3,
    duplicateChance: config.duplicateChance ?? 0.05,
  });
  const options: Partial<TxnOptions> = { lockTtlMs: 100, ...config.options };
  const crashChance = config.crashChance ?? 0;
  const crashRng = rng.fork();
  const newClient = (): TxnClient =>
    cluster.client({
      kv: net,
      options,
      knobs: {
        crashAt: () => {
          if (!crashRng.chance(crashChance)) return undefined;
          return crashRng.chance(0.5) ? 'afterPrewrite' : 'afterPrimaryCommit';
        },
        ackBeforePrimaryCommit: config.plantAckBeforeCommit === true,
        commitTsBeforePrewrite: config.commitTsBeforePrewrite === true,
      },
    });

  const violations: string[] = [];
  const acked: string[] = [];
  const stats = {
    crashed: 0,
    conflicts: 0,
    aborts: 0,
    snapshotReads: 0,
    lockTimeouts: 0,
    txnAborted: 0,
  };
  const pause = (msMax: number): Promise<void> =>
    new Promise((resolve) => clock.setTimer(rng.int(0, msMax), resolve));

  const setup = async (): Promise<void> => {
    const client = newClientWithoutFaults();
    const t = await client.begin();
    for (let i = 0; i < accounts; i++) t.put(b(accountKey(i)), b(String(initialBalance)));
    await t.commit();
    await client.flush();
  };
  const newClientWithoutFaults = (): TxnClient => cluster.client({ kv: net, options });

  const transfer = async (client: TxnClient, id: string): Promise<void> => {
    for (let attempt = 0; attempt < retriesMax; attempt++) {
      await pause(attempt === 0 ? 5 : 20 * Math.min(attempt, 8));
      const from = rng.int(0, accounts - 1);
      const to = (from + rng.int(1, accounts - 1)) % accounts;
      const amount = rng.int(1, 30);
      try {
        const t = await client.begin();
        const fromBalance = Number(s(await t.get(b(accountKey(from)))));
        await pause(2);
        const toBalance = Number(s(await t.get(b(accountKey(to)))));
        if (fromBalance < amount) {
          await t.rollback();
          return;
        }
        t.put(b(accountKey(from)), b(String(fromBalance - amount)));
        t.put(b(accountKey(to)), b(String(toBalance + amount)));
        t.put(b(`t/${id}`), b(`${from}>${to}:${amount}`));
        await pause(2);
        if (rng.chance(config.abortChance ?? 0.1)) {
          stats.aborts++;
          await t.rollback();
          return;
        }
        await t.commit();
        acked.push(id);
        return;
      } catch (error) {
        if (error instanceof SimulatedCrash) {
          // The client lost its connection: the outcome is unknown, so it must not retry.
          stats.crashed++;
          return;
        }
        if (isTxnError(error) && error.retryable) {
          if (error.code === 'WRITE_CONFLICT') stats.conflicts++;
          if (error.code === 'LOCK_TIMEOUT') stats.lockTimeouts++;
          if (error.code === 'TXN_ABORTED') stats.txnAborted++;
          continue;
        }
        throw error;
      }
    }
  };

  const worker = async (w: number): Promise<void> => {
    const client = newClient();
    for (let i = 0; i < (config.transfersPerWorker ?? 12); i++) await transfer(client, `${w}-${i}`);
    await client.flush();
  };

  const snapshotReader = async (): Promise<void> => {
    const client = newClientWithoutFaults();
    for (let i = 0; i < (config.readsPerReader ?? 10); i++) {
      await pause(10);
      try {
        const t = await client.begin();
        // Alternate a merged scan and point reads: both must see one snapshot.
        const balances = i % 2 === 0 ? await scanBalances(t) : await getBalances(t, accounts);
        stats.snapshotReads++;
        const sum = balances.reduce((x, y) => x + y, 0);
        if (balances.length !== accounts || sum !== total) {
          violations.push(
            `snapshot at ${t.startTs}: ${balances.length} accounts summing to ${sum}, not ${total}`,
          );
        }
        // Stronger: the snapshot holds exactly the effects of the transfers it shows.
        const { expected } = implied(await t.scan(b('t/'), b('t0')));
        if (balances.join() !== expected.join()) {
          violations.push(
            `snapshot at ${t.startTs}: balances ${balances.join()} != its records ${expected.join()}`,
          );
        }
        await t.commit();
      } catch (error) {
        if (isTxnError(error, 'LOCK_TIMEOUT')) stats.lockTimeouts++;
        else throw error;
      }
    }
  };

  /** The balances the visible transfer records imply, and those records' ids. */
  const implied = (
    records: readonly { key: Uint8Array; value: Uint8Array }[],
  ): { expected: number[]; visible: Set<string> } => {
    const expected = Array.from({ length: accounts }, () => initialBalance);
    const visible = new Set<string>();
    for (const row of records) {
      const id = (s(row.key) ?? '').slice(2);
      visible.add(id);
      const match = /^(\d+)>(\d+):(\d+)$/.exec(s(row.value) ?? '');
      if (match === null) {
        violations.push(`bad record ${id}`);
        continue;
      }
      const [from, to, amount] = [Number(match[1]), Number(match[2]), Number(match[3])];
      expected[from] = (expected[from] ?? 0) - amount;
      expected[to] = (expected[to] ?? 0) + amount;
    }
    return { expected, visible };
  };

  const final = async (): Promise<number[]> => {
    await net.flush();
    // Let every dead coordinator's TTL run out, then read (and so resolve) everything.
    await pause(0);
    clock.runUntil(clock.now() + (options.lockTtlMs ?? 100) + 1);
    const client = newClientWithoutFaults();
    const t = await client.begin();
    const balances = await scanBalances(t);
    const { expected, visible } = implied(await t.scan(b('t/'), b('t0')));
    for (const id of acked) {
      if (!visible.has(id)) violations.push(`acknowledged transfer ${id} is not visible`);
    }
    const sum = balances.reduce((x, y) => x + y, 0);
    if (sum !== total) violations.push(`final total ${sum}, not ${total}`);
    if (balances.join() !== expected.join()) {
      violations.push(`final balances ${balances.join()} != records imply ${expected.join()}`);
    }
    return balances;
  };

  const workload = async (): Promise<number[]> => {
    await setup();
    const workers = Array.from({ length: config.workers ?? 6 }, (_, w) => worker(w));
    const readers = Array.from({ length: config.readers ?? 2 }, () => snapshotReader());
    await Promise.all([...workers, ...readers]);
    return final();
  };

  const finalBalances = await drive(clock, workload());
  return { seed: config.seed, violations, acknowledged: acked.length, ...stats, finalBalances };
}

async function scanBalances(t: {
  scan(
    start: Uint8Array,
    end: Uint8Array,
  ): Promise<readonly { key: Uint8Array; value: Uint8Array }[]>;
}): Promise<number[]> {
  const rows = await t.scan(b('a/'), b('a0'));
  return rows.map((row) => Number(s(row.value)));
}

async function getBalances(
  t: { get(key: Uint8Array): Promise<Uint8Array | undefined> },
  accounts: number,
): Promise<number[]> {
  const values = await Promise.all(
    Array.from({ length: accounts }, (_, i) => t.get(b(accountKey(i)))),
  );
  return values.filter((v) => v !== undefined).map((v) => Number(s(v)));
}
