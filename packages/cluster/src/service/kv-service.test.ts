import { describe, expect, it } from 'vitest';
import type { ReplicaMember } from '../node/replica-registry';
import { b, put, s, SimCluster } from '../node/test/sim-cluster';
import { MemoryNetwork } from '../runtime/transport';
import type { KvClientOptions } from './kv-client';
import { KvCallError, KvClient } from './kv-client';
import type { KvMessage } from './kv-protocol';
import { KvService } from './kv-service';

const clientId = 100;
const voters = (...ids: number[]): ReplicaMember[] =>
  ids.map((nodeId) => ({ nodeId, role: 'voter' }));

/** Three data nodes with one group, a KV service on each, and a client on its own network. */
function setup(options: KvClientOptions = {}, seed = 1) {
  const sim = new SimCluster({ seed, nodeIds: [1, 2, 3] });
  const kvNet = new MemoryNetwork<KvMessage>({ clock: sim.clock });
  const services = new Map<number, KvService>();
  const serve = (id: number) => {
    services.set(id, new KvService(sim.node(id), kvNet.connect(id)));
  };
  for (const id of [1, 2, 3]) serve(id);
  const membership = new Map<number, number[]>([[1, [1, 2, 3]]]);
  const client = new KvClient({
    transport: kvNet.connect(clientId),
    clock: sim.clock,
    rng: sim.rng.fork(),
    membersOf: (groupId) => membership.get(groupId) ?? [],
    options,
  });
  sim.createGroup({ groupId: 1, spaceId: 10, members: voters(1, 2, 3) });
  /** Runs the simulation until the promise settles (or 30 simulated seconds pass). */
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    await sim.runUntil(() => done, 30_000);
    return watched;
  };
  const crash = (id: number) => {
    services.get(id)?.close();
    kvNet.setDown(id, true);
    sim.crash(id);
  };
  const restart = (id: number) => {
    sim.restart(id);
    kvNet.setDown(id, false);
    serve(id);
  };
  return { sim, kvNet, client, membership, settle, crash, restart };
}

