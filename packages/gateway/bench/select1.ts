/**
 * Round-trip latency of `SELECT 1` over mysql2 against the toy handler, text protocol and
 * prepared statements. Not a test: `npx tsx packages/gateway/bench/select1.ts [iterations]`.
 */
import { performance } from 'node:perf_hooks';

import mysql from 'mysql2/promise';

import { startToyServer } from '../src/test/harness';
import { PASSWORDS } from '../src/test/toy-handler';

const iterations = Number(process.argv[2] ?? 20_000);

function summary(name: string, samplesUs: number[]): string {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `${name.padEnd(10)} mean ${mean.toFixed(1)} µs  p50 ${at(0.5).toFixed(1)} µs  p99 ${at(0.99).toFixed(1)} µs  (${sorted.length} round trips)`;
}

async function measure(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 1000; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

const t = await startToyServer();
const conn = await mysql.createConnection({
  host: '127.0.0.1',
  port: t.port,
  user: 'root',
  password: PASSWORDS.root,
});
console.log(summary('text', await measure(() => conn.query('SELECT 1'))));
console.log(summary('prepared', await measure(() => conn.execute('SELECT 1'))));
await conn.end();
await t.server.close();
