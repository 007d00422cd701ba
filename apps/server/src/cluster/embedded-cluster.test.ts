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
