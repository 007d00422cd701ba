// Raw engine throughput on LMDB: random point reads, durable commits with one writer, and
// durable puts with many concurrent writers sharing fsyncs (group commit).
// Run: npx tsx packages/storage/bench/kv-raw.ts [--keys N] [--seconds S]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbEngine, MvccStore } from '../src/index';
/** Benchmarks are host programs: they may read the wall clock (bench/ is exempt). */
const monotonicNowMs = (): number => performance.now();

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '');
const keyCount = Number(args.get('--keys') ?? 100_000);
const phaseMs = Number(args.get('--seconds') ?? 2) * 1000;
const valueBytes = 100;
const writers = 64;

function keyOf(i: number): Uint8Array {
  const k = new Uint8Array(16);
  new DataView(k.buffer).setUint32(12, i);
  k[0] = 0x7a;
  return k;
}

/** xorshift32: a fixed-seed generator, so runs read the same key sequence. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function load(engine: LmdbEngine): Promise<void> {
  const value = new Uint8Array(valueBytes).fill(7);
  for (let i = 0; i < keyCount; i += 10_000) {
    const batch = engine.newBatch();
    for (let j = i; j < Math.min(keyCount, i + 10_000); j++) batch.put(keyOf(j), value);
    await engine.commit(batch);
  }
}

function randomGets(engine: LmdbEngine): number {
  const next = rng(42);
  let n = 0;
  const start = monotonicNowMs();
  while (monotonicNowMs() - start < phaseMs) {
    for (let i = 0; i < 1000; i++) {
      if (engine.get(keyOf(Math.floor(next() * keyCount))) === undefined)
        throw new Error('missing key');
    }
    n += 1000;
  }
  return (n / (monotonicNowMs() - start)) * 1000;
}

async function durableCommits(engine: LmdbEngine, lanes: number): Promise<number> {
  const value = new Uint8Array(valueBytes).fill(9);
  let n = 0;
  const start = monotonicNowMs();
  const lane = async (id: number): Promise<void> => {
    let i = 0;
    while (monotonicNowMs() - start < phaseMs) {
      const batch = engine.newBatch();
      batch.put(keyOf(keyCount + id * 1_000_000 + (i++ % 1_000_000)), value);
      await engine.commit(batch);
      n++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  return (n / (monotonicNowMs() - start)) * 1000;
}

/**
 * Percolator transactions through the MVCC store: `lanes` spaces (slice replicas), each
 * applying a prewrite entry then a commit entry per txn, every entry its own durable batch.
 */
async function mvccTxns(engine: LmdbEngine, lanes: number): Promise<number> {
  const store = new MvccStore(engine);
  const setup = engine.newBatch();
  for (let space = 1; space <= lanes; space++) store.createSpace(setup, space);
  await engine.commit(setup);
  const value = new Uint8Array(valueBytes).fill(5);
  let n = 0;
  let ts = 1;
  const start = monotonicNowMs();
  const lane = async (space: number): Promise<void> => {
    let index = 0;
    while (monotonicNowMs() - start < phaseMs) {
      const key = keyOf(index);
      const startTs = ts++;
      const prewrite = engine.newBatch();
      store.apply(prewrite, space, {
        index: ++index,
        term: 1,
        commands: [{ kind: 'prewrite', key, startTs, primary: key, op: 'put', value }],
      });
      await engine.commit(prewrite);
      const commit = engine.newBatch();
      store.apply(commit, space, {
        index: ++index,
        term: 1,
        commands: [{ kind: 'commit', key, startTs, commitTs: ts++ }],
      });
      await engine.commit(commit);
      n++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i + 1)));
  return (n / (monotonicNowMs() - start)) * 1000;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-kv-'));
const engine = LmdbEngine.open({ path: dir });
try {
  await load(engine);
  const rows: [string, number][] = [
    ['random get/s', randomGets(engine)],
    ['durable commit/s (1 writer, 1 put per commit)', await durableCommits(engine, 1)],
    [
      `durable put/s (${writers} concurrent writers, group commit)`,
      await durableCommits(engine, writers),
    ],
    [`MVCC txn/s (${writers} spaces, prewrite + commit entries)`, await mvccTxns(engine, writers)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(
    `LmdbEngine, ${keyCount} keys of 16 B, values ${valueBytes} B, ${phaseMs / 1000} s per phase, dir ${dir}`,
  );
  console.log(`${'measure'.padEnd(width)}  ${'rate'.padStart(12)}`);
  for (const [name, rate] of rows)
    console.log(`${name.padEnd(width)}  ${Math.round(rate).toLocaleString('en-US').padStart(12)}`);
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
