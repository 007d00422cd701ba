import type { ControlSnapshot } from '@tessera/cluster';
import { isTxnError } from '@tessera/txn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, openAccounts, readState, startBankTraffic, total } from './multiprocess/bank';
import type { ProcessClusterClient } from './multiprocess/process-cluster';
import { ProcessCluster, waitUntil } from './multiprocess/process-cluster';

/**
 * Growing the cluster (issue 5): three `tessera data-node` processes from the cluster file
 * hold a table of ten slices (two data replicas each) and some data; two more data-node
 * processes are started with `--join` (the file does not list them: they register their
 * listeners with the control plane, and the other processes find them in its registry). The
 * rebalancer moves slices to them until the data is even: data replicas (or bytes) per node
 * max/min <= 1.25. Checked while bank transfers run: no slice ever has fewer than its two
 * data replicas in the map during the moves, the new nodes hold and apply what they were
 * given, nothing acknowledged is lost and the money adds up.
 */

const replicas = 2;
const slices = 10;
const rows = 300;
const balanceRatioMax = 1.25;
const rowValue = (i: number) => `${i}:${'r'.repeat(2_000)}`;

let cluster: ProcessCluster | undefined;
let client: ProcessClusterClient | undefined;

beforeAll(async () => {
  cluster = await ProcessCluster.create({
    zones: ['a', 'b', 'c'],
    table: { slices, replicas, loggers: 0 },
    clientId: 1_000,
  });
  await cluster.startAll(40_000);
  client = await cluster.newClient(20_261_123);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await cluster?.destroy();
});

/** Data replicas per up node (learners not counted: a move is done once it is promoted). */
function replicasPerNode(state: ControlSnapshot): Map<number, number> {
  const perNode = new Map<number, number>(
    state.nodes.filter((n) => n.state === 'up').map((n) => [n.id, 0]),
  );
  for (const slice of state.placement.representations.flatMap((r) => r.slices)) {
    for (const m of slice.members) {
      if (m.role === 'replica' && perNode.has(m.node)) {
        perNode.set(m.node, (perNode.get(m.node) ?? 0) + 1);
      }
    }
  }
  return perNode;
}

const ratio = (values: readonly number[]) =>
  values.length === 0 || Math.min(...values) === 0
    ? Number.POSITIVE_INFINITY
    : Math.max(...values) / Math.min(...values);

describe('data-node processes join a running cluster', () => {
  it('moves slices to two joined nodes until the data is even', async () => {
    const c = cluster ?? never();
    const { txn, map, control } = client ?? never();
    const log = (line: string) => {
      process.stdout.write(`[multiprocess-join] ${line}\n`);
    };
    await c.waitForLeaders(20_000);

    // Some data in every slice: rows of ~2 KB, 20 per transaction.
    const lastError = { code: '' };
    for (let at = 0; at < rows; at += 20) {
      await waitUntil(
        async () => {
          const t = await txn.begin();
          for (let i = at; i < Math.min(rows, at + 20); i++)
            t.put(bytes(`row/${i}`), bytes(rowValue(i)));
          try {
            await t.commit();
            return true;
          } catch (error) {
            if (!isTxnError(error) || error.code === 'UNDETERMINED') throw error;
            lastError.code = `${error.code}: ${error.message}`;
            return false;
          }
        },
        `rows ${at}..`,
        20_000,
        100,
      ).catch(async (error: unknown) => {
        log(`last error: ${lastError.code}`);
        for (const line of await c.describeNodes()) log(line);
        throw error;
      });
    }
    await openAccounts(txn);

    const traffic = startBankTraffic(txn, 2);
    const { acks, audit } = traffic;
    try {
      // Two nodes the cluster file does not list join, in zones a and b.
      const joinedAt = Date.now();
      const joiners = [await c.join(4, 'a'), await c.join(5, 'b')];
      await Promise.all(joiners.map((p) => p.waitForReady(40_000)));
      for (const p of joiners) expect(p.output()).toMatch(/ready .* skipped - /);

      // Until balanced, every map the client sees keeps two data replicas per slice.
      const belowReplicas: string[] = [];
      const progress = { perNode: '' };
      await waitUntil(
        async () => {
          const state = await map.refresh();
          if (state === undefined) return false;
          for (const slice of state.placement.representations.flatMap((r) => r.slices)) {
            const data = slice.members.filter((m) => m.role === 'replica').length;
            if (data < replicas) belowReplicas.push(`slice ${slice.id} v${state.version}`);
          }
          const perNode = replicasPerNode(state);
          progress.perNode = JSON.stringify([...perNode]);
          const moving = state.placement.representations
            .flatMap((r) => r.slices)
            .some((s) => s.members.some((m) => m.role === 'learner'));
          if (moving || !perNode.has(4) || !perNode.has(5)) return false;
          if (ratio([...perNode.values()]) <= balanceRatioMax) return true;
          // Even by bytes is even too (slices may differ in size).
          const positions = await control.positions().catch(() => []);
          const bytesPerNode = [...perNode.keys()].map((id) =>
            (positions.find((p) => p.nodeId === id)?.replicas ?? [])
              .filter((r) => r.memberRole === 'voter')
              .reduce((sum, r) => sum + (r.bytes ?? 0), 0),
          );
          return ratio(bytesPerNode) <= balanceRatioMax;
        },
        'the data to be even over five nodes',
        75_000,
        250,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; data replicas per node: ${progress.perNode}`);
      });
      log(`balanced ${Date.now() - joinedAt} ms after the join: ${progress.perNode}`);
      expect(belowReplicas).toEqual([]);

      await traffic.stop();
      log(traffic.summary());
      expect(audit.badSums).toEqual([]);

      // The joined nodes hold the groups the map gives them and applied what was committed.
      const state = (await map.refresh()) ?? never();
      await waitUntil(
        () => c.membersCaughtUp(state, c.nodeIds),
        'every member of the balanced map to hold and apply its group',
        20_000,
        250,
      );

      // Every row and every acknowledged transfer is there; the money adds up.
      const after = await readState(
        txn,
        acks.map((a) => a.record),
      );
      expect(after.missing).toEqual([]);
      expect(after.sum).toBe(total);
      const t = await txn.begin();
      const values = await Promise.all(
        Array.from({ length: rows }, (_, i) => t.get(bytes(`row/${i}`))),
      );
      await t.rollback();
      const decoder = new TextDecoder();
      const wrong = values.flatMap((v, i) =>
        v !== undefined && decoder.decode(v) === rowValue(i) ? [] : [i],
      );
      expect(wrong).toEqual([]);
    } finally {
      await traffic.stop().catch(() => undefined);
    }
  }, 150_000);
});

function never(): never {
  throw new Error('missing');
}