describe('KvClient and KvService', () => {
  it('finds the leader from NOT_LEADER hints, writes, reads, and caches the leader', async () => {
    const { sim, client, settle } = setup();
    const leader = await sim.waitForLeader(1);
    const results = await settle(client.propose(1, [put('k', 'v1', 5_000)], true));
    expect(results).toEqual([{ kind: 'ok' }]);
    expect(client.cachedLeader(1)).toBe(leader);
    const got = await settle(client.get(1, 6_000, b('k')));
    expect(got.kind).toBe('value');
    if (got.kind === 'value') expect(s(got.value)).toBe('v1');
    const scanned = await settle(
      client.scan(1, {
        readTs: 6_000,
        startKey: undefined,
        endKey: undefined,
        options: { limit: 10 },
      }),
    );
    expect(scanned).toMatchObject({ kind: 'rows' });
  });

  it('keeps serving after the leader crashes, and nothing acknowledged is lost', async () => {
    const { sim, client, settle, crash, restart } = setup();
    const leader = await sim.waitForLeader(1);
    await settle(client.propose(1, [put('a', '1', 5_000)], true));
    crash(leader);
    // The cached leader is gone: the client times out there, moves on, and finds the new one.
    await settle(client.propose(1, [put('b', '2', 6_000)], true));
    expect(client.cachedLeader(1)).not.toBe(leader);
    for (const [key, value] of [
      ['a', '1'],
      ['b', '2'],
    ] as const) {
      const got = await settle(client.get(1, 7_000, b(key)));
      expect(got.kind === 'value' ? s(got.value) : got.kind).toBe(value);
    }
    restart(leader);
    await sim.runFor(3_000);
    sim.assertHealthy();
  });

  it('reports a proposal whose outcome is unknown as ambiguous, and never re-sends it', async () => {
    const { sim, kvNet, client, settle } = setup({ attemptTimeoutMs: 500, maxAttempts: 4 });
    const leader = await sim.waitForLeader(1);
    await settle(client.get(1, 2_000, b('warm-up'))); // caches the leader
    // Requests reach the leader, answers are lost: the write may or may not have applied.
    kvNet.partition([[clientId], [1, 2, 3]]);
    const sent = kvNet.stats.sent;
    const error = await settle(client.propose(1, [put('x', '1', 9_000)], false)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KvCallError);
    expect(error).toMatchObject({ kind: 'ambiguous', lastCode: 'TIMEOUT' });
    expect(kvNet.stats.sent - sent).toBe(1); // one attempt only: not idempotent
    expect(client.cachedLeader(1)).toBeUndefined();
    expect(leader).toBeGreaterThan(0);
  });

  it('retries reads across members and fails plainly when no member answers', async () => {
    const { sim, kvNet, client, settle } = setup({ attemptTimeoutMs: 200, maxAttempts: 5 });
    await sim.waitForLeader(1);
    kvNet.partition([[clientId], [1, 2, 3]]);
    const sent = kvNet.stats.sent;
    const error = await settle(client.get(1, 2_000, b('k'))).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'failed', lastCode: 'TIMEOUT' });
    expect(kvNet.stats.sent - sent).toBe(5);
  });

  it('moves on from a node that hosts no replica of the group', async () => {
    const { sim, client, membership, settle } = setup();
    membership.set(1, [3, 1, 2]);
    sim.createGroup({ groupId: 2, spaceId: 20, members: voters(1, 2) });
    membership.set(2, [3, 1, 2]); // node 3 is listed first but hosts no member of group 2
    await sim.waitForLeader(2);
    expect(await settle(client.propose(2, [put('g2', 'v', 5_000)], true))).toEqual([
      { kind: 'ok' },
    ]);
    expect([1, 2]).toContain(client.cachedLeader(2));
  });

  it('does not retry a command the store refuses', async () => {
    const { sim, kvNet, client, settle } = setup();
    await sim.waitForLeader(1);
    await settle(client.get(1, 2_000, b('warm-up')));
    const sent = kvNet.stats.sent;
    const error = await settle(client.propose(1, [put('k', 'v', -1)], true)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'failed', lastCode: 'INVALID_COMMAND' });
    expect(kvNet.stats.sent - sent).toBe(2); // one request, one answer
  });

  it('fails at once for a group with no known members', async () => {
    const { client } = setup();
    await expect(client.get(9, 1, b('k'))).rejects.toMatchObject({
      kind: 'failed',
      lastCode: 'NO_MEMBERS',
    });
  });
});

