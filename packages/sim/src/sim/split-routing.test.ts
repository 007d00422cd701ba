import { perfectNetwork } from '@tessera/cluster';
import { ClusterSliceKv, ControlTimestampSource, TxnClient } from '@tessera/txn';
import { describe, expect, it } from 'vitest';
import { simRepresentation } from './scenario';
import { gatewayNodeId, SimCluster } from './sim-cluster';

/**
 * The simulator's clients across a split, with a map older than the split (regression: seeds
 * 1 and 3 of `--split --coordinator-crashes 0.05` could not read the final state). The
 * clients route by the newest map a node agent has read, which lags the control plane by up
 * to one reconcile period; on a healed, zero-delay network a client that turned every
 * WRONG_SLICE into a failed transaction and retried at once never let simulated time pass for
 * the agents to bring the map that names the new group. Here a read starts the instant the
 * control plane finishes a split, on a perfect network: it must be refused by the narrowed
 * group, wait for the newer map and be routed again — the gets to the new group, the scan to
 * both halves (the group's old range goes with the scan, so the narrowed group cannot answer
 * for half of it).
 */
describe('SimCluster clients across a split', () => {
  it('a read with a map older than the split is re-routed, and the scan sees both halves', async () => {
    const sim = new SimCluster({
      seed: 11,
      nodes: [
        { id: 1, zone: 'a' },
        { id: 2, zone: 'b' },
        { id: 3, zone: 'c' },
      ],
      controlMembers: [
        { id: 101, zone: 'a' },
        { id: 102, zone: 'b' },
        { id: 103, zone: 'c' },
      ],
      slices: 1,
      replicas: 2,
      loggers: 1,
      peerFaults: perfectNetwork,
      clientFaults: perfectNetwork,
      diskSyncMs: 2,
    });
    const drive = async <T>(work: Promise<T>, maxMs = 20_000): Promise<T> => {
      let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
      work.then(
        (value) => (outcome = { ok: true, value }),
        (error: unknown) => (outcome = { ok: false, error }),
      );
      await sim.runUntil(() => outcome !== undefined, maxMs);
      if (outcome === undefined) throw new Error(`not done within ${maxMs} ms`);
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    };
    try {
      expect(await sim.bootstrap()).toBe(true);
      await sim.runFor(2_000);
      const kv = new ClusterSliceKv({ client: sim.newClient(), routing: sim.sliceRouting() });
      const client = new TxnClient({
        kv,
        router: sim.router(),
        timestamps: new ControlTimestampSource(sim.newControlClient(gatewayNodeId)),
        clock: sim.clock,
        rng: sim.rng.fork(),
      });
      const encoder = new TextEncoder();
      const decoder = new TextDecoder();
      const keys = Array.from({ length: 40 }, (_, i) => `k/${String(i).padStart(2, '0')}`);
      await drive(
        (async () => {
          const txn = await client.begin();
          for (const key of keys) txn.put(encoder.encode(key), encoder.encode(`v${key}`));
          expect((await txn.commit()).kind).toBe('committed');
        })(),
      );

      // The instant the control plane's map splits, before any agent has read it: read
      // everything by the clients' (older) map.
      let reading: Promise<{ values: (string | undefined)[]; scanned: string[] }> | undefined;
      let groupsAtStart: number[] = [];
      sim.onControlStateApplied((state) => {
        if (reading !== undefined) return;
        const map = state.slicePlacement.representations.find((r) => r.name === simRepresentation);
        if ((map?.slices.length ?? 0) < 2) return;
        groupsAtStart = sim.groupIds;
        // Two transactions at once, both by the old map: one gets every key, one scans.
        const gets = (async () => {
          const txn = await client.begin();
          const values: (string | undefined)[] = [];
          for (const key of keys) {
            const value = await txn.get(encoder.encode(key));
            values.push(value === undefined ? undefined : decoder.decode(value));
          }
          await txn.rollback();
          return values;
        })();
        const scan = (async () => {
          const txn = await client.begin();
          const rows = await txn.scan(encoder.encode('k/'), encoder.encode('k0'), {
            limit: 1_000,
          });
          await txn.rollback();
          return rows.map((r) => decoder.decode(r.key));
        })();
        reading = Promise.all([gets, scan]).then(([values, scanned]) => ({ values, scanned }));
      });
      const admin = sim.newControlClient(gatewayNodeId + 50);
      const [slice] = sim.newestControlState()?.slicePlacement.representations[0]?.slices ?? [];
      expect(slice).toBeDefined();
      const { start, end } = slice?.range ?? { start: 0n, end: 0n };
      const begun = await drive(
        admin.command({
          kind: 'beginSplit',
          sliceId: slice?.id ?? 0,
          at: start + (end - start) / 2n,
          atMs: sim.clock.now(),
          reason: 'test split',
        }),
      );
      expect(begun.kind).toBe('sliceSplit');
      await sim.runUntil(() => reading !== undefined, 20_000);
      expect(reading).toBeDefined();
      // The read started with the map from before the split.
      expect(groupsAtStart).toHaveLength(1);
      const { values, scanned } = await drive(reading ?? Promise.reject(new Error('no read')));
      expect(values).toEqual(keys.map((k) => `v${k}`));
      expect(scanned).toEqual(keys);
      // It met the narrowed group and was routed again (or it proved nothing).
      expect(kv.reroutes).toBeGreaterThan(0);
      expect(sim.groupIds).toHaveLength(2);
      admin.close();
    } finally {
      sim.close();
    }
  }, 60_000);
});
