import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeOverview } from '@tessera/api';
import { afterEach, expect, it } from 'vitest';
import { EmbeddedCluster } from './embedded-cluster';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const encoder = new TextEncoder();

/** Polls `overview().nodes` until `done` holds for it (or fails after `timeoutMs`). */
async function nodesWhen(
  cluster: EmbeddedCluster,
  done: (nodes: readonly NodeOverview[]) => boolean,
  timeoutMs = 10_000,
): Promise<readonly NodeOverview[]> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const nodes = cluster.overview().nodes;
    if (done(nodes)) return nodes;
    await new Promise((r) => setTimeout(r, 100));
  }
  const nodes = cluster.overview().nodes;
  expect(done(nodes), JSON.stringify(nodes)).toBe(true);
  return nodes;
}

it('overview reports each node’s bytes, reads/s and writes/s from its heartbeats, and no rates once it stops', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-load-'));
  dirs.push(dir);
  const cluster = await EmbeddedCluster.start({ dir });
  try {
    const txn = await cluster.txnClient();
    const write = await txn.begin();
    for (let i = 0; i < 200; i++)
      write.put(encoder.encode(`k/${i}`), encoder.encode('v'.repeat(100)));
    await write.commit();

    // Every node holds a copy of some of the 20 kB written: its reported bytes grow past it
    // (the replicas' key + value bytes, summed), and it reports rates (two reports seen).
    const loaded = await nodesWhen(cluster, (nodes) =>
      nodes.every(
        (n) => n.bytes !== null && n.bytes > 0 && n.readsPerSec !== null && n.writesPerSec !== null,
      ),
    );
    const total = loaded.reduce((sum, n) => sum + (n.bytes ?? 0), 0);
    // 2 data replicas of each slice: at least twice the values written, across the nodes.
    expect(total).toBeGreaterThanOrEqual(2 * 200 * 100);

    // Reads keep a ranking replica busy: some node serves reads/s while they run.
    const reading = { on: true };
    const reader = (async () => {
      while (reading.on) {
        const t = await txn.begin();
        for (let i = 0; i < 20; i++) await t.get(encoder.encode(`k/${i}`));
        await t.rollback();
      }
    })();
    try {
      await nodesWhen(cluster, (nodes) => nodes.some((n) => (n.readsPerSec ?? 0) > 0));
    } finally {
      reading.on = false;
      await reader;
    }

    // A stopped node's report goes stale: its rates are unknown, its bytes (on disk) stay.
    const before = cluster.overview().nodes.find((n) => n.id === 3)?.bytes;
    cluster.stopNode(3);
    const stopped = await nodesWhen(
      cluster,
      (nodes) => nodes.find((n) => n.id === 3)?.readsPerSec === null,
    );
    expect(stopped.find((n) => n.id === 3)).toMatchObject({
      running: false,
      bytes: before,
      readsPerSec: null,
      writesPerSec: null,
    });
  } finally {
    await cluster.close();
  }
}, 60_000);