describe('KvClient failover window (calls buffered while a group has no leader)', () => {
  /** Settles `call` on simulated time, recording when (sim clock) and how it ended. */
  async function timed<T>(
    sim: SimCluster,
    call: Promise<T>,
    settle: (p: Promise<T>) => Promise<T>,
  ): Promise<{ atMs: number; value?: T; error?: unknown }> {
    try {
      const value = await settle(call);
      return { atMs: sim.clock.now(), value };
    } catch (error) {
      return { atMs: sim.clock.now(), error };
    }
  }

  it('rides out a quorum loss shorter than the window: reads and writes just wait', async () => {
    const { sim, client, settle, crash, restart } = setup({ failoverWindowMs: 10_000 });
    const leader = await sim.waitForLeader(1);
    await settle(client.propose(1, [put('before', '1', 5_000)], true));
    // The leader and one follower die: no quorum, no leader, until one comes back at +4 s.
    const other = [1, 2, 3].find((id) => id !== leader) ?? 0;
    crash(leader);
    crash(other);
    const startMs = sim.clock.now();
    sim.clock.setTimer(4_000, () => {
      restart(other);
    });
    const write = client.propose(1, [put('during', '2', 6_000)], true);
    const read = client.get(1, 6_500, b('before'));
    const [w, r] = await Promise.all([timed(sim, write, settle), timed(sim, read, settle)]);
    expect(w.error).toBeUndefined();
    expect(w.value).toEqual([{ kind: 'ok' }]);
    expect(r.error).toBeUndefined();
    expect(r.value?.kind).toBe('value');
    // They completed after the restart, within the window.
    expect(w.atMs - startMs).toBeGreaterThanOrEqual(4_000);
    expect(w.atMs - startMs).toBeLessThan(10_000);
    expect(client.buffered).toBe(0);
    const got = await settle(client.get(1, 7_000, b('during')));
    expect(got.kind === 'value' ? s(got.value) : got.kind).toBe('2');
  });

  it('gives up when the window ends, with the failure it last saw, and keeps retry traffic bounded', async () => {
    const { sim, kvNet, client, settle, crash } = setup({
      failoverWindowMs: 3_000,
      attemptTimeoutMs: 500,
    });
    const leader = await sim.waitForLeader(1);
    await settle(client.get(1, 2_000, b('warm-up')));
    // The leader and a follower die: the survivor has no quorum and answers NOT_LEADER.
    crash(leader);
    crash([1, 2, 3].find((n) => n !== leader) ?? 0);
    const startMs = sim.clock.now();
    const sent = kvNet.stats.sent;
    const r = await timed(sim, client.get(1, 2_000, b('k')), settle);
    expect(r.error).toBeInstanceOf(KvCallError);
    expect(r.error).toMatchObject({ kind: 'failed' });
    expect((r.error as Error).message).toMatch(/3000 ms failover window/);
    // No attempt starts after the window; the last one sent may run its timeout out.
    expect(r.atMs - startMs).toBeGreaterThanOrEqual(3_000);
    expect(r.atMs - startMs).toBeLessThanOrEqual(3_500);
    // Backoff, not a hot loop: a few dozen requests (and answers) at most in 3 s.
    expect(kvNet.stats.sent - sent).toBeLessThan(80);
    expect(client.buffered).toBe(0);
  });

  it('rides out a partition from every member shorter than the window; fails one longer', async () => {
    const { sim, kvNet, client, settle } = setup({ failoverWindowMs: 5_000 });
    await sim.waitForLeader(1);
    await settle(client.propose(1, [put('p', '1', 5_000)], true));

    kvNet.partition([[clientId], [1, 2, 3]]);
    sim.clock.setTimer(2_500, () => {
      kvNet.heal();
    });
    const short = await timed(sim, client.get(1, 6_000, b('p')), settle);
    expect(short.error).toBeUndefined();
    expect(short.value?.kind).toBe('value');

    kvNet.partition([[clientId], [1, 2, 3]]);
    const startMs = sim.clock.now();
    sim.clock.setTimer(8_000, () => {
      kvNet.heal();
    });
    const long = await timed(sim, client.get(1, 6_000, b('p')), settle);
    expect(long.error).toMatchObject({ kind: 'failed', lastCode: 'TIMEOUT' });
    expect(long.atMs - startMs).toBeGreaterThanOrEqual(5_000);
    expect(long.atMs - startMs).toBeLessThan(8_000);
    // An idempotent proposal through a partition is ambiguous (it may have applied), but is
    // re-sent until the window ends; after the heal it lands exactly once (storage idempotent).
    kvNet.partition([[clientId], [1, 2, 3]]);
    sim.clock.setTimer(1_000, () => {
      kvNet.heal();
    });
    const write = await timed(sim, client.propose(1, [put('q', '1', 7_000)], true), settle);
    expect(write.value).toEqual([{ kind: 'ok' }]);
  });

  it('bounds the buffer: beyond maxBuffered a call fails at once, clearly', async () => {
    const { sim, kvNet, client, settle } = setup({
      failoverWindowMs: 10_000,
      attemptTimeoutMs: 500,
      maxBuffered: 2,
    });
    await sim.waitForLeader(1);
    await settle(client.get(1, 2_000, b('warm-up')));
    kvNet.partition([[clientId], [1, 2, 3]]);
    sim.clock.setTimer(3_000, () => {
      kvNet.heal();
    });
    const startMs = sim.clock.now();
    const calls = [0, 1, 2].map((i) => timed(sim, client.get(1, 2_000, b(`k${i}`)), settle));
    const results = await Promise.all(calls);
    const refused = results.filter((r) => r.error !== undefined);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.error).toMatchObject({ kind: 'failed', lastCode: 'BUFFER_FULL' });
    expect((refused[0]?.error as Error).message).toMatch(/failover buffer is full/);
    // Refused when its first attempt timed out, not after waiting.
    expect((refused[0]?.atMs ?? 0) - startMs).toBeGreaterThanOrEqual(500);
    expect((refused[0]?.atMs ?? 0) - startMs).toBeLessThan(600);
    expect(results.filter((r) => r.value?.kind === 'none')).toHaveLength(2);
    expect(client.buffered).toBe(0);
  });
});
