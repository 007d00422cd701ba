import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedCluster } from './embedded-cluster';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('EmbeddedCluster', () => {
  it('creates the replicas of a new table on its nodes and removes them when it is dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-embedded-'));
    dirs.push(dir);
    const cluster = await EmbeddedCluster.start({ dir });
    try {
      const control = cluster.controlClient();
      expect(await control.command({ kind: 'createDatabase', name: 'shop' })).toMatchObject({
        kind: 'databaseCreated',
      });
      const created = await control.command({
        kind: 'createTable',
        database: 'shop',
        name: 'orders',
        definition: { columns: ['id'] },
        representations: [
          { name: 'PRIMARY', sliceCount: 2, loggers: 1 },
          { name: 'by_customer', sliceCount: 1, loggers: 1 },
        ],
      });
      expect(created).toMatchObject({ kind: 'tableChanged', tableId: 1 });
      const tableSlices = () => cluster.overview().slices.filter((s) => s.table.startsWith('t1/'));
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
        expect(done()).toBe(true);
      };
      // Three new groups (2 + 1 slices), each 2 replicas + 1 logger hosted, and a leader.
      await until(
        () => tableSlices().length === 3 && tableSlices().every((s) => s.leader !== null),
      );
      const groups = tableSlices().map((s) => s.groupId);
      const hosting = () =>
        [...cluster.hostedGroups().values()].flat().filter((g) => groups.includes(g)).length;
      expect(hosting()).toBe(9);

      expect(
        await control.command({ kind: 'dropTable', database: 'shop', name: 'orders' }),
      ).toEqual({
        kind: 'ok',
      });
      await until(() => hosting() === 0);
      expect(tableSlices()).toEqual([]);
      // The seed table is untouched.
      expect(cluster.overview().slices.filter((s) => s.table === 'kv')).toHaveLength(3);
    } finally {
      await cluster.close();
    }
  }, 60_000);

  it('runs the control plane and three data nodes in this process, durably across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-embedded-'));
    dirs.push(dir);
    const first = await EmbeddedCluster.start({ dir });
    try {
      const overview = first.overview();
      expect(overview.controlPlane.leader).not.toBeNull();
      expect(overview.nodes.every((n) => n.state === 'up' && n.running)).toBe(true);
      expect(overview.slices).toHaveLength(3);
      expect(overview.slices.every((s) => s.leader !== null)).toBe(true);

      const txn = await first.txnClient();
      const t = await txn.begin();
      for (let i = 0; i < 20; i++) t.put(encoder.encode(`k/${i}`), encoder.encode(`v${i}`));
      const outcome = await t.commit();
      // Positions: the slices that took the writes report the commit timestamp they applied.
      const committedTs = outcome.commitTs;
      expect(committedTs).toBeGreaterThan(0);
      const positions = first
        .overview()
        .slices.flatMap((slice) => slice.members.filter((m) => m.role === 'voter'));
      expect(positions.some((m) => m.appliedCommitTs === committedTs)).toBe(true);
      expect(positions.every((m) => m.appliedCommitTs <= committedTs)).toBe(true);
    } finally {
      await first.close();
    }

    // Same directory: the control plane's state and every replica come back from disk.
    const second = await EmbeddedCluster.start({ dir });
    try {
      expect(second.overview().slices).toHaveLength(3);
      const txn = await second.txnClient();
      const t = await txn.begin();
      for (let i = 0; i < 20; i++) {
        const value = await t.get(encoder.encode(`k/${i}`));
        expect(value === undefined ? undefined : decoder.decode(value)).toBe(`v${i}`);
      }
      await t.rollback();
    } finally {
      await second.close();
    }
  }, 60_000);
});
