// Test support: every engine-generic suite runs once per engine (Kysely's "no mocks": the LMDB
// runs are against a real environment in a temp directory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbEngine, MemoryEngine } from '../src/index';
import type { KvEngine } from '../src/index';

export interface EngineUnderTest {
  readonly engine: KvEngine;
  dispose(): Promise<void>;
}

export interface EngineKind {
  readonly name: 'memory' | 'lmdb';
  create(): EngineUnderTest;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `tessera-storage-${label}-`));
}

export const engineKinds: readonly EngineKind[] = [
  {
    name: 'memory',
    create: () => ({ engine: new MemoryEngine(), dispose: () => Promise.resolve() }),
  },
  {
    name: 'lmdb',
    create: () => {
      const dir = tempDir('lmdb');
      const engine = LmdbEngine.open({ path: dir });
      return {
        engine,
        dispose: async () => {
          await engine.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string: test keys and values read better as text. */
export const b = (text: string): Uint8Array => encoder.encode(text);
export const s = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : decoder.decode(bytes);

/** A small seeded PRNG (mulberry32) so randomized tests replay exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
