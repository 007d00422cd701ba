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
