// `npm run bench:kv`: raw LMDB next to the embedded cluster, measured in the same run and
// printed as one table with the targets.
//
//   raw:     random get/s, durable commit/s (1 writer), durable put/s (64 writers, group commit)
//   cluster: 3 data nodes (LMDB each, durable), 2 replicas + 1 logger per slice, N slices,
//            SystemClock, LocalNetwork for clients, MemoryNetwork for peers (--client-net /
//            --peer-net: local | local-defer | memory, see embedded-cluster.ts);
//            point reads (KvClient.get on the leader under its lease) at 1 and 64 clients;
//            single-key txns (TxnClient: begin, put, commit) at 1, 16, 64 clients;
//            4-key txns across 4 slices at 16 clients.
//
// Run: npx tsx apps/server/bench/kv-cluster.ts [--seconds S] [--warmup S] [--raw-seconds S]
//        [--keys N] [--slices N] [--only PHASE[,PHASE]] [--peer-net NET] [--client-net NET]
// PHASE: raw, read1, read64, txn1, txn16, txn64, cross16. `--only` is for profiling one phase:
//   npx tsx apps/server/bench/kv-cluster.ts --only txn64 --profile-dir /tmp/prof
// (`--profile-dir` samples each cluster phase, warm-up included, with the in-process V8
// profiler into DIR/<phase>.cpuprofile; `node --import tsx --cpu-prof` profiles the whole
// process instead, start-up and load included.) Summarise: npx tsx apps/server/bench/cpuprofile-summary.ts FILE
// Targets missed are reported, not failures: the exit code is 0 unless something broke.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { MvccCommand } from '@tessera/storage';
import type { NetworkKind } from './embedded-cluster';
import { EmbeddedCluster, networkKinds } from './embedded-cluster';
import type { LatencySummary } from './histogram';
import { LatencyRecorder } from './histogram';
import type { RawFigures } from './raw-lmdb';
import { keyOf, measureRaw, valueBytes, xorshift } from './raw-lmdb';

/** Benchmarks are host programs: they may read the wall clock (bench/ is exempt). */
const monotonicNowMs = (): number => performance.now();

const phaseNames = ['raw', 'read1', 'read64', 'txn1', 'txn16', 'txn64', 'cross16'] as const;
type PhaseName = (typeof phaseNames)[number];

interface Args {
  readonly phaseMs: number;
  readonly warmupMs: number;
  readonly rawPhaseMs: number;
  readonly keyCount: number;
  readonly slices: number;
  readonly only: ReadonlySet<PhaseName>;
  readonly profileDir: string | undefined;
  readonly peerNetwork: NetworkKind;
  readonly clientNetwork: NetworkKind;
}

