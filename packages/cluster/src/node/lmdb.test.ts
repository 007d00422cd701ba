import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbEngine, MvccStore } from '@tessera/storage';
import { SeededRng } from '../runtime/rng';
import { MemoryNetwork } from '../runtime/transport';
import { DataNode } from './data-node';
import type { NodeMessage } from './node-message';
import { RealClock, sleep } from './test/real-clock';
import { put, s } from './test/sim-cluster';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('DataNode on LMDB', () => {
  it('replicates, applies and recovers through real LMDB environments', async () => {
    const clock = new RealClock();
    const rng = new SeededRng(99);
    const network = new MemoryNetwork<NodeMessage>({ clock });
    const ids = [1, 2, 3];
    const paths = ids.map(() => mkdtempSync(join(tmpdir(), 'tessera-cluster-lmdb-')));
    dirs.push(...paths);
    const engines = paths.map((path) => LmdbEngine.open({ path }));
    const options = { tickIntervalMs: 10, maxClockDriftMs: 20 };
    const start = (i: number) => {
      const engine = engines[i];
      const nodeId = ids[i];
      if (engine === undefined || nodeId === undefined) throw new Error('bad index');
      return new DataNode({
        nodeId,
        clock,
        rng: rng.fork(),
        transport: network.connect(nodeId),
        engine,
        options,
      });
    };
    const nodes = ids.map((_, i) => start(i));
    const members = [
      { nodeId: 1, role: 'voter' as const },
      { nodeId: 2, role: 'voter' as const },
      { nodeId: 3, role: 'logger' as const },
    ];
    for (const node of nodes)
      node.createReplica({ groupId: 4, spaceId: 40, members, bootstrap: true });

    const leaderNode = async (): Promise<DataNode> => {
      for (let i = 0; i < 500; i++) {
        const leader = nodes.find((n) => n.replica(4)?.raftStatus().role === 'leader');
        if (leader !== undefined) return leader;
        await sleep(10);
      }
      throw new Error('no leader on LMDB within 5 s');
    };
    const leader = await leaderNode();
    const commitsBefore = leader.metrics.engineCommits;
    const replica = leader.replica(4) ?? never();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        replica.propose([put(`key${i % 10}`, `v${i}`, 100 + i)]),
      ),
    );
    expect(results.every((r) => r[0]?.kind === 'ok')).toBe(true);
    // 100 concurrent proposals: group commit keeps the leader's fsyncs well below 100.
    expect(leader.metrics.engineCommits - commitsBefore).toBeLessThan(50);
    await sleep(200);

    const rows = (i: number) => {
      const engine = engines[i];
      if (engine === undefined) throw new Error('bad index');
      const r = new MvccStore(engine).scan(40, undefined, undefined, 10_000, { limit: 100 });
      return r.kind === 'rows' ? r.rows.map((row) => `${s(row.key)}=${s(row.value)}`) : [];
    };
    expect(rows(0)).toHaveLength(10);
    expect(rows(0)).toContain('key9=v99');
    expect(rows(1)).toEqual(rows(0));
    expect(new MvccStore(engines[2] ?? never()).listSpaces()).toEqual([]);

    // Close everything, reopen node 1's environment: the replica and its data come back.
    for (const node of nodes) node.close();
    await Promise.all(engines.map((e) => e.close()));
    const reopened = LmdbEngine.open({ path: paths[0] ?? never() });
    const again = new DataNode({
      nodeId: 1,
      clock,
      rng,
      transport: new MemoryNetwork<NodeMessage>({ clock }).connect(1),
      engine: reopened,
      options,
    });
    expect(again.groupIds()).toEqual([4]);
    const r = new MvccStore(reopened).get(40, new TextEncoder().encode('key9'), 10_000);
    expect(r.kind === 'value' ? s(r.value) : r.kind).toBe('v99');
    again.close();
    await reopened.close();
  }, 20_000);
});

function never(): never {
  throw new Error('missing');
}
