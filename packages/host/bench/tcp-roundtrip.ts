// TcpTransport on loopback, two transports in one process:
// - ping-pong of small messages: round trips/s and latency percentiles;
// - one-way streaming of small messages (sends batched per event-loop turn): messages/s.
// Run: npx tsx packages/host/bench/tcp-roundtrip.ts [--roundtrips N] [--messages N]
import { SeededRng } from '@tessera/cluster';
import { SystemClock, TcpTransport } from '../src/index';

/** Benchmarks are host programs: they may read the wall clock (bench/ is exempt). */
const monotonicNowMs = (): number => performance.now();

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '');
const roundTrips = Number(args.get('--roundtrips') ?? 20_000);
const oneWayMessages = Number(args.get('--messages') ?? 500_000);
const warmup = 2_000;
const batch = 1_000;

interface Ping {
  readonly kind: 'ping' | 'pong' | 'data';
  readonly seq: number;
  readonly term: number;
}

async function pair(): Promise<[TcpTransport<Ping>, TcpTransport<Ping>]> {
  const clock = new SystemClock();
  const a = await TcpTransport.listen<Ping>({ self: 1, clock, rng: new SeededRng(1) });
  const b = await TcpTransport.listen<Ping>({ self: 2, clock, rng: new SeededRng(2) });
  a.setPeer(2, b.address());
  b.setPeer(1, a.address());
  return [a, b];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function pingPong(a: TcpTransport<Ping>, b: TcpTransport<Ping>): Promise<void> {
  b.onMessage((from, m) => {
    b.send(from, { kind: 'pong', seq: m.seq, term: m.term });
  });
  const total = warmup + roundTrips;
  const latencyUs = new Float64Array(roundTrips);
  let sentAt = 0;
  let startMs = 0;
  await new Promise<void>((resolve) => {
    a.onMessage((_from, m) => {
      const now = monotonicNowMs();
      if (m.seq >= warmup) latencyUs[m.seq - warmup] = (now - sentAt) * 1000;
      if (m.seq === warmup - 1) startMs = now;
      const next = m.seq + 1;
      if (next === total) {
        resolve();
        return;
      }
      sentAt = monotonicNowMs();
      a.send(2, { kind: 'ping', seq: next, term: 7 });
    });
    sentAt = monotonicNowMs();
    a.send(2, { kind: 'ping', seq: 0, term: 7 });
  });
  const seconds = (monotonicNowMs() - startMs) / 1000;
  latencyUs.sort();
  const us = (p: number) => percentile(latencyUs, p).toFixed(0);
  const meanUs = latencyUs.reduce((sum, x) => sum + x, 0) / latencyUs.length;
  console.log(
    `ping-pong   ${roundTrips} round trips: ${Math.round(roundTrips / seconds)} rt/s, ` +
      `mean ${meanUs.toFixed(0)} µs, p50 ${us(0.5)} µs, p99 ${us(0.99)} µs, ` +
      `p99.9 ${us(0.999)} µs, max ${us(1)} µs`,
  );
}

async function oneWay(a: TcpTransport<Ping>, b: TcpTransport<Ping>): Promise<void> {
  let received = 0;
  let outOfOrder = 0;
  const done = new Promise<void>((resolve) => {
    b.onMessage((_from, m) => {
      if (m.seq !== received) outOfOrder++;
      received++;
      if (received === oneWayMessages) resolve();
    });
  });
  const startMs = monotonicNowMs();
  for (let sent = 0; sent < oneWayMessages;) {
    // Stay under the per-peer queue bound: wait while the socket is backpressured.
    while ((a.stats().peers[0]?.queuedFrames ?? 0) > 4 * batch) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const end = Math.min(oneWayMessages, sent + batch);
    for (; sent < end; sent++) a.send(2, { kind: 'data', seq: sent, term: 7 });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  const seconds = (monotonicNowMs() - startMs) / 1000;
  const stats = a.stats();
  console.log(
    `one-way     ${oneWayMessages} messages (batches of ${batch}): ` +
      `${Math.round(oneWayMessages / seconds)} msg/s, ` +
      `${(stats.bytesOut / seconds / 1e6).toFixed(1)} MB/s, ` +
      `${(stats.bytesOut / stats.framesOut).toFixed(0)} B/frame, ` +
      `drops ${stats.queueDrops}, out of order ${outOfOrder}`,
  );
}

const [a, b] = await pair();
await pingPong(a, b);
await oneWay(a, b);
await Promise.all([a.close(), b.close()]);
