import { describe, expect, it } from 'vitest';
import { wholeKeyHash } from './key-hashers';
import { ReplicaError } from './errors';
import type { SliceReplica } from './slice-replica';
import { SimCluster, b, put, s } from './test/sim-cluster';
import type { GroupSpec } from './test/sim-cluster';

const parent: GroupSpec = {
  groupId: 7,
  spaceId: 70,
  members: [
    { nodeId: 1, role: 'voter' },
    { nodeId: 2, role: 'voter' },
    { nodeId: 3, role: 'voter' },
  ],
};
const child = { groupId: 8, spaceId: 80 };

const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
const hashOf = (key: string) => wholeKeyHash(b(key));
/** The median hash of the test keys: about half of them move. */
const at = [...keys.map(hashOf)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[30] ?? 1n;
const moves = (key: string) => hashOf(key) >= at;
const staying = keys.filter((k) => !moves(k));
const moving = keys.filter(moves);

function newSim(seed: number, snapshotEveryEntries = 1_000): SimCluster {
  return new SimCluster({
    seed,
    nodeIds: [1, 2, 3],
    nodeOptions: { snapshotEveryEntries },
    wireCodec: true,
  });
}

async function settle<T>(sim: SimCluster, promise: Promise<T>): Promise<T> {
  let outcome: { ok: T } | { err: unknown } | undefined;
  promise.then(
    (ok) => (outcome = { ok }),
    (err: unknown) => (outcome = { err }),
  );
  await sim.runUntil(() => outcome !== undefined, 10_000, 5);
  if (outcome === undefined) throw new Error('did not settle');
  if ('err' in outcome) throw outcome.err;
  return outcome.ok;
}

async function leaderReplica(sim: SimCluster, groupId: number): Promise<SliceReplica> {
  const leader = await sim.waitForLeader(groupId);
  const replica = sim.node(leader).replica(groupId);
  if (replica === undefined) throw new Error(`leader ${leader} has no group ${groupId}`);
  return replica;
}

async function fill(sim: SimCluster): Promise<void> {
  sim.createGroup(parent);
  for (let i = 0; i < keys.length; i += 10) {
    const batch = keys.slice(i, i + 10).map((k) => put(k, `v-${k}`, 100 + i));
    await sim.proposeAndWait(parent.groupId, batch);
    // A second version of each key, so that history must move too.
    await sim.proposeAndWait(
      parent.groupId,
      keys.slice(i, i + 10).map((k) => put(k, `w-${k}`, 1_000 + i)),
    );
  }
}

async function split(sim: SimCluster): Promise<void> {
  const leader = await leaderReplica(sim, parent.groupId);
  await settle(sim, leader.proposeSplit(at, child.groupId, child.spaceId));
}

const rowKeys = (sim: SimCluster, node: number, space: number) =>
  sim
    .rows(node, space)
    .map((r) => s(r.key))
    .sort();

async function expectWrongSlice(promise: Promise<unknown>, sim: SimCluster): Promise<void> {
  const error = await settle(sim, promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReplicaError);
  expect((error as ReplicaError).code).toBe('WRONG_SLICE');
}

describe('slice split (data path)', () => {
  it('splits by the hasher the order names, and every member and snapshot keeps it', async () => {
    // A rule of our own: a key's first byte is its hash's top byte.
    const firstByte = () => (key: Uint8Array) => BigInt(key[0] ?? 0) << 56n;
    const sim = new SimCluster({
      seed: 6,
      nodeIds: [1, 2, 3],
      nodeOptions: { snapshotEveryEntries: 5 },
      wireCodec: true,
      keyHashers: new Map([['firstByte', firstByte]]),
    });
    sim.createGroup(parent);
    const words = ['apple', 'kiwi', 'lemon', 'mango', 'peach', 'zucchini'];
    await sim.proposeAndWait(
      parent.groupId,
      words.map((w) => put(w, w.toUpperCase(), 10)),
    );
    const leader = await leaderReplica(sim, parent.groupId);
    const hasher = { name: 'firstByte', params: new Uint8Array(0) };
    const unknown = await settle(
      sim,
      leader.proposeSplit(1n << 62n, 8, 80, { name: 'nope', params: new Uint8Array(0) }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((unknown as ReplicaError).code).toBe('INVALID_COMMAND');
    sim.crash(3);
    const mAt = BigInt('m'.charCodeAt(0)) << 56n;
    await settle(sim, leader.proposeSplit(mAt, 8, 80, hasher));
    // Node 3 catches up by a snapshot past the split: it must hash as the others do.
    for (let i = 0; i < 8; i++) {
      await sim.proposeAndWait(parent.groupId, [put('apple', `a${i}`, 20 + i)]);
    }
    sim.restart(3);
    await sim.runFor(500);
    for (const n of [1, 2, 3]) {
      expect(rowKeys(sim, n, parent.spaceId)).toEqual(['apple', 'kiwi', 'lemon']);
      expect(sim.node(n).replica(parent.groupId)?.record.hasher).toEqual({
        name: 'firstByte',
        params: '',
      });
    }
    for (const n of [1, 2]) {
      expect(rowKeys(sim, n, child.spaceId)).toEqual(['mango', 'peach', 'zucchini']);
    }
    const p = await leaderReplica(sim, parent.groupId);
    await expectWrongSlice(p.propose([put('melon', 'x', 100)]), sim);
    expect(await settle(sim, p.propose([put('banana', 'x', 101)]))).toEqual([{ kind: 'ok' }]);
    // A narrowed range splits again only by the same rule.
    const other = await settle(
      sim,
      p.proposeSplit(mAt / 2n, 9, 90, { name: 'wholeKey', params: new Uint8Array(0) }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((other as ReplicaError).code).toBe('INVALID_COMMAND');
  });

  it('moves exactly the keys at or above the split point, with their history, on every member', async () => {
    const sim = newSim(1);
    await fill(sim);
    await split(sim);
    await sim.runFor(100);
    for (const n of [1, 2, 3]) {
      expect(rowKeys(sim, n, parent.spaceId)).toEqual([...staying].sort());
      expect(rowKeys(sim, n, child.spaceId)).toEqual([...moving].sort());
      const p = sim.node(n).replica(parent.groupId);
      const c = sim.node(n).replica(child.groupId);
      expect(p?.hashBounds).toEqual({ start: 0n, end: at });
      expect(c?.hashBounds).toEqual({ start: at, end: 1n << 64n });
      expect(c?.record.members).toEqual(parent.members);
      // Sizes are exact on both sides.
      const ps = sim.spaceInfo(n, parent.spaceId);
      const cs = sim.spaceInfo(n, child.spaceId);
      expect(ps?.approxRecords).toBe(staying.length * 2);
      expect(cs?.approxRecords).toBe(moving.length * 2);
    }
    // The new group elects a leader and serves reads at old timestamps and new writes.
    const c = await leaderReplica(sim, child.groupId);
    const key = moving[0] ?? 'none';
    const old = await settle(sim, c.read(500, b(key), { readIndexFallback: true }));
    expect(old.kind === 'value' && s(old.value)).toBe(`v-${key}`);
    expect(await settle(sim, c.propose([put(key, 'new', 5_000)]))).toEqual([{ kind: 'ok' }]);
    // The parent refuses the moved keys, for writes and reads, and serves its own.
    const p = await leaderReplica(sim, parent.groupId);
    await expectWrongSlice(p.propose([put(key, 'lost', 5_001)]), sim);
    await expectWrongSlice(p.read(6_000, b(key), { readIndexFallback: true }), sim);
    await expectWrongSlice(p.txnStatus(b(key), 10, { readIndexFallback: true }), sim);
    // A scan expecting the parent's old range is refused; one expecting the new range is not.
    await expectWrongSlice(
      p.scan(6_000, undefined, undefined, {
        limit: 100,
        readIndexFallback: true,
        expectBounds: { start: 0n, end: 1n << 64n },
      }),
      sim,
    );
    const scan = await settle(
      sim,
      p.scan(6_000, undefined, undefined, {
        limit: 100,
        readIndexFallback: true,
        expectBounds: { start: 0n, end: at },
      }),
    );
    expect(scan.kind === 'rows' && scan.rows.length).toBe(staying.length);
    const own = staying[0] ?? 'none';
    expect(await settle(sim, p.propose([put(own, 'mine', 5_002)]))).toEqual([{ kind: 'ok' }]);
    // A split point outside the (narrowed) range is refused before it is proposed.
    const refused = await settle(sim, p.proposeSplit(at + 1n, 9, 90)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as ReplicaError).code).toBe('INVALID_COMMAND');
  });

  it('refuses at apply a write proposed before the split but ordered after it', async () => {
    const sim = newSim(2);
    await fill(sim);
    const leader = await leaderReplica(sim, parent.groupId);
    const key = moving[1] ?? 'none';
    // Both pass the early check (the range is still whole); the split is first in the log.
    const splitDone = leader.proposeSplit(at, child.groupId, child.spaceId);
    const racing = leader.propose([put(key, 'raced', 7_000)]);
    await settle(sim, splitDone);
    await expectWrongSlice(racing, sim);
    await sim.runFor(100);
    for (const n of [1, 2, 3]) {
      const row = sim.rows(n, child.spaceId).find((r) => s(r.key) === key);
      expect(row !== undefined && s(row.value)).toBe(`w-${key}`);
      expect(rowKeys(sim, n, parent.spaceId)).not.toContain(key);
    }
  });

  it('recovers both groups after a crash of every node once the split applied', async () => {
    const sim = newSim(3);
    await fill(sim);
    await split(sim);
    const c = await leaderReplica(sim, child.groupId);
    await settle(sim, c.propose([put(moving[2] ?? 'none', 'after', 8_000)]));
    await sim.runFor(50); // the disk syncs every 2 ms
    for (const n of [1, 2, 3]) sim.crash(n);
    for (const n of [1, 2, 3]) sim.restart(n);
    await sim.runFor(100);
    for (const n of [1, 2, 3]) {
      expect(sim.node(n).replica(child.groupId)?.hashBounds.start).toBe(at);
      expect(sim.node(n).replica(parent.groupId)?.hashBounds.end).toBe(at);
      expect(rowKeys(sim, n, parent.spaceId)).toEqual([...staying].sort());
      expect(rowKeys(sim, n, child.spaceId)).toEqual([...moving].sort());
    }
    const again = await leaderReplica(sim, child.groupId);
    const got = await settle(
      sim,
      again.read(9_000, b(moving[2] ?? 'none'), { readIndexFallback: true }),
    );
    expect(got.kind === 'value' && s(got.value)).toBe('after');
  });

  it('a member down during the split applies it from the log when it returns, and founds the new group', async () => {
    const sim = newSim(4);
    await fill(sim);
    await sim.runFor(50);
    sim.crash(3);
    await split(sim);
    const c = await leaderReplica(sim, child.groupId);
    await settle(sim, c.propose([put(moving[3] ?? 'none', 'while-down', 9_000)]));
    expect(sim.node(1).metrics.unknownGroupMessages).toBe(0);
    sim.restart(3);
    await sim.runUntil(() => sim.node(3).replica(child.groupId) !== undefined, 10_000);
    await sim.runFor(500);
    expect(rowKeys(sim, 3, parent.spaceId)).toEqual([...staying].sort());
    expect(rowKeys(sim, 3, child.spaceId)).toEqual([...moving].sort());
    const row = sim.rows(3, child.spaceId).find((r) => s(r.key) === moving[3]);
    expect(row !== undefined && s(row.value)).toBe('while-down');
  });

  it('a member that catches up by a snapshot past the split refuses the moved keys and joins the new group by snapshot', async () => {
    const sim = newSim(5, 5);
    await fill(sim);
    await sim.runFor(50);
    sim.crash(3);
    await split(sim);
    // Enough parent entries that its log is compacted past the split.
    for (let i = 0; i < 12; i++) {
      await sim.proposeAndWait(parent.groupId, [put(staying[i] ?? 'none', `x${i}`, 10_000 + i)]);
    }
    const c = await leaderReplica(sim, child.groupId);
    for (let i = 0; i < 8; i++) {
      await settle(sim, c.propose([put(moving[i] ?? 'none', `y${i}`, 11_000 + i)]));
    }
    const restarted = sim.restart(3);
    await sim.runUntil(
      () => (restarted.replica(parent.groupId)?.status().snapshotIndex ?? 0) > 0,
      10_000,
    );
    await sim.runFor(300);
    expect(restarted.replica(parent.groupId)?.hashBounds.end).toBe(at);
    expect(restarted.replica(child.groupId)).toBeUndefined();
    expect(rowKeys(sim, 3, parent.spaceId)).toEqual([...staying].sort());
    // The map lists node 3 in the new slice: its agent creates a joiner, filled by snapshot.
    restarted.createReplica({ ...child, members: parent.members, bootstrap: false });
    await sim.runUntil(() => (sim.spaceInfo(3, child.spaceId)?.appliedIndex ?? 0) > 5, 10_000);
    await sim.runFor(100);
    expect(rowKeys(sim, 3, child.spaceId)).toEqual([...moving].sort());
    const row = sim.rows(3, child.spaceId).find((r) => s(r.key) === moving[0]);
    expect(row !== undefined && s(row.value)).toBe('y0');
    expect(restarted.replica(child.groupId)?.hashBounds.start).toBe(at);
  });
});
