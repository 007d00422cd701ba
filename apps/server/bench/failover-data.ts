// The data-moving halves of `npm run bench:failover` (issue 5), on the embedded cluster
// (`EmbeddedCluster`, the `tessera serve` default) without the SQL layer: data is bulk-loaded
// through the transaction layer (TxnClient over the cluster's KV protocol, the seed table `kv`,
// values of --value-kb KB, 64 per transaction, 4 transactions in flight), which is what SQL
// INSERTs become minus parsing and row encoding — loading a gigabyte through mysql2 takes far
// longer than the copy being measured.
//
//   --restore-gb G   time to restore full replication: load G GB (logical: keys + values once),
//                    crash the data node ranking the most slices (`stopNode`), measure until
//                    every slice has its configured replicas on live nodes again (control
//                    plane slice map: no member on the dead node, no learner pending); prints
//                    GB, seconds and MB/s of the data re-created (the bytes of the dead node's
//                    data replicas, as it last reported them). The control plane waits
//                    `replaceAfterMs` (10 s) after marking a node down (3 s of silence) before
//                    it copies anything: printed apart from the copy itself.
//   --add-node-mb M  rebalance after adding a node: load M MB into 3 nodes, `addNode`, measure
//                    until the data is even (no move pending; data replicas or bytes per node
//                    max/min <= 1.25), and the bytes moved (the 'move' entries of the
//                    rebalancer's activity history) against the minimum possible: the new
//                    node's fair share, total replica bytes × 1/(n+1).
//
// When the machine cannot take the size asked for in reasonable time, run a smaller one: the
// printout labels any extrapolation to 1 GB as such.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlClient, ControlSnapshot } from '@tessera/cluster';
import { isTxnError } from '@tessera/txn';
import type { TxnClient } from '@tessera/txn';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;
const GB = 1024 * MB;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface DataBenchOptions {
  readonly valueKb: number;
  /** How long to wait for the cluster to heal / balance (ms). */
  readonly waitMs: number;
}