function parseArgs(argv: readonly string[]): Args {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i] ?? '', argv[i + 1] ?? '');
  const num = (name: string, fallback: number): number => {
    const raw = args.get(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: bad value ${raw ?? ''}`);
    return value;
  };
  const onlyRaw = args.get('--only');
  const only = new Set<PhaseName>();
  for (const name of onlyRaw === undefined ? phaseNames : onlyRaw.split(',')) {
    const phase = phaseNames.find((p) => p === name);
    if (phase === undefined) throw new Error(`--only: unknown phase ${name}`);
    only.add(phase);
  }
  return {
    phaseMs: num('--seconds', 4) * 1000,
    warmupMs: num('--warmup', 1) * 1000,
    rawPhaseMs: num('--raw-seconds', 2) * 1000,
    keyCount: Math.floor(num('--keys', 100_000)),
    slices: Math.floor(num('--slices', 6)),
    only,
    profileDir: args.get('--profile-dir'),
    peerNetwork: networkArg(args.get('--peer-net'), '--peer-net', 'memory'),
    clientNetwork: networkArg(args.get('--client-net'), '--client-net', 'local'),
  };
}

function networkArg(raw: string | undefined, flag: string, fallback: NetworkKind): NetworkKind {
  if (raw === undefined) return fallback;
  const kind = networkKinds.find((k) => k === raw);
  if (kind === undefined) throw new Error(`${flag}: one of ${networkKinds.join(', ')}`);
  return kind;
}

interface PhaseResult {
  readonly opsPerSec: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  /** Engine commits (all nodes) and transport messages per completed op, during the window. */
  readonly engineCommitsPerOp: number;
  readonly messagesPerOp: number;
  /** Engine commits awaited for durability (fsyncs), all nodes, per second of the window. */
  readonly syncedCommitsPerSec: number;
  /** Per-call latency inside the txns: TSO, prewrite proposal, commit proposal. */
  readonly tso: LatencySummary;
  readonly prewrite: LatencySummary;
  readonly commit: LatencySummary;
}

/**
 * A closed-loop phase: `lanes` workers each run `op` back to back for warm-up + measurement.
 * Ops that start inside the measurement window count; throughput is those completions over
 * the window's length (an op still running at the end is waited for, not counted).
 */
async function closedLoop(
  cluster: EmbeddedCluster,
  lanes: number,
  warmupMs: number,
  phaseMs: number,
  op: (lane: number, i: number) => Promise<void>,
): Promise<PhaseResult> {
  const recorder = new LatencyRecorder();
  const start = monotonicNowMs();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + phaseMs;
  let errors = 0;
  let firstError: unknown;
  let before = cluster.metrics();
  let beforeTaken = false;
  const lane = async (id: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const t0 = monotonicNowMs();
      if (t0 >= windowEnd) return;
      if (t0 >= windowStart && !beforeTaken) {
        beforeTaken = true;
        before = cluster.metrics();
        for (const recorder of Object.values(cluster.callLatency)) recorder.reset();
        cluster.timing = true;
      }
      try {
        await op(id, i);
        const t1 = monotonicNowMs();
        if (t0 >= windowStart && t1 <= windowEnd) recorder.record(t1 - t0);
      } catch (error) {
        errors++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  cluster.timing = false;
  cluster.assertHealthy();
  const after = cluster.metrics();
  if (errors > 0) console.error(`  ${errors} failed ops; first:`, firstError);
  const done = Math.max(1, recorder.count);
  return {
    opsPerSec: (recorder.count / phaseMs) * 1000,
    latency: recorder.summary(),
    errors,
    engineCommitsPerOp: (after.engineCommits - before.engineCommits) / done,
    messagesPerOp: (after.transportMessages - before.transportMessages) / done,
    syncedCommitsPerSec: ((after.syncedCommits - before.syncedCommits) / phaseMs) * 1000,
    tso: cluster.callLatency.tso.summary(),
    prewrite: cluster.callLatency.prewrite.summary(),
    commit: cluster.callLatency.commit.summary(),
  };
}

/** Waits until every group answers a lease read on its leader (leader elected, lease held). */
async function waitForLeases(cluster: EmbeddedCluster, timeoutMs: number): Promise<number> {
  const client = cluster.newKvClient();
  const start = monotonicNowMs();
  const readTs = await cluster.timestamps.next();
  for (const groupId of cluster.groupIds) {
    for (;;) {
      try {
        const answer = await client.get(groupId, readTs, keyOf(0));
        if (answer.kind === 'none' || answer.kind === 'value') break;
        throw new Error(`group ${groupId}: lease read answered ${answer.kind}`);
      } catch (error) {
        if (monotonicNowMs() - start > timeoutMs) throw error;
      }
    }
  }
  return monotonicNowMs() - start;
}

/** Loads keyOf(0..keyCount) as committed versions, straight through Raft (putVersion). */
async function loadKeys(cluster: EmbeddedCluster, keyCount: number): Promise<number[]> {
  const client = cluster.newKvClient();
  const commitTs = await cluster.timestamps.next();
  const value = new Uint8Array(valueBytes).fill(7);
  const groupOf: number[] = [];
  const byGroup = new Map<number, MvccCommand[]>();
  const proposals: Promise<unknown>[] = [];
  for (let i = 0; i < keyCount; i++) {
    const key = keyOf(i);
    const groupId = cluster.groupOfKey(key);
    groupOf.push(groupId);
    const commands = byGroup.get(groupId) ?? [];
    commands.push({ kind: 'putVersion', key, commitTs, op: 'put', value });
    byGroup.set(groupId, commands);
    if (commands.length === 1_000) {
      proposals.push(client.propose(groupId, commands, true));
      byGroup.delete(groupId);
    }
    if (proposals.length >= 32) await Promise.all(proposals.splice(0));
  }
  for (const [groupId, commands] of byGroup)
    proposals.push(client.propose(groupId, commands, true));
  await Promise.all(proposals);
  return groupOf;
}

/** Keys of this run's writes: a tag byte apart from the loaded keys, unique per lane and op. */
function writeKey(tag: number, lane: number, i: number): Uint8Array {
  const k = new Uint8Array(16);
  const view = new DataView(k.buffer);
  k[0] = tag;
  view.setUint32(8, lane);
  view.setUint32(12, i);
  return k;
}

/** Four keys of lane/op that fall in four distinct slices. */
function crossSliceKeys(cluster: EmbeddedCluster, lane: number, i: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const seen = new Set<number>();
  for (let salt = 0; keys.length < 4; salt++) {
    const key = writeKey(0x7c, lane, i * 1_000 + salt);
    const groupId = cluster.groupOfKey(key);
    if (seen.has(groupId)) continue;
    seen.add(groupId);
    keys.push(key);
  }
  return keys;
}

interface Row {
  readonly measure: string;
  readonly rate: number | undefined;
  readonly latency?: LatencySummary | undefined;
  readonly target?: string | undefined;
  readonly ratio?: number | undefined;
  readonly met?: boolean | undefined;
  readonly note?: string | undefined;
}

function printTable(rows: readonly Row[]): void {
  const fmtRate = (n: number | undefined) =>
    n === undefined ? '' : Math.round(n).toLocaleString('en-US');
  const fmtMs = (n: number | undefined) => (n === undefined ? '' : n.toFixed(2));
  const cells = rows.map((r) => [
    r.measure,
    fmtRate(r.rate),
    fmtMs(r.latency?.p50Ms),
    fmtMs(r.latency?.p99Ms),
    r.target ?? '',
    r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(2)} %`,
    r.met === undefined ? '' : r.met ? 'MET' : 'MISSED',
    r.note ?? '',
  ]);
  const header = ['measure', 'ops/s', 'p50 ms', 'p99 ms', 'target', 'vs raw', 'met', 'notes'];
  const widths = header.map((h, c) =>
    Math.max(h.length, ...cells.map((row) => row[c]?.length ?? 0)),
  );
  const right = new Set([1, 2, 3, 5]);
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) =>
        right.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

