/**
 * What `EmbeddedCluster.overview()` costs at the console's target size: 6 data nodes and 500
 * slices (2 replicas + 1 logger each), measured after the nodes reported twice (so the load
 * fields are filled). `npx tsx bench/overview-cost.ts [slices]`; prints ms per call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster, embeddedNodes } from '../src/cluster/embedded-cluster';

const slices = Number(process.argv[2] ?? 500);
const dir = await mkdtemp(join(tmpdir(), 'tessera-overview-'));
const started = performance.now();
const cluster = await EmbeddedCluster.start({
  dir,
  nodes: embeddedNodes(6),
  table: { slices, replicas: 2, loggers: 1 },
  placeTimeoutMs: 300_000,
});
console.log(`started in ${Math.round(performance.now() - started)} ms`);
try {
  // Two heartbeats with reports: rates and bytes known.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const first = cluster.overview();
  console.log(
    `slices ${first.slices.length}, led ${first.slices.filter((s) => s.leader !== null).length}, with bytes ${first.slices.filter((s) => s.bytes !== null).length}`,
  );
  const runs = 50;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    cluster.overview();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2);
  console.log(`overview() ms over ${runs} calls: p50 ${at(0.5)}, p90 ${at(0.9)}, max ${at(1)}`);
  const json = JSON.stringify(cluster.overview());
  console.log(`overview JSON ${Math.round(json.length / 1024)} KiB`);
} finally {
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
}
