// Summarises a V8 .cpuprofile (from `node --cpu-prof` or kv-cluster.ts --profile-dir): self time
// aggregated by function name + script, the top N printed with their share of all samples, then
// self time by package (node_modules package or workspace folder). With `--inclusive`, also the
// top N functions by inclusive time (samples with the function anywhere on the stack).
// Frames of a bundled script (the `npm run bench:sql` build) are mapped back to their source
// files through the bundle's `.map`, so packages still show as packages.
// Run: npx tsx apps/server/bench/cpuprofile-summary.ts FILE.cpuprofile [--top N] [--inclusive]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber?: number;
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

/** Source maps of bundled scripts, by script URL (undefined: the script has none). */
const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceMapOf(url: string): SourceMap | undefined {
  if (sourceMaps.has(url)) return sourceMaps.get(url);
  let map: SourceMap | undefined;
  if (url.startsWith('file://') && url.endsWith('.js')) {
    const path = `${fileURLToPath(url)}.map`;
    if (existsSync(path)) {
      map = new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as SourceMapPayload);
    }
  }
  sourceMaps.set(url, map);
  return map;
}

/** A frame's script and line in the original sources (the frame as is when not bundled). */
function originalFrame(frame: ProfileNode['callFrame']): { url: string; lineNumber: number } {
  const map = sourceMapOf(frame.url);
  if (map === undefined) return frame;
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0);
  if (!('originalSource' in entry)) return frame;
  // Sources are relative to the bundle in tsup's maps.
  return { url: new URL(entry.originalSource, frame.url).href, lineNumber: entry.originalLine };
}

function frameKey(node: ProfileNode): { key: string; url: string } {
  const { functionName } = node.callFrame;
  const { url, lineNumber } = originalFrame(node.callFrame);
  const name = functionName === '' ? '(anonymous)' : functionName;
  return { key: url === '' ? name : `${name}  ${shortUrl(url)}:${lineNumber + 1}`, url };
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
    const { key, url } = frameKey(node);
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
  if (process.argv.includes('--inclusive')) {
    console.log(`\ntop ${top} functions by inclusive time:`);
    const inclusive = inclusiveTimes(parsed.nodes, byId, selfUs);
    for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${ms(us)} ${pct(us)}  ${key}`);
    }
  }
}

/** Time with each function (by key) anywhere on the stack, counted once per sample stack. */
function inclusiveTimes(
  nodes: readonly ProfileNode[],
  byId: ReadonlyMap<number, ProfileNode>,
  selfUs: ReadonlyMap<number, number>,
): Map<string, number> {
  const parentOf = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const keys = new Map(nodes.map((n) => [n.id, frameKey(n).key]));
  const out = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const key = keys.get(at);
      if (key === undefined || seen.has(key) || byId.get(at)?.callFrame.functionName === '(root)')
        continue;
      seen.add(key);
      out.set(key, (out.get(key) ?? 0) + us);
    }
  }
  return out;
}

main();
