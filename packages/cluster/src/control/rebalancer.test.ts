import { validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import {
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control-codec';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';
import { planFailureRerank, Rebalancer } from './rebalancer';
import { activityLogMax } from './rebalancer-activity';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

/** Five nodes in three zones, a SQL table `shop.orders` (4 slices × 2 replicas + 1 logger). */
function cluster(): ControlState {
  const state = new ControlState();
  applyAll(state, [
    ...['a', 'b', 'c', 'a', 'b'].map((zone, i): ControlCommand => ({
      kind: 'registerNode',
      zone,
      address: '',
      atMs: 100 + i,
    })),
    { kind: 'createDatabase', name: 'shop' },
    {
      kind: 'createTable',
      database: 'shop',
      name: 'orders',
      definition: null,
      representations: [
        { name: 'PRIMARY', sliceCount: 4, loggers: 1 },
        { name: 'by_customer', sliceCount: 2 },
      ],
    },
  ]);
  return state;
}

const slices = (state: ControlState) =>
  state.slicePlacement.representations.flatMap((r) => r.slices);
const rankedOn = (state: ControlState, node: number) =>
  slices(state).filter((s) => s.rankingReplica === node);

describe('re-ranking on failure (rebalancer)', () => {
  it('promotes a live data replica for every slice ranked on a down node, in one logged round', () => {
    const state = cluster();
    const victim = 1;
    const lost = rankedOn(state, victim).map((s) => s.id);
    expect(lost.length).toBeGreaterThan(0);
    const epochs = new Map(state.snapshot().sliceEpochs);
    applyAll(state, [{ kind: 'setNodeState', nodeId: victim, state: 'down', atMs: 5_000 }]);

    const round = planFailureRerank(state, 5_050, { rerankAfterMs: 0 });
    expect(round?.activity).toEqual({ action: 'rerank', atMs: 5_050 });
    expect(round?.changes.map((c) => c.slice).sort()).toEqual([...lost].sort());
    for (const change of round?.changes ?? []) {
      expect(change).toMatchObject({ kind: 'promote', from: victim, reason: 'node 1 down' });
    }
    if (round === undefined) throw new Error('no round');
    expect(applyAll(state, [round])).toEqual([{ kind: 'ok' }]);

    // No ranking left on the dead node; every new one a data replica on an up node.
    expect(rankedOn(state, victim)).toEqual([]);
    const rankingViolations = validatePlacement(state.slicePlacement, state.clusterNodes()).filter(
      (v) => v.rule === 'ranking-replica',
    );
    expect(rankingViolations).toEqual([]);
    // Only the re-ranked slices moved to a new epoch.
    for (const [slice, epoch] of epochs) {
      expect(state.sliceEpoch(slice)).toBe(lost.includes(slice) ? epoch + 1 : epoch);
    }
    // The history: one entry per slice, named after its table or index.
    const activity = state.rebalancerActivity;
    expect(activity).toHaveLength(lost.length);
    expect(activity.map((a) => a.id)).toEqual(lost.map((_, i) => i + 1));
    for (const entry of activity) {
      expect(entry).toMatchObject({
        atMs: 5_050,
        action: 'rerank',
        from: victim,
        reason: 'node 1 down',
        state: 'done',
        bytes: 0,
        durationMs: 0,
      });
      expect(['shop.orders', 'shop.orders.by_customer']).toContain(entry.representation);
      const slice = slices(state).find((s) => s.id === entry.sliceId);
      expect(slice?.rankingReplica).toBe(entry.to);
    }
    // A fixpoint: nothing more to do.
    expect(planFailureRerank(state, 6_000, { rerankAfterMs: 0 })).toBeUndefined();
  });

  it('waits rerankAfterMs after the node was marked down', () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 2, state: 'down', atMs: 10_000 }]);
    const options = { rerankAfterMs: 4_000 };
    expect(planFailureRerank(state, 10_000, options)).toBeUndefined();
    expect(planFailureRerank(state, 13_999, options)).toBeUndefined();
    expect(planFailureRerank(state, 14_000, options)?.changes.length).toBe(
      rankedOn(state, 2).length,
    );
  });

  it('re-ranks off a draining node at once, and leaves a slice with no live data replica alone', () => {
    const state = new ControlState();
    applyAll(state, [
      ...['a', 'b', 'c'].map((zone, i): ControlCommand => ({
        kind: 'registerNode',
        zone,
        address: '',
        atMs: i,
      })),
      { kind: 'createRepresentation', spec: { name: 'solo', replicas: 1, sliceCount: 3 } },
      { kind: 'createRepresentation', spec: { name: 'pair', replicas: 2, sliceCount: 3 } },
      { kind: 'setNodeState', nodeId: 3, state: 'draining', atMs: 50 },
    ]);
    const round = planFailureRerank(state, 50, { rerankAfterMs: 60_000 });
    const solo = state.slicePlacement.representations.find((r) => r.name === 'solo');
    const pair = state.slicePlacement.representations.find((r) => r.name === 'pair');
    const soloOn3 = solo?.slices.filter((s) => s.rankingReplica === 3) ?? [];
    const pairOn3 = pair?.slices.filter((s) => s.rankingReplica === 3) ?? [];
    expect(soloOn3.length + pairOn3.length).toBeGreaterThan(0);
    // Only the slices with another data replica; reason names the node's condition.
    expect(round?.changes.map((c) => c.slice)).toEqual(pairOn3.map((s) => s.id));
    for (const c of round?.changes ?? []) expect(c.reason).toBe('node 3 draining');
  });

  it('refuses a stale round whole (decided twice, or the node came back), leaving the state as it was', () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 3, state: 'down', atMs: 1_000 }]);
    const round = planFailureRerank(state, 1_000, { rerankAfterMs: 0 });
    if (round === undefined) throw new Error('no round');
    // Two leaders in a row decided the same round: the second applies nothing.
    expect(applyAll(state, [round])).toEqual([{ kind: 'ok' }]);
    const after = encodeControlSnapshot(state.snapshot());
    const [again] = applyAll(state, [round]);
    expect(again?.kind).toBe('rejected');
    expect(encodeControlSnapshot(state.snapshot())).toEqual(after);

    // A round decided while node 4 was down, applied after it came back up: refused.
    const other = cluster();
    applyAll(other, [{ kind: 'setNodeState', nodeId: 4, state: 'down', atMs: 1_000 }]);
    const late = planFailureRerank(other, 1_000, { rerankAfterMs: 0 });
    if (late === undefined) throw new Error('no round');
    applyAll(other, [{ kind: 'registerNode', zone: 'a', address: '', atMs: 1_100, nodeId: 4 }]);
    const before = encodeControlSnapshot(other.snapshot());
    const [refused] = applyAll(other, [late]);
    expect(refused).toMatchObject({ kind: 'rejected' });
    expect(refused?.kind === 'rejected' ? refused.reason : '').toMatch(/^stale rerank round: /);
    expect(encodeControlSnapshot(other.snapshot())).toEqual(before);

    // A promotion onto a node that is not up, or of something other than a promotion.
    const bad = cluster();
    const slice = rankedOn(bad, 1)[0];
    const peer = slice?.members.find((m) => m.node !== 1 && m.role === 'replica')?.node ?? 0;
    applyAll(bad, [
      { kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 1 },
      { kind: 'setNodeState', nodeId: peer, state: 'down', atMs: 1 },
    ]);
    const activity = { action: 'rerank' as const, atMs: 2 };
    const results = applyAll(bad, [
      {
        kind: 'applyPlacementChanges',
        changes: [{ kind: 'promote', slice: slice?.id ?? 0, from: 1, to: peer, reason: 'x' }],
        activity,
      },
      {
        kind: 'applyPlacementChanges',
        changes: [
          { kind: 'removeMember', slice: slice?.id ?? 0, node: 1, role: 'replica', reason: 'x' },
        ],
        activity,
      },
      { kind: 'applyPlacementChanges', changes: [], activity },
    ]);
    expect(results.map((r) => r.kind)).toEqual(['rejected', 'rejected', 'rejected']);
    // Malformed rounds from a client (commands come from anyone who reaches the service):
    // refused for what is wrong with them, although the same changes would apply.
    const fresh = cluster();
    applyAll(fresh, [{ kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 1 }]);
    const valid = planFailureRerank(fresh, 2, { rerankAfterMs: 0 });
    if (valid === undefined) throw new Error('no round');
    const withActivity = (a: unknown): ControlCommand => ({
      ...valid,
      activity: a as typeof activity,
    });
    const malformed = [
      withActivity({ action: 'explode', atMs: 2 }),
      withActivity({ action: 'rerank', atMs: -1 }),
      withActivity({ action: 'rerank', atMs: 'soon' }),
      { ...valid, changes: valid.changes.map((c) => ({ ...c, reason: 7 as unknown as string })) },
    ].map((command) => fresh.apply(command));
    expect(malformed.map((r) => (r.kind === 'rejected' ? r.reason : r.kind))).toEqual([
      'unknown rebalancer action "explode"',
      'a logged round needs its time as whole ms ≥ 0',
      'a logged round needs its time as whole ms ≥ 0',
      'a logged change needs a reason of at most 1000 characters',
    ]);
    expect(fresh.apply(valid)).toEqual({ kind: 'ok' });
    expect(bad.rebalancerActivity).toEqual([]);
  });

  it('keeps the newest entries only, ids going on, through snapshots and the codec', () => {
    const state = cluster();
    // Node 1 and 2 take turns being down: every round re-ranks back and forth.
    let at = 1_000;
    let rounds = 0;
    while ((state.rebalancerActivity[0]?.id ?? 1) === 1) {
      const down = rounds % 2 === 0 ? 1 : 2;
      const up = down === 1 ? 2 : 1;
      applyAll(state, [
        { kind: 'registerNode', zone: up === 1 ? 'a' : 'b', address: '', atMs: at, nodeId: up },
        { kind: 'setNodeState', nodeId: down, state: 'down', atMs: at },
      ]);
      const round = planFailureRerank(state, at, { rerankAfterMs: 0 });
      if (round !== undefined) expect(applyAll(state, [round])).toEqual([{ kind: 'ok' }]);
      rounds++;
      at += 10;
      if (rounds > 5_000) throw new Error('the log never filled');
    }
    const log = state.rebalancerActivity;
    expect(log).toHaveLength(activityLogMax);
    const ids = log.map((a) => a.id);
    expect(ids[0]).toBeGreaterThan(1); // the oldest were trimmed
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));

    const restored = ControlState.fromSnapshot(
      decodeControlSnapshot(encodeControlSnapshot(state.snapshot())),
    );
    expect(restored.rebalancerActivity).toEqual(log);
    // Both continue identically: the id sequence survived the snapshot.
    applyAll(restored, [{ kind: 'setNodeState', nodeId: 3, state: 'down', atMs: at }]);
    applyAll(state, [{ kind: 'setNodeState', nodeId: 3, state: 'down', atMs: at }]);
    const next = planFailureRerank(state, at, { rerankAfterMs: 0 });
    if (next === undefined) throw new Error('no round');
    expect(applyAll(restored, [next])).toEqual(applyAll(state, [next]));
    expect(encodeControlSnapshot(restored.snapshot())).toEqual(
      encodeControlSnapshot(state.snapshot()),
    );
    // A snapshot from before the history existed reads as an empty one.
    const { activity: _, ...old } = cluster().snapshot();
    expect(ControlState.fromSnapshot(old).rebalancerActivity).toEqual([]);
  });

  it('runs one round at a time on the leader, and decides again after a refused one', async () => {
    const state = cluster();
    applyAll(state, [{ kind: 'setNodeState', nodeId: 1, state: 'down', atMs: 0 }]);
    const proposed: ControlCommand[] = [];
    let settle: (result: ControlResult) => void = () => undefined;
    const rebalancer = new Rebalancer({
      state: () => state,
      propose: (command) => {
        proposed.push(command);
        return new Promise((resolve) => (settle = resolve));
      },
      options: { rerankAfterMs: 0 },
    });
    rebalancer.tick(10);
    rebalancer.tick(20); // the first round is still in the log
    expect(proposed).toHaveLength(1);
    settle({ kind: 'rejected', reason: 'stale' });
    await Promise.resolve();
    await Promise.resolve();
    rebalancer.tick(30);
    expect(proposed).toHaveLength(2);
    const round = proposed[1];
    if (round === undefined) throw new Error('no round');
    expect(applyAll(state, [round])).toEqual([{ kind: 'ok' }]);
    settle({ kind: 'ok' });
    await Promise.resolve();
    await Promise.resolve();
    rebalancer.tick(40);
    expect(proposed).toHaveLength(2); // nothing left to do
    expect(rebalancer.rounds).toBe(2);
  });
});
