import { describe, expect, it } from 'vitest';
import type { GetResult } from '@tessera/storage';
import { ReplicaError } from './errors';
import { SimCluster, b, put, s } from './test/sim-cluster';

const voters = [1, 2, 3].map((nodeId) => ({ nodeId, role: 'voter' as const }));
const READ_TS = 1_000_000;

describe('lease reads', () => {
  it('a partitioned old leader stops serving reads before anyone else can lead; the new leader serves the new value', async () => {
    const sim = new SimCluster({ seed: 5, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    await sim.proposeAndWait(1, [put('k', 'v1', 10)]);
    await sim.runFor(500);
    const oldLeader = sim.leaderOf(1) ?? 0;
    const old = sim.node(oldLeader).replica(1);
    if (old === undefined) throw new Error('no replica');
    expect(await valueOf(old.read(READ_TS, b('k')))).toBe('v1');

    sim.network.partition([[oldLeader]]);
    const partitionedAt = sim.clock.now();
    let lastOldReadAt = -1;
    let newLeaderAt: number | undefined;
    let v2AckedAt: number | undefined;
    let writing = false;
    for (let t = 0; t < 5_000; t += 5) {
      await sim.runFor(5);
      const outcome = await settle(old.read(READ_TS, b('k')));
      if ('value' in outcome) {
        // Served: it must be the old value, and nobody else may lead yet.
        expect(outcome.value).toBe('v1');
        expect(newLeaderAt).toBeUndefined();
        lastOldReadAt = sim.clock.now();
      } else {
        expect(['NOT_LEADER', 'LEASE_UNAVAILABLE']).toContain(outcome.code);
      }
      const others = [1, 2, 3].filter((n) => n !== oldLeader);
      const newLeader = others.find((n) => sim.node(n).replica(1)?.raftStatus().role === 'leader');
      if (newLeader !== undefined && newLeaderAt === undefined) newLeaderAt = sim.clock.now();
      if (newLeader !== undefined && !writing) {
        writing = true;
        sim
          .node(newLeader)
          .replica(1)
          ?.propose([put('k', 'v2', 20)])
          .then(() => (v2AckedAt = sim.clock.now()));
      }
    }
    const lease = sim.node(oldLeader).options.leaseDurationMs;
    expect(lastOldReadAt).toBeGreaterThanOrEqual(partitionedAt);
    expect(lastOldReadAt - partitionedAt).toBeLessThanOrEqual(lease);
    expect(newLeaderAt).toBeDefined();
    expect(v2AckedAt).toBeDefined();
    expect(lastOldReadAt).toBeLessThan(newLeaderAt ?? 0);

    // The new leader serves v2 once its own lease holds.
    const newLeader = sim.leaderOf(1) ?? 0;
    expect(newLeader).not.toBe(oldLeader);
    const fresh = sim.node(newLeader).replica(1);
    let served: string | undefined;
    for (let i = 0; i < 100 && served === undefined; i++) {
      const outcome = await settle(fresh?.read(READ_TS, b('k')) ?? Promise.reject(new Error()));
      if ('value' in outcome) served = outcome.value;
      else await sim.runFor(10);
    }
    expect(served).toBe('v2');

    // Healed, the old leader is a follower that points at the new one.
    sim.network.heal();
    await sim.runFor(1_000);
    await expect(old.read(READ_TS, b('k'))).rejects.toMatchObject({
      code: 'NOT_LEADER',
      leaderHint: newLeader,
    });
  });

  it('a new leader refuses reads until it has heard from a quorum and applied an entry of its term', async () => {
    const sim = new SimCluster({ seed: 9, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    let firstServedAt: number | undefined;
    let electedAt: number | undefined;
    for (let t = 0; t < 5_000 && firstServedAt === undefined; t += 1) {
      await sim.runFor(1);
      const leader = sim.leaderOf(1);
      if (leader === undefined) continue;
      electedAt ??= sim.clock.now();
      const outcome = await settle(sim.node(leader).replica(1)?.read(READ_TS, b('k')) ?? never());
      if (!('code' in outcome)) firstServedAt = sim.clock.now();
      else expect(outcome.code).toBe('LEASE_UNAVAILABLE');
    }
    expect(electedAt).toBeDefined();
    expect(firstServedAt).toBeGreaterThan(electedAt ?? Infinity);
  });
});

describe('ReadIndex fallback', () => {
  it('a leader without a lease serves the read after one heartbeat round', async () => {
    const sim = new SimCluster({ seed: 12, nodeIds: [1, 2, 3] });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    await sim.proposeAndWait(1, [put('k', 'v1', 10)]);
    // Kill the leader; catch its successor the moment it is elected, before any lease.
    sim.crash(sim.leaderOf(1) ?? 0);
    await sim.runUntil(() => sim.leaderOf(1) !== undefined, 5_000, 1);
    const replica = sim.node(sim.leaderOf(1) ?? 0).replica(1);
    if (replica === undefined) throw new Error('no replica');
    await expect(replica.read(READ_TS, b('k'))).rejects.toMatchObject({
      code: 'LEASE_UNAVAILABLE',
    });
    let served: string | undefined;
    void replica
      .read(READ_TS, b('k'), { readIndexFallback: true })
      .then(async (r) => (served = await valueOf(Promise.resolve(r))));
    await sim.runFor(300);
    expect(served).toBe('v1');
  });

  it('a partitioned leader cannot confirm a ReadIndex read and times out', async () => {
    const sim = new SimCluster({
      seed: 13,
      nodeIds: [1, 2, 3],
      nodeOptions: { proposalTimeoutMs: 1_000 },
    });
    sim.createGroup({ groupId: 1, spaceId: 1, members: voters });
    await sim.proposeAndWait(1, [put('k', 'v1', 10)]);
    await sim.runFor(300);
    const leader = sim.leaderOf(1) ?? 0;
    sim.network.partition([[leader]]);
    await sim.runFor(500); // past the lease
    let outcome: { code: string } | { value: string | undefined } | undefined;
    void settle(
      sim.node(leader).replica(1)?.read(READ_TS, b('k'), { readIndexFallback: true }) ?? never(),
    ).then((o) => (outcome = o));
    await sim.runFor(1_500);
    expect(outcome).toEqual({ code: 'LEASE_UNAVAILABLE' });
  });
});

async function valueOf(p: Promise<GetResult>): Promise<string | undefined> {
  const r = await p;
  return r.kind === 'value' ? s(r.value) : undefined;
}

async function settle(
  p: Promise<GetResult>,
): Promise<{ value: string | undefined } | { code: string }> {
  try {
    return { value: await valueOf(p) };
  } catch (error) {
    if (error instanceof ReplicaError) return { code: error.code };
    throw error;
  }
}

function never(): Promise<GetResult> {
  return Promise.reject(new Error('no replica'));
}
