// A slice split under a bank-transfer workload, over the real replicated path: three data
// nodes (DataNode + KvService on simulated networks), KvClient, ClusterSliceKv and TxnClient.
// Mid-run the leader of one group splits it (the data path: one Raft entry moves the keys at
// or above the split point into a new group on every member), and a stand-in for the control
// plane publishes the new slice map once the new group has a leader. Transactions in flight
// meet WRONG_SLICE and are routed again: no money is lost or made, and no client sees an error.
import { describe, expect, it } from 'vitest';
import {
  DataNode,
  KvClient,
  KvService,
  MemoryNetwork,
  SeededRng,
  SimClock,
  wholeKeyHash,
} from '@tessera/cluster';
import type { KvMessage, NodeMessage } from '@tessera/cluster';
import { MemoryEngine } from '@tessera/storage';
import { ClusterSliceKv } from './cluster-slice-kv';
import type { SliceRouting } from './cluster-slice-kv';
import { isTxnError } from './errors';
import type { HashBounds, Router } from './slice-kv';
import { b, drive, s } from './test/fixtures';
import { MemoryWindowStore, OracleTimestampSource } from './timestamp-source';
import { TxnClient } from './txn-client';
import type { Transaction } from './transaction';

const nodeIds = [1, 2, 3];
const members = nodeIds.map((nodeId) => ({ nodeId, role: 'voter' as const }));
const end = 1n << 64n;
const half = 1n << 63n;

/** The slice map as the control plane would publish it: group id → hash range. */
class SliceMap {
  groups = new Map<number, HashBounds>([
    [1, { start: 0n, end: half }],
    [2, { start: half, end }],
  ]);
  version = 1;

  groupOf(key: Uint8Array): number {
    const hash = wholeKeyHash(key);
    for (const [id, r] of this.groups) if (hash >= r.start && hash < r.end) return id;
    throw new Error(`no group for hash ${hash}`);
  }
}

function harness(seed: number) {
  const clock = new SimClock(1_000);
  const rng = new SeededRng(seed);
  const peerNet = new MemoryNetwork<NodeMessage>({ clock, rng: rng.fork() });
  const clientNet = new MemoryNetwork<KvMessage>({ clock, rng: rng.fork() });
  const nodes = nodeIds.map((nodeId) => {
    const node = new DataNode({
      nodeId,
      clock,
      rng: rng.fork(),
      transport: peerNet.connect(nodeId),
      engine: new MemoryEngine(),
    });
    new KvService(node, clientNet.connect(nodeId));
    return node;
  });
  const map = new SliceMap();
  for (const [groupId] of map.groups) {
    for (const node of nodes)
      node.createReplica({ groupId, spaceId: groupId, members, bootstrap: true });
  }
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
  const kvClient = new KvClient({
    transport: clientNet.connect(100),
    clock,
    rng: rng.fork(),
    membersOf: () => nodeIds,
  });
  const routing: SliceRouting = {
    refresh: () => sleep(20),
    sliceOf: (key) => map.groupOf(key),
    boundsOf: (slice) => map.groups.get(slice),
    slicesWithin: (_slice, bounds) =>
      [...map.groups]
        .filter(([, r]) => r.start >= bounds.start && r.end <= bounds.end)
        .map(([id]) => id),
  };
  const kv = new ClusterSliceKv({ client: kvClient, routing, maxReroutes: 500 });
  const router: Router = {
    sliceOf: (key) => map.groupOf(key),
    slicesFor: () => [...map.groups.keys()],
    boundsOf: (slice) => map.groups.get(slice),
  };
  const timestamps = new OracleTimestampSource({ clock, windowStore: new MemoryWindowStore() });
  const client = () =>
    new TxnClient({
      kv,
      router,
      timestamps,
      clock,
      rng: rng.fork(),
      options: { lockTtlMs: 3_000 },
    });
  const leaderOf = (groupId: number) =>
    nodes.find((n) => n.replica(groupId)?.raftStatus().role === 'leader');
  const waitForLeader = async (groupId: number) => {
    for (;;) {
      const leader = leaderOf(groupId);
      if (leader !== undefined) return leader;
      await sleep(10);
    }
  };
  return { clock, rng, nodes, map, kv, client, sleep, leaderOf, waitForLeader };
}

const SEEDS = [7, 8, 9];
const accounts = 24;
const initial = 100;
const accountKey = (i: number) => `a/${String(i).padStart(3, '0')}`;

async function balances(t: Transaction, viaScan: boolean): Promise<number[]> {
  if (viaScan) {
    const rows = await t.scan(b('a/'), b('a0'));
    return rows.map((r) => Number(s(r.value)));
  }
  const out: number[] = [];
  for (let i = 0; i < accounts; i++) out.push(Number(s(await t.get(b(accountKey(i))))));
  return out;
}

