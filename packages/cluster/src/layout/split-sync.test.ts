// A planned split end to end at the cluster layer: three data nodes, the replicated control
// state driven by the split planner as the control-plane leader would, and each node's agent
// part (SplitSync). Writes fill one slice past the threshold; the rebalancer begins a split,
// the parent's leader proposes it, every member moves the data and founds the new group, and
// the rebalancer finishes it in the map once the new group reports a leader.
import { validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import type { NodePositions } from '../control/control-protocol';
import { ControlState } from '../control/control-state';
import type { ControlCommand } from '../control/control-state';
import { planSplit } from '../control/split-planner';
import { SimCluster, b, put, s } from '../node/test/sim-cluster';
import { SliceGroupLayout } from './slice-groups';
import { SplitSync, splitGroupsToKeep } from './split-sync';

function controlState(): ControlState {
  const state = new ControlState();
  const commands: ControlCommand[] = [
    ...['a', 'b', 'c'].map((zone, i): ControlCommand => ({
      kind: 'registerNode',
      zone,
      address: '',
      atMs: 10 + i,
    })),
    { kind: 'createRepresentation', spec: { name: 'orders', replicas: 3, sliceCount: 2 } },
  ];
  for (const c of commands) expect(state.apply(c).kind).not.toBe('rejected');
  return state;
}

function layoutOf(state: ControlState): SliceGroupLayout {
  const representation = state.slicePlacement.representations[0];
  if (representation === undefined) throw new Error('no table');
  return new SliceGroupLayout(representation);
}

function positionsOf(sim: SimCluster): NodePositions[] {
  return [...sim.nodes].map(([nodeId, node]) => ({
    nodeId,
    atMs: sim.clock.now(),
    replicas: node.status().replicas.map((r) => ({
      groupId: r.groupId,
      memberRole: r.memberRole,
      raftRole: r.raftRole,
      term: r.term,
      applied: r.applied,
      appliedCommitTs: r.appliedCommitTs,
      bytes: r.bytes,
    })),
  }));
}

/** Proposes until it applies (leadership moves to each slice's ranking replica meanwhile). */
async function write(sim: SimCluster, groupId: number, key: string, value: string, ts: number) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sim.proposeAndWait(groupId, [put(key, value, ts)]);
    } catch (error) {
      if (attempt >= 20) throw error;
      await sim.runFor(50);
    }
  }
}

describe('a planned split (rebalancer + agents + data nodes)', () => {
  it('splits the slice over the threshold, records it, and keeps every key readable', async () => {
    const sim = new SimCluster({ seed: 11, nodeIds: [1, 2, 3], wireCodec: true });
    const state = controlState();
    const before = layoutOf(state);
    for (const g of before.groups) sim.createGroup(g);
    const keys = Array.from({ length: 120 }, (_, i) => `key-${i}`);
    for (const key of keys) {
      await write(sim, before.groupOfKey(b(key)), key, `v-${key}`, 100);
    }
    await sim.runFor(200);
    // The threshold sits between the two slices' sizes: exactly the larger one splits.
    const sizes = before.groups.map((g) =>
      Math.max(...[1, 2, 3].map((n) => sim.spaceInfo(n, g.spaceId)?.approxBytes ?? 0)),
    );
    const threshold = Math.floor((Math.max(...sizes) + Math.min(...sizes)) / 2);
    const options = { rerankAfterMs: 0, splitThresholdBytes: threshold };
    const agents = [1, 2, 3].map((n) => new SplitSync(sim.node(n)));
    const decided: ControlCommand[] = [];
    const done = () =>
      state.rebalancerActivity.some((a) => a.action === 'split' && a.state === 'done');
    // The control-plane leader's tick and the agents' reads of the state, every 50 ms.
    for (let t = 0; t < 100 && !done(); t++) {
      const command = planSplit(state, sim.clock.now(), options, positionsOf(sim));
      if (command !== undefined) {
        decided.push(command);
        expect(state.apply(command).kind).toBe('sliceSplit');
      }
      for (const agent of agents) agent.sync(state.pendingSplits);
      await sim.runFor(50);
    }
    expect(decided.map((c) => c.kind)).toEqual(['beginSplit', 'finishSplit']);
    const [entry] = state.rebalancerActivity;
    expect(entry).toMatchObject({ action: 'split', state: 'done', representation: 'orders' });
    expect(entry?.reason).toMatch(/^split: \d+(\.\d)? KB > \d+(\.\d)? KB$/);
    expect(entry?.bytes).toBeGreaterThan(0);
    expect(validatePlacement(state.slicePlacement, state.clusterNodes())).toEqual([]);
    const after = layoutOf(state);
    expect(after.groups.length).toBe(3);
    expect(splitGroupsToKeep(state.pendingSplits)).toEqual(new Set());
    // Every key is where the new map routes it, on every member, with its value.
    for (const key of keys) {
      const group = after.group(after.groupOfKey(b(key)));
      if (group === undefined) throw new Error(`no group for ${key}`);
      for (const n of [1, 2, 3]) {
        const row = sim.rows(n, group.spaceId).find((r) => s(r.key) === key);
        expect(row !== undefined && s(row.value)).toBe(`v-${key}`);
      }
    }
    // And the new group takes writes for its keys.
    const moved = keys.find((k) => after.groupOfKey(b(k)) === after.groups[2]?.groupId) ?? '';
    const [r] = await write(sim, after.groupOfKey(b(moved)), moved, 'new', 200);
    expect(r).toEqual({ kind: 'ok' });
  });
});
