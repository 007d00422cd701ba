// The seeded randomized scenario shared by the randomized test files (split for parallelism).
import { SeededRng } from '../../runtime/rng';
import type { DataNodeOptions, DataNodeTestingKnobs } from '../options';
import { perfectNetwork } from '../../runtime/transport';
import { SimCluster, Workload, put, verifyAcked, verifyConverged } from './sim-cluster';
import type { GroupSpec } from './sim-cluster';

const groups: readonly GroupSpec[] = [
  {
    groupId: 1,
    spaceId: 11,
    members: [
      { nodeId: 1, role: 'voter' },
      { nodeId: 2, role: 'voter' },
      { nodeId: 3, role: 'voter' },
    ],
  },
  {
    groupId: 2,
    spaceId: 22,
    members: [
      { nodeId: 1, role: 'voter' },
      { nodeId: 2, role: 'voter' },
      { nodeId: 3, role: 'logger' },
    ],
  },
  {
    groupId: 3,
    spaceId: 33,
    members: [
      { nodeId: 2, role: 'voter' },
      { nodeId: 3, role: 'voter' },
      { nodeId: 1, role: 'learner' },
    ],
  },
];

export interface ScenarioResult {
  readonly acked: number;
  readonly failedWrites: number;
  readonly recreatedReplicas: number;
  readonly readsServed: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly snapshotsSent: number;
  readonly snapshotsInstalled: number;
}

/**
 * `faultSeconds` of random traffic under message drop/delay/duplication, partitions and
 * crash/restart (disk losing unsynced writes), then heal everything and check: all data
 * members of every group converge to identical MVCC contents, every acknowledged write is on
 * all of them, and no lease read missed an acknowledged write.
 */
export async function runScenario(
  seed: number,
  faultSeconds: number,
  testingKnobs: DataNodeTestingKnobs = {},
  extraOptions: Omit<DataNodeOptions, 'testingKnobs'> = {},
): Promise<ScenarioResult> {
  const chaos = new SeededRng(seed ^ 0x9e3779b9);
  const dropRate = chaos.int(0, 10) / 100;
  const sim = new SimCluster({
    seed,
    nodeIds: [1, 2, 3],
    faults: {
      dropRate,
      duplicateRate: chaos.int(0, 5) / 100,
      delayMsMin: 1,
      delayMsMax: chaos.int(2, 40),
    },
    nodeOptions: {
      tickIntervalMs: 100,
      maxClockDriftMs: 100,
      proposalTimeoutMs: 5_000,
      ...extraOptions,
      testingKnobs,
    },
    diskSyncMs: chaos.int(1, 10),
    // Half the seeds send every message through the wire codec (it costs ~30 % more time).
    wireCodec: seed % 2 === 0,
  });
  for (const g of groups) sim.createGroup(g);
  const workload = new Workload(sim, [1, 2, 3], 100, 8, true);
  const downSince = new Map<number, number>();
  let crashes = 0;
  let partitions = 0;
  for (let second = 0; second < faultSeconds; second++) {
    const roll = chaos.int(0, 99);
    const up = [1, 2, 3].filter((n) => sim.isUp(n));
    if (roll < 5 && up.length === 3) {
      const victim = up[chaos.int(0, up.length - 1)] ?? 1;
      sim.crash(victim);
      downSince.set(victim, second);
      crashes++;
    } else if (roll < 10) {
      const isolated = chaos.int(1, 3);
      sim.network.partition([[isolated]]);
      partitions++;
    } else if (roll < 20) {
      sim.network.heal();
    }
    for (const [node, since] of downSince) {
      if (second - since >= chaos.int(1, 8)) {
        sim.restart(node);
        downSince.delete(node);
      }
    }
    await sim.runFor(1_000);
  }

  workload.stop();
  sim.network.heal();
  sim.network.setFaults(perfectNetwork);
  for (const node of downSince.keys()) sim.restart(node);
  await sim.runFor(5_000);
  // A barrier write per group: once it applies, everything before it is committed.
  for (const g of groups) {
    await retry(() => sim.proposeAndWait(g.groupId, [put('barrier', `s${seed}`, 10_000_000)]));
  }
  await sim.runFor(3_000);
  for (const g of groups) verifyConverged(sim, g.groupId);
  verifyAcked(sim, workload.acked);
  if (workload.staleReads.length > 0) throw new Error(workload.staleReads.join('\n'));
  return {
    acked: workload.acked.length,
    failedWrites: [...workload.errors.values()].reduce((a, n) => a + n, 0),
    recreatedReplicas: sim.recreated,
    readsServed: workload.readsServed,
    crashes,
    partitions,
    snapshotsSent: sum(sim, 'snapshotsSent'),
    snapshotsInstalled: sum(sim, 'snapshotsInstalled'),
  };
}

async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}

/** A metric summed over the live nodes (their current lives). */
function sum(sim: SimCluster, metric: 'snapshotsSent' | 'snapshotsInstalled'): number {
  return [...sim.nodes.values()].reduce((a, node) => a + node.metrics[metric], 0);
}