/** The V8 sampling profiler of this process, around one phase. */
async function startProfiler(): Promise<{
  stop: (dir: string, name: string) => Promise<string>;
}> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    stop: async (dir, name) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runStart = monotonicNowMs();
  const writers = 64;
  let raw: RawFigures | undefined;
  if (args.only.has('raw')) {
    console.error(`raw LMDB: ${args.keyCount} keys, ${args.rawPhaseMs / 1000} s per phase…`);
    raw = await measureRaw({ keyCount: args.keyCount, phaseMs: args.rawPhaseMs, writers });
  }
  const clusterPhases = phaseNames.filter((p) => p !== 'raw' && args.only.has(p));
  const results = new Map<PhaseName, PhaseResult>();
  let setupNote = '';
  if (clusterPhases.length > 0) {
    const cluster = new EmbeddedCluster({
      nodes: 3,
      slices: args.slices,
      replicas: 2,
      loggers: 1,
      seed: 20_261_121,
      peerNetwork: args.peerNetwork,
      clientNetwork: args.clientNetwork,
    });
    try {
      const leaseMs = await waitForLeases(cluster, 20_000);
      const loadStart = monotonicNowMs();
      const groupOf = await loadKeys(cluster, args.keyCount);
      const loadMs = monotonicNowMs() - loadStart;
      setupNote = `networks: peer ${args.peerNetwork}, client ${args.clientNetwork}; leaders+leases on all ${args.slices} groups after ${leaseMs.toFixed(0)} ms; loaded ${args.keyCount} keys through Raft in ${loadMs.toFixed(0)} ms`;
      console.error(setupNote);
      const readTs = await cluster.timestamps.next();
      const value = new Uint8Array(valueBytes).fill(3);
      for (const phase of clusterPhases) {
        console.error(`phase ${phase}…`);
        const profiler = args.profileDir === undefined ? undefined : await startProfiler();
        switch (phase) {
          case 'read1':
          case 'read64': {
            const lanes = phase === 'read1' ? 1 : 64;
            const clients = Array.from({ length: lanes }, () => cluster.newKvClient());
            const nexts = clients.map((_, lane) => xorshift(42 + lane));
            results.set(
              phase,
              await closedLoop(cluster, lanes, args.warmupMs, args.phaseMs, async (lane) => {
                const client = clients[lane];
                const next = nexts[lane];
                if (client === undefined || next === undefined) throw new Error('no lane');
                const i = Math.floor(next() * args.keyCount);
                const key = keyOf(i);
                // Routing as a gateway does it: hash the key to its slice.
                const groupId = cluster.groupOfKey(key);
                if (groupId !== groupOf[i]) throw new Error('routing changed');
                const answer = await client.get(groupId, readTs, key);
                if (answer.kind !== 'value') throw new Error(`read answered ${answer.kind}`);
              }),
            );
            break;
          }
          case 'txn1':
          case 'txn16':
          case 'txn64':
          case 'cross16': {
            const lanes = phase === 'txn1' ? 1 : phase === 'txn64' ? 64 : 16;
            const tag = 0x7b;
            const txnClients = Array.from({ length: lanes }, () => cluster.newTxnClient());
            const cross = phase === 'cross16';
            const offset = (phaseNames.indexOf(phase) + 1) * 10_000_000;
            results.set(
              phase,
              await closedLoop(cluster, lanes, args.warmupMs, args.phaseMs, async (lane, i) => {
                const client = txnClients[lane];
                if (client === undefined) throw new Error('no lane');
                const txn = await client.begin();
                const keys = cross
                  ? crossSliceKeys(cluster, lane, offset + i)
                  : [writeKey(tag, lane, offset + i)];
                for (const key of keys) txn.put(key, value);
                await txn.commit();
              }),
            );
            // Secondaries of cross-slice txns commit in the background: let them finish.
            await Promise.all(txnClients.map((c) => c.flush()));
            break;
          }
          case 'raw':
            break;
        }
        if (profiler !== undefined && args.profileDir !== undefined) {
          const file = await profiler.stop(args.profileDir, phase);
          console.error(`  profile: ${file}`);
        }
      }
    } finally {
      await cluster.close();
    }
  }

  const rows: Row[] = [];
  if (raw !== undefined) {
    rows.push(
      { measure: 'raw LMDB random get', rate: raw.randomGetPerSec, note: 'sync, 1 thread' },
      { measure: 'raw LMDB durable commit, 1 writer', rate: raw.durableCommitOneWriterPerSec },
      {
        measure: `raw LMDB durable put, ${writers} writers (batched)`,
        rate: raw.durablePutBatchedPerSec,
        note: 'group commit',
      },
      {
        measure: `raw MvccStore txn (prewrite+commit), ${writers} spaces`,
        rate: raw.mvccTxnPerSec,
        note: 'storage only, no Raft',
      },
      {
        measure: 'raw MvccStore point get',
        rate: raw.mvccGetPerSec,
        ratio: raw.mvccGetPerSec / raw.randomGetPerSec,
        note: 'storage only: meta + lock + version range',
      },
    );
  }
  const ratio = (rate: number, base: number | undefined) =>
    base === undefined ? undefined : rate / base;
  const detail = (r: PhaseResult) => (r.errors > 0 ? `${r.errors} errors` : '');
  const push = (phase: PhaseName, measure: string, extra: (r: PhaseResult) => Partial<Row>) => {
    const r = results.get(phase);
    if (r === undefined) return;
    rows.push({ measure, rate: r.opsPerSec, latency: r.latency, note: detail(r), ...extra(r) });
  };
  push('read1', 'cluster point read, 1 client', (r) => ({
    ratio: ratio(r.opsPerSec, raw?.randomGetPerSec),
  }));
  push('read64', 'cluster point read, 64 clients', (r) => {
    const q = ratio(r.opsPerSec, raw?.randomGetPerSec);
    return { target: '>= 25 % of raw get', ratio: q, met: q === undefined ? undefined : q >= 0.25 };
  });
  push('txn1', 'cluster 1-key txn, 1 client', (r) => ({
    ratio: ratio(r.opsPerSec, raw?.durableCommitOneWriterPerSec),
    target: '(vs raw 1-writer commit)',
  }));
  push('txn16', 'cluster 1-key txn, 16 clients', (r) => ({
    target: 'p99 < 20 ms',
    ratio: ratio(r.opsPerSec, raw?.durablePutBatchedPerSec),
    met: r.latency.p99Ms < 20,
  }));
  push('txn64', 'cluster 1-key txn, 64 clients', (r) => {
    const q = ratio(r.opsPerSec, raw?.durablePutBatchedPerSec);
    return {
      target: '>= 10 % of raw batched',
      ratio: q,
      met: q === undefined ? undefined : q >= 0.1,
    };
  });
  push('cross16', 'cluster 4-key txn over 4 slices, 16 clients', (r) => ({
    ratio: ratio(r.opsPerSec, raw?.durablePutBatchedPerSec),
  }));

  console.log('');
  console.log(
    `Tessera KV benchmark — node ${process.version}, raw phases ${args.rawPhaseMs / 1000} s, ` +
      `cluster phases ${args.warmupMs / 1000} s warm-up + ${args.phaseMs / 1000} s measured`,
  );
  console.log(
    `cluster: 3 data nodes (LMDB each, durable), ${args.slices} slices × (2 replicas + 1 logger), ` +
      `SystemClock, MemoryNetwork peers + clients; ${args.keyCount} keys of 16 B, values ${valueBytes} B`,
  );
  if (setupNote !== '') console.log(setupNote);
  console.log(
    '"vs raw": reads ÷ raw random get; 1-client txn ÷ raw 1-writer commit; other txns ÷ raw batched put',
  );
  console.log('');
  printTable(rows);
  const breakdown = (['txn1', 'txn16', 'txn64', 'cross16'] as const).filter((p) => results.has(p));
  if (breakdown.length > 0) {
    const ms = (l: LatencySummary) => `${l.p50Ms.toFixed(2)} / ${l.p99Ms.toFixed(2)}`;
    console.log('');
    console.log('txn breakdown (p50 / p99 ms per call; fsyncs = commits awaited, all 3 nodes):');
    const head = [
      'phase',
      'TSO',
      'prewrite (1 Raft round)',
      'commit (1 Raft round)',
      'fsyncs/s',
      'engine commits/txn',
      'msgs/txn',
    ];
    const cells = breakdown.map((p) => {
      const r = results.get(p);
      if (r === undefined) throw new Error('missing phase');
      return [
        p,
        ms(r.tso),
        ms(r.prewrite),
        ms(r.commit),
        r.syncedCommitsPerSec.toFixed(0),
        r.engineCommitsPerOp.toFixed(2),
        r.messagesPerOp.toFixed(1),
      ];
    });
    const widths = head.map((h, c) =>
      Math.max(h.length, ...cells.map((row) => row[c]?.length ?? 0)),
    );
    for (const row of [head, ...cells]) {
      console.log(
        row
          .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
          .join('  '),
      );
    }
  }
  console.log('');
  console.log(`total ${((monotonicNowMs() - runStart) / 1000).toFixed(1)} s`);
}

await main();
