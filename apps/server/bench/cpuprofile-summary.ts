// Summarises a V8 .cpuprofile (from `node --cpu-prof` or kv-cluster.ts --profile-dir): self time
// aggregated by function name + script, the top N printed with their share of all samples, then
// self time by package (node_modules package or workspace folder).
// Run: npx tsx apps/server/bench/cpuprofile-summary.ts FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

function isProfile(value: unknown): value is CpuProfile {
  return typeof value === 'object' && value !== null && 'nodes' in value && 'samples' in value;
}

/** Shortens a script URL to something readable: package and path inside it. */
function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  const ws = /\/(packages|apps|tooling)\/(.+)$/.exec(path);
  if (ws !== null) return `${ws[1] ?? ''}/${ws[2] ?? ''}`;
  return path;
}

function packageOf(url: string): string {
  const short = shortUrl(url);
  if (short === '(native)') return '(native / V8 / GC)';
  if (short.startsWith('node:')) return 'node core';
  const parts = short.split('/');
  if (parts[0] === 'packages' || parts[0] === 'apps' || parts[0] === 'tooling') {
    return `${parts[0]}/${parts[1] ?? ''}`;
  }
  if (parts[0]?.startsWith('@') === true) return `${parts[0]}/${parts[1] ?? ''}`;
  return parts[0] ?? short;
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: cpuprofile-summary.ts FILE [--top N]');
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 25;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file}: not a .cpuprofile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const samples = parsed.samples ?? [];
  const deltas = parsed.timeDeltas ?? [];
  // Self time of a node: the time deltas of the samples that landed in it (delta i+1 is the
  // time until the next sample, V8's convention; the last sample gets the mean).
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    const us = deltas[i + 1] ?? (parsed.endTime - parsed.startTime) / Math.max(1, samples.length);
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
    totalUs += us;
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const key = url === '' ? name : `${name}  ${shortUrl(url)}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / Math.max(1, totalUs)) * 100).toFixed(1).padStart(5)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  console.log(`${file}: ${samples.length} samples, ${(totalUs / 1000).toFixed(0)} ms sampled`);
  console.log(`\ntop ${top} functions by self time:`);
  const sorted = [...byFunction].sort((a, b) => b[1] - a[1]);
  for (const [key, us] of sorted.slice(0, top)) console.log(`${ms(us)} ${pct(us)}  ${key}`);
  console.log('\nself time by package:');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${ms(us)} ${pct(us)}  ${pkg}`);
  }
}

main();