describe('slice split under a bank workload (replicated path)', () => {
  it.each(SEEDS)(
    'seed %i: every transfer atomic, every read consistent, no client-visible error',
    async (seed) => {
      const h = harness(seed);
      const work = (async () => {
        await h.waitForLeader(1);
        await h.waitForLeader(2);
        const setup = h.client();
        const t0 = await setup.begin();
        for (let i = 0; i < accounts; i++) t0.put(b(accountKey(i)), b(String(initial)));
        await t0.commit();

        // Split group 1 at the median hash of its accounts, so that about half of them move.
        const inGroup1 = Array.from({ length: accounts }, (_, i) => wholeKeyHash(b(accountKey(i))))
          .filter((hash) => hash < half)
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const at = inGroup1[Math.floor(inGroup1.length / 2)] ?? half / 2n;

        const errors: string[] = [];
        const acked: string[] = [];
        let conflicts = 0;
        const worker = async (w: number) => {
          const c = h.client();
          for (let n = 0; n < 25; n++) {
            for (let attempt = 0; attempt < 40; attempt++) {
              const from = h.rng.int(0, accounts - 1);
              const to = (from + h.rng.int(1, accounts - 1)) % accounts;
              const amount = h.rng.int(1, 20);
              try {
                const t = await c.begin();
                const a = Number(s(await t.get(b(accountKey(from)))));
                await h.sleep(h.rng.int(0, 5));
                const bb = Number(s(await t.get(b(accountKey(to)))));
                t.put(b(accountKey(from)), b(String(a - amount)));
                t.put(b(accountKey(to)), b(String(bb + amount)));
                t.put(b(`t/${w}-${n}`), b(`${from}>${to}:${amount}`));
                await t.commit();
                acked.push(`${w}-${n}`);
                break;
              } catch (error) {
                if (isTxnError(error, 'WRITE_CONFLICT') || isTxnError(error, 'TXN_ABORTED')) {
                  conflicts++;
                  await h.sleep(h.rng.int(1, 20));
                  continue;
                }
                errors.push(`worker ${w}: ${String(error)}`);
                break;
              }
            }
          }
        };
        let snapshotReads = 0;
        let stop = false;
        const reader = async () => {
          const c = h.client();
          for (let i = 0; !stop; i++) {
            await h.sleep(7);
            try {
              const t = await c.begin();
              const got = await balances(t, i % 2 === 0);
              const sum = got.reduce((x, y) => x + y, 0);
              if (got.length !== accounts || sum !== accounts * initial) {
                errors.push(`snapshot ${t.startTs}: ${got.length} accounts summing to ${sum}`);
              }
              await t.commit();
              snapshotReads++;
            } catch (error) {
              errors.push(`reader: ${String(error)}`);
            }
          }
        };
        const splitter = async () => {
          await h.sleep(150);
          const leader = await h.waitForLeader(1);
          const replica = leader.replica(1);
          if (replica === undefined) throw new Error('leader lost group 1');
          await replica.proposeSplit(at, 3, 3);
          await h.waitForLeader(3);
          // The control plane's finishing step: the map gets the new slice; routers follow.
          h.map.groups.set(1, { start: 0n, end: at });
          h.map.groups.set(3, { start: at, end: half });
          h.map.version++;
        };
        const workers = [0, 1, 2, 3].map((w) => worker(w));
        const readers = [reader(), reader()];
        await Promise.all([...workers, splitter()]);
        stop = true;
        await Promise.all(readers);

        const check = await h.client().begin();
        const final = await balances(check, true);
        const records = await check.scan(b('t/'), b('t0'));
        return { errors, acked, conflicts, snapshotReads, final, records, at };
      })();
      const r = await drive(h.clock, work);
      expect(r.errors).toEqual([]);
      expect(r.final.reduce((x, y) => x + y, 0)).toBe(accounts * initial);
      // Every acknowledged transfer is visible exactly once, and the balances are what they imply.
      const implied = Array.from({ length: accounts }, () => initial);
      for (const row of r.records) {
        const [, from, to, amount] = /^(\d+)>(\d+):(\d+)$/.exec(s(row.value) ?? '') ?? [];
        implied[Number(from)] = (implied[Number(from)] ?? 0) - Number(amount);
        implied[Number(to)] = (implied[Number(to)] ?? 0) + Number(amount);
      }
      expect(r.records.map((row) => (s(row.key) ?? '').slice(2)).sort()).toEqual(
        [...r.acked].sort(),
      );
      expect(r.final).toEqual(implied);
      expect(r.acked.length).toBe(100);
      expect(r.snapshotReads).toBeGreaterThan(10);
      // The split really happened under traffic: calls were routed again, keys moved.
      expect(h.kv.reroutes).toBeGreaterThan(0);
      expect(h.map.groups.size).toBe(3);
      for (const node of h.nodes) {
        expect(node.replica(3)?.hashBounds).toEqual({ start: r.at, end });
        expect(node.replica(1)?.hashBounds).toEqual({ start: 0n, end: r.at });
      }
    },
    60_000,
  );
});