/** Loads `bytes` of logical data (keys + values) into the seed table; the seconds it took. */
async function bulkLoad(txn: TxnClient, bytes: number, valueKb: number): Promise<number> {
  const value = new Uint8Array(valueKb * 1024);
  for (let i = 0; i < value.length; i++) value[i] = (i * 131 + 7) & 0xff;
  const encoder = new TextEncoder();
  const perTxn = 64;
  const keys = Math.ceil(bytes / value.length);
  let next = 0;
  let loaded = 0;
  const started = Date.now();
  let lastPrint = started;
  const loader = async () => {
    for (;;) {
      const at = next;
      next += perTxn;
      if (at >= keys) return;
      for (let attempt = 0; ; attempt++) {
        const t = await txn.begin();
        for (let i = at; i < Math.min(keys, at + perTxn); i++) {
          t.put(encoder.encode(`bulk/${i}`), value);
        }
        try {
          await t.commit();
          break;
        } catch (error) {
          if (!isTxnError(error) || attempt >= 20) throw error;
          await sleep(50);
        }
      }
      loaded += Math.min(perTxn, keys - at) * value.length;
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        const sec = (lastPrint - started) / 1000;
        console.log(
          `    loaded ${mb(loaded)} in ${sec.toFixed(0)} s (${(loaded / MB / sec).toFixed(1)} MB/s)`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, loader));
  return (Date.now() - started) / 1000;
}

interface SliceCheck {
  readonly replicas: number;
  readonly loggers: number;
}

/** Why the map is not (yet) fully replicated on live nodes, or undefined when it is. */
function shortfall(state: ControlSnapshot, dead: number | undefined, want: SliceCheck) {
  const up = new Set(state.nodes.filter((n) => n.state === 'up').map((n) => n.id));
  for (const slice of state.placement.representations.flatMap((r) => r.slices)) {
    const live = slice.members.filter((m) => up.has(m.node) && m.node !== dead);
    const count = (role: string) => live.filter((m) => m.role === role).length;
    if (
      slice.members.some((m) => m.node === dead) ||
      slice.members.some((m) => m.role === 'learner') ||
      count('replica') < want.replicas ||
      count('logger') < want.loggers
    ) {
      return `slice ${slice.id}: ${slice.members.map((m) => `${m.role}@${m.node}`).join(' ')}`;
    }
  }
  return undefined;
}

/** Bytes of each node's data replicas, as the nodes last reported them (heartbeats). */
async function bytesPerNode(control: ControlClient): Promise<Map<number, number>> {
  const positions = await control.positions();
  return new Map(
    positions.map((p) => [
      p.nodeId,
      p.replicas
        .filter((r) => r.memberRole === 'voter')
        .reduce((sum, r) => sum + (r.bytes ?? 0), 0),
    ]),
  );
}

/** Polls the slice map until `done` holds or `waitMs` ends; the ms it took, or undefined. */
async function until(
  control: ControlClient,
  waitMs: number,
  done: (state: ControlSnapshot) => boolean | Promise<boolean>,
): Promise<{ ms: number | undefined; state: ControlSnapshot | undefined }> {
  const started = Date.now();
  let state: ControlSnapshot | undefined;
  let printedAt = started;
  while (Date.now() - started < waitMs) {
    state = (await control.state().catch(() => undefined)) ?? state;
    if (state !== undefined && (await done(state))) return { ms: Date.now() - started, state };
    if (state !== undefined && Date.now() - printedAt >= 15_000) {
      printedAt = Date.now();
      console.log(`    ${s(printedAt - started)}: ${describeMap(state)}`);
    }
    await sleep(250);
  }
  return { ms: undefined, state };
}

/** `--restore-gb G`: the time to restore full replication after a crash, for G GB of data. */
export async function benchRestore(gigabytes: number, options: DataBenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-restore-'));
  const want = { replicas: 2, loggers: 1 };
  const cluster = await EmbeddedCluster.start({
    dir,
    nodes: ['a', 'b', 'c', 'a'].map((zone, i) => ({ id: i + 1, zone })),
    table: { slices: 8, replicas: want.replicas, loggers: want.loggers },
  });
  try {
    const control = cluster.controlClient();
    const txn = await cluster.txnClient();
    const bytes = Math.round(gigabytes * GB);
    console.log(
      `bench:failover --restore-gb ${gigabytes}: 4 embedded data nodes (zones a, b, c, a), ` +
        `8 slices × (${want.replicas} replicas + ${want.loggers} logger); bulk load through ` +
        `TxnClient, ${options.valueKb} KB values`,
    );
    const loadSec = await bulkLoad(txn, bytes, options.valueKb);
    console.log(
      `  loaded ${mb(bytes)} in ${loadSec.toFixed(1)} s (${(bytes / MB / loadSec).toFixed(1)} MB/s)`,
    );
    await sleep(1_500); // a heartbeat or two: the byte counts the nodes report catch up

    const state = (await control.state()) ?? never('no control state');
    const ranked = new Map<number, number>();
    for (const slice of state.placement.representations.flatMap((r) => r.slices)) {
      ranked.set(slice.rankingReplica, (ranked.get(slice.rankingReplica) ?? 0) + 1);
    }
    const [victim, rankedCount] =
      [...ranked.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? never('no slices');
    const lost = (await bytesPerNode(control)).get(victim) ?? 0;
    const totalReplicaBytes = [...(await bytesPerNode(control)).values()].reduce(
      (a, b) => a + b,
      0,
    );
    const killedAt = Date.now();
    cluster.stopNode(victim);
    const healed = await until(
      control,
      options.waitMs,
      (st) => shortfall(st, victim, want) === undefined,
    );
    const firstAdd = healed.state?.activity?.find(
      (a) => a.action === 'add' && a.from === victim && a.atMs >= killedAt - 1_000,
    );
    const copyStartMs = firstAdd === undefined ? undefined : firstAdd.atMs - killedAt;
    console.log(
      `  crashed node ${victim} (ranking ${rankedCount} slices; its data replicas held ${mb(lost)} of ${mb(totalReplicaBytes)} replica bytes)`,
    );
    if (healed.ms === undefined) {
      const why = healed.state === undefined ? 'no state' : shortfall(healed.state, victim, want);
      console.log(`  full replication       not reached in ${s(options.waitMs)} (${why ?? '?'})`);
      return;
    }
    const copyMs = copyStartMs === undefined ? healed.ms : healed.ms - copyStartMs;
    console.log(
      `  full replication       ${s(healed.ms)} after the crash for ${(bytes / GB).toFixed(2)} GB loaded ` +
        `(${mb(lost)} re-created)`,
    );
    console.log(
      `    of which             ${copyStartMs === undefined ? '?' : s(copyStartMs)} detection + replaceAfterMs, ` +
        `${s(copyMs)} copying: ${(lost / MB / (copyMs / 1000)).toFixed(1)} MB/s`,
    );
    if (gigabytes < 1) {
      const perGb = (copyMs / 1000) * (GB / Math.max(bytes, 1));
      console.log(
        `    EXTRAPOLATED to 1 GB (linear in the bytes copied, not measured): ` +
          `${((copyStartMs ?? 0) / 1000 + perGb).toFixed(0)} s`,
      );
    }
  } finally {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--add-node-mb M`: rebalance time and bytes moved after adding a fourth node. */
export async function benchAddNode(megabytes: number, options: DataBenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-add-node-'));
  const replicas = 2;
  const slices = 12;
  const cluster = await EmbeddedCluster.start({
    dir,
    nodes: ['a', 'b', 'c'].map((zone, i) => ({ id: i + 1, zone })),
    table: { slices, replicas, loggers: 0 },
  });
  try {
    const control = cluster.controlClient();
    const txn = await cluster.txnClient();
    const bytes = Math.round(megabytes * MB);
    console.log(
      `bench:failover --add-node-mb ${megabytes}: 3 embedded data nodes (zones a, b, c), ` +
        `${slices} slices × ${replicas} replicas; bulk load through TxnClient, ${options.valueKb} KB values`,
    );
    const loadSec = await bulkLoad(txn, bytes, options.valueKb);
    console.log(`  loaded ${mb(bytes)} in ${loadSec.toFixed(1)} s`);
    await sleep(1_500);
    const before = await bytesPerNode(control);
    const totalReplicaBytes = [...before.values()].reduce((a, b) => a + b, 0);
    const nodesBefore = before.size;
    const addedAt = Date.now();
    const added = await cluster.addNode('a');
    const balanced = await until(control, options.waitMs, async (st) => {
      if (
        st.placement.representations.some((r) =>
          r.slices.some((sl) => sl.members.some((m) => m.role === 'learner')),
        )
      ) {
        return false;
      }
      const perNode = new Map(st.nodes.filter((n) => n.state === 'up').map((n) => [n.id, 0]));
      for (const slice of st.placement.representations.flatMap((r) => r.slices)) {
        for (const m of slice.members)
          if (m.role === 'replica' && perNode.has(m.node))
            perNode.set(m.node, (perNode.get(m.node) ?? 0) + 1);
      }
      if ((perNode.get(added.id) ?? 0) === 0) return false;
      if (ratio([...perNode.values()]) <= 1.25) return true;
      const reported = await bytesPerNode(control).catch(() => new Map<number, number>());
      return ratio([...perNode.keys()].map((id) => reported.get(id) ?? 0)) <= 1.25;
    });
    const moves = (balanced.state?.activity ?? []).filter(
      (a) => a.action === 'move' && a.to === added.id && a.atMs >= addedAt - 1_000,
    );
    const moved = moves.filter((a) => a.state === 'done').reduce((sum, a) => sum + a.bytes, 0);
    const minimum = totalReplicaBytes / (nodesBefore + 1);
    console.log(
      `  added node ${added.id} (zone ${added.zone}); replica bytes before: ${mb(totalReplicaBytes)} on ${nodesBefore} nodes`,
    );
    if (balanced.ms === undefined) {
      console.log(
        `  rebalance              not balanced in ${s(options.waitMs)} (${moves.length} moves to node ${added.id} recorded)`,
      );
      return;
    }
    const after = await bytesPerNode(control);
    console.log(`  rebalance              ${s(balanced.ms)} after the add (${moves.length} moves)`);
    console.log(
      `  bytes moved            ${mb(moved)}; minimum possible ${mb(minimum)} (total × 1/${nodesBefore + 1}); ` +
        `ratio ${(moved / Math.max(minimum, 1)).toFixed(2)}`,
    );
    console.log(
      `  on the new node        ${mb(after.get(added.id) ?? 0)} of data replicas (what it received, as it reports it)`,
    );
    console.log(
      `  bytes per node after   ${[...after.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([id, b]) => `${id}: ${mb(b)}`)
        .join(', ')}`,
    );
  } finally {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Members per node (`n1 r6 l1 L1`: data replicas, loggers, learners) and the running tasks. */
function describeMap(state: ControlSnapshot): string {
  const perNode = new Map<number, { replica: number; logger: number; learner: number }>();
  for (const slice of state.placement.representations.flatMap((r) => r.slices)) {
    for (const m of slice.members) {
      const counts = perNode.get(m.node) ?? { replica: 0, logger: 0, learner: 0 };
      counts[m.role]++;
      perNode.set(m.node, counts);
    }
  }
  const nodes = [...perNode.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, c]) => `n${id} r${c.replica} l${c.logger} L${c.learner}`)
    .join(', ');
  const running = (state.activity ?? [])
    .filter((a) => a.state === 'running')
    .map((a) => `${a.action} slice ${a.sliceId} ${a.from}→${a.to}`);
  return `${nodes}; running: ${running.join(', ') || 'none'}`;
}

function ratio(values: readonly number[]): number {
  if (values.length === 0 || Math.min(...values) <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(...values) / Math.min(...values);
}

function never(what: string): never {
  throw new Error(what);
}
