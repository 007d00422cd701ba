import { describe, expect, it } from 'vitest';
import { ControlCallError } from './control-client';
import { SimControlPlane } from './test/sim-control-plane';

const lossy = { dropRate: 0.05, duplicateRate: 0.05, delayMsMin: 0, delayMsMax: 20 };

describe('ControlMember (3-member control plane)', () => {
  it('elects a serving leader and hands out increasing timestamps through the client', async () => {
    const cp = new SimControlPlane({ seed: 1 });
    await cp.waitForServingLeader();
    const client = cp.client();
    let last = 0;
    for (let i = 0; i < 50; i++) {
      const ts = await cp.settle(client.timestamp());
      expect(ts).toBeGreaterThan(last);
      last = ts;
    }
    // Concurrent calls are batched into few requests, all distinct.
    const many = await cp.settle(
      Promise.all(Array.from({ length: 200 }, () => client.timestamp())),
    );
    expect(new Set(many).size).toBe(200);
    expect(Math.min(...many)).toBeGreaterThan(last);
    cp.close();
  });

  it('keeps timestamps increasing across leader crashes and restarts (real-time order)', async () => {
    for (const seed of [2, 3, 4, 5]) {
      const cp = new SimControlPlane({ seed, faults: lossy });
      const client = cp.client();
      let last = 0;
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 10; i++) {
          const ts = await cp.settle(client.timestamp());
          expect(ts, `seed ${seed} round ${round}`).toBeGreaterThan(last);
          last = ts;
        }
        const leader = await cp.waitForServingLeader();
        cp.crash(leader);
        await cp.runFor(cp.rng.int(0, 2_000));
        cp.restart(leader);
      }
      cp.close();
    }
  });

  it('registers nodes by heartbeat, marks a silent node down and brings it back up', async () => {
    const cp = new SimControlPlane({ seed: 6, memberOptions: { nodeDownAfterMs: 1_000 } });
    const client = cp.client();
    const n7 = await cp.settle(client.heartbeat(7, 'a', '10.0.0.7:1'));
    const n8 = await cp.settle(client.heartbeat(8, 'b', '10.0.0.8:1'));
    expect([n7.id, n7.state, n8.id, n8.zone]).toEqual([7, 'up', 8, 'b']);
    // Node 8 keeps beating, node 7 goes silent.
    for (let i = 0; i < 10; i++) {
      await cp.settle(client.heartbeat(8, 'b', '10.0.0.8:1'));
      await cp.runFor(300);
    }
    const leader = cp.member(await cp.waitForServingLeader());
    expect(leader.current.node(7)?.state).toBe('down');
    expect(leader.current.node(8)?.state).toBe('up');
    const back = await cp.settle(client.heartbeat(7, 'a', '10.0.0.7:1'));
    expect(back.state).toBe('up');
    // A generated id never collides with the explicit ones.
    const generated = await cp.settle(
      client.command({ kind: 'registerNode', zone: 'c', address: '', atMs: 0 }),
    );
    expect(generated).toEqual({ kind: 'nodeRegistered', nodeId: 9 });
    cp.close();
  });

  it('re-ranks the slices of a node that went silent, once, on every member, across a leader crash', async () => {
    const cp = new SimControlPlane({
      seed: 14,
      memberOptions: { nodeDownAfterMs: 1_000, rerankAfterMs: 1_500 },
    });
    const client = cp.client();
    const zones = ['a', 'b', 'c', 'a', 'b'];
    const beat = (ids: readonly number[]) =>
      Promise.all(ids.map((id) => client.heartbeat(id, zones[id - 1] ?? 'a', '')));
    await cp.settle(beat([1, 2, 3, 4, 5]));
    const created = await cp.settle(
      client.command({
        kind: 'createRepresentation',
        spec: { name: 't', sliceCount: 10, replicas: 2, loggers: 1 },
      }),
    );
    expect(created.kind).toBe('representationCreated');
    const rankedOn = (node: number) => {
      const state = cp.member(cp.leader() ?? 1).current;
      return state.slicePlacement.representations[0]?.slices.filter(
        (s) => s.rankingReplica === node,
      );
    };
    const lost = rankedOn(3)?.map((s) => s.id) ?? [];
    expect(lost.length).toBeGreaterThan(0);
    // Node 3 goes silent; the others keep beating.
    const isDown = () => cp.member(cp.leader() ?? 1).current.node(3)?.state === 'down';
    while (!isDown()) {
      await cp.settle(beat([1, 2, 4, 5]));
      await cp.runFor(200);
    }
    // Marked down; rerankAfterMs not over yet. The leader dies before it acts: its successor
    // decides from the replicated state (the time node 3 was marked down), not from scratch.
    expect(rankedOn(3)?.length).toBe(lost.length);
    const markedAt = cp.member(cp.leader() ?? 1).current.node(3)?.stateChangedAtMs ?? 0;
    cp.crash(await cp.waitForServingLeader());
    await cp.waitForServingLeader();
    for (let i = 0; i < 20 && (rankedOn(3)?.length ?? 0) > 0; i++) {
      await cp.settle(beat([1, 2, 4, 5]));
      await cp.runFor(200);
    }
    expect(rankedOn(3)).toEqual([]);
    const leader = cp.member(await cp.waitForServingLeader());
    const activity = leader.current.rebalancerActivity;
    expect(activity.map((a) => a.sliceId).sort((a, b) => a - b)).toEqual(lost);
    for (const entry of activity) {
      expect(entry).toMatchObject({ action: 'rerank', from: 3, reason: 'node 3 down' });
      expect(entry.atMs - markedAt).toBeGreaterThanOrEqual(1_500);
    }
    // One round, logged once; every member holds the same history.
    expect(new Set(activity.map((a) => a.atMs)).size).toBe(1);
    for (const id of cp.memberIds) cp.restartIfDown(id);
    await cp.runUntil(
      () =>
        cp.memberIds.every(
          (id) => cp.member(id).current.stateVersion === leader.current.stateVersion,
        ),
      5_000,
    );
    for (const id of cp.memberIds) {
      expect(cp.member(id).current.rebalancerActivity).toEqual(activity);
    }
    // Node 3 comes back: it ranks nothing until a rebalance moves rankings to it (not built).
    await cp.settle(beat([1, 2, 3, 4, 5]));
    await cp.runFor(1_000);
    expect(rankedOn(3)).toEqual([]);
    expect(cp.member(cp.leader() ?? 1).current.rebalancerActivity).toEqual(activity);
    cp.close();
  });

  it('keeps the replica positions nodes report, and forgets them at a new term', async () => {
    const cp = new SimControlPlane({ seed: 12 });
    const client = cp.client();
    const position = (groupId: number, applied: number, appliedCommitTs: number) => ({
      groupId,
      memberRole: 'voter',
      raftRole: 'follower',
      term: 1,
      applied,
      appliedCommitTs,
    });
    await cp.settle(client.heartbeat(7, 'a', '', [position(1, 10, 4096), position(2, 3, 0)]));
    await cp.settle(client.heartbeat(8, 'b', '', [position(1, 12, 8192)]));
    await cp.settle(client.heartbeat(7, 'a', '', [position(1, 11, 5000), position(2, 3, 0)]));
    const positions = await cp.settle(client.positions());
    expect(positions.map((p) => [p.nodeId, p.replicas.map((r) => [r.groupId, r.applied])])).toEqual(
      [
        [
          7,
          [
            [1, 11],
            [2, 3],
          ],
        ],
        [8, [[1, 12]]],
      ],
    );
    expect(positions[0]?.replicas[0]?.appliedCommitTs).toBe(5000);
    // A new leader starts with no positions; the next beats fill them in again.
    cp.crash(await cp.waitForServingLeader());
    expect(await cp.settle(client.positions())).toEqual([]);
    cp.close();
  });

  it('derives reads/s and writes/s from the counters of two reports', async () => {
    const cp = new SimControlPlane({ seed: 13 });
    const client = cp.client();
    const report = (reads: number, writes: number) => [
      {
        groupId: 1,
        memberRole: 'voter',
        raftRole: 'leader',
        term: 1,
        applied: 1,
        appliedCommitTs: 0,
        records: 10,
        bytes: 640,
        reads,
        writes,
      },
    ];
    await cp.settle(client.heartbeat(7, 'a', '', report(100, 40)));
    const first = (await cp.settle(client.positions()))[0]?.replicas[0];
    // One report: counters, no rates yet.
    expect(first?.reads).toBe(100);
    expect(first?.readsPerSec).toBeUndefined();
    const before = (await cp.settle(client.positions()))[0]?.atMs ?? 0;
    await cp.runFor(2_000);
    await cp.settle(client.heartbeat(7, 'a', '', report(700, 340)));
    const [node] = await cp.settle(client.positions());
    const seconds = ((node?.atMs ?? 0) - before) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(node?.replicas[0]?.readsPerSec).toBeCloseTo(600 / seconds, 6);
    expect(node?.replicas[0]?.writesPerSec).toBeCloseTo(300 / seconds, 6);
    expect(node?.replicas[0]?.bytes).toBe(640);
    // Counters that went back (the node restarted): no rate rather than a negative one.
    await cp.runFor(1_000);
    await cp.settle(client.heartbeat(7, 'a', '', report(5, 1)));
    const [restarted] = await cp.settle(client.positions());
    expect(restarted?.replicas[0]?.readsPerSec).toBeUndefined();
    expect(restarted?.replicas[0]?.writesPerSec).toBeUndefined();
    cp.close();
  });

  it('keeps the busy time a node reports with its positions, and none from a node that does not', async () => {
    const cp = new SimControlPlane({ seed: 14 });
    const client = cp.client();
    const replicas = [
      {
        groupId: 1,
        memberRole: 'voter',
        raftRole: 'leader',
        term: 1,
        applied: 1,
        appliedCommitTs: 0,
      },
    ];
    await cp.settle(client.heartbeat(7, 'a', '', replicas, 125.5));
    await cp.settle(client.heartbeat(8, 'b', '', replicas));
    const [seven, eight] = await cp.settle(client.positions());
    expect(seven?.busyMs).toBe(125.5);
    expect(eight?.busyMs).toBeUndefined();
    await cp.settle(client.heartbeat(7, 'a', '', replicas, 300));
    expect((await cp.settle(client.positions()))[0]?.busyMs).toBe(300);
    cp.close();
  });

  it('survives a crash of every member at once with the state intact', async () => {
    const cp = new SimControlPlane({ seed: 8 });
    const client = cp.client();
    for (const [id, zone] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const) {
      await cp.settle(client.heartbeat(10 + id, zone, ''));
    }
    const created = await cp.settle(
      client.command({
        kind: 'createRepresentation',
        spec: { name: 't', sliceCount: 3, replicas: 2, loggers: 1 },
      }),
    );
    expect(created.kind).toBe('representationCreated');
    const leaderId = await cp.waitForServingLeader();
    const before = cp.member(leaderId).current.snapshot();
    const ts = await cp.settle(client.timestamp());
    for (const id of cp.memberIds) cp.crash(id);
    for (const id of cp.memberIds) cp.restart(id);
    const after = cp.member(await cp.waitForServingLeader()).current.snapshot();
    expect(after.placement).toEqual(before.placement);
    expect(after.nodes).toEqual(before.nodes);
    expect(await cp.settle(client.timestamp())).toBeGreaterThan(ts);
    cp.close();
  });

  it('compacts its log and catches a member that fell behind up with a snapshot', async () => {
    const cp = new SimControlPlane({ seed: 9, memberOptions: { snapshotEveryEntries: 16 } });
    const client = cp.client();
    await cp.waitForServingLeader();
    const lagging = cp.memberIds.find((id) => cp.leader() !== id) ?? 3;
    cp.crash(lagging);
    for (let i = 0; i < 60; i++) {
      const r = await cp.settle(
        client.command({ kind: 'allocateIds', counter: 'group', count: 1 }),
      );
      expect(r.kind).toBe('idsAllocated');
    }
    const leader = cp.member(await cp.waitForServingLeader());
    expect(leader.status().firstIndex).toBeGreaterThan(16);
    cp.restart(lagging);
    await cp.runUntil(() => cp.member(lagging).status().applied >= leader.status().applied, 10_000);
    const m = cp.member(lagging);
    expect(m.status().snapshotIndex).toBeGreaterThan(0);
    expect(m.current.snapshot()).toEqual(leader.current.snapshot());
    // And it recovers from its compacted log after another crash.
    cp.crash(lagging);
    const again = cp.restart(lagging);
    expect(again.current.snapshot()).toEqual(leader.current.snapshot());
    cp.close();
  });

  it('refuses bad requests with a clear error and keeps serving', async () => {
    const cp = new SimControlPlane({ seed: 10 });
    const client = cp.client();
    await expect(
      cp.settle(client.command({ kind: 'allocateIds', counter: 'group', count: -5 })),
    ).resolves.toEqual({ kind: 'rejected', reason: expect.stringContaining('id batch') as string });
    await expect(cp.settle(client.heartbeat(0, 'a', ''))).rejects.toBeInstanceOf(ControlCallError);
    expect(await cp.settle(client.timestamp())).toBeGreaterThan(0);
    cp.close();
  });

  it('fails a call in bounded time when no quorum is up', async () => {
    const cp = new SimControlPlane({ seed: 11, clientOptions: { callTimeoutMs: 3_000 } });
    const client = cp.client();
    await cp.settle(client.timestamp());
    cp.crash(1);
    cp.crash(2);
    cp.crash(3);
    const start = cp.clock.now();
    await expect(cp.settle(client.timestamp())).rejects.toBeInstanceOf(ControlCallError);
    expect(cp.clock.now() - start).toBeLessThan(6_000);
    cp.close();
  });
});
