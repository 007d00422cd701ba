import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { b, s, tempDir } from '../../test/engines';
import { LmdbEngine } from './lmdb-engine';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const child = resolve(import.meta.dirname, '../../test/durability-child.ts');

/** Runs the writer child until it has acknowledged `acksMin` batches, then SIGKILLs it. */
function runAndKill(dir: string, acksMin: number): Promise<Set<number>> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Set<number>();
    let pending = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m?.[1] !== undefined) acked.add(Number(m[1]));
      }
      if (acked.size >= acksMin && !proc.killed) proc.kill('SIGKILL');
    });
    proc.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') done(acked);
      else fail(new Error(`child exited without being killed: ${stderr}`));
    });
  });
}

describe('LmdbEngine durability across a real process kill', () => {
  it(
    'keeps every acknowledged batch, and every batch whole or absent',
    { timeout: 30_000 },
    async () => {
      const dir = tempDir('durability');
      try {
        const acked = await runAndKill(dir, 300);
        const engine = LmdbEngine.open({ path: dir });
        const present = new Map<number, number>();
        for (const { key, value } of engine.range({})) {
          const m = /^b(\d+)\/(\d)$/.exec(s(key) ?? '');
          expect(m).not.toBeNull();
          const n = Number(m?.[1]);
          expect(s(value)).toBe(`value ${n}.${m?.[2]}`);
          present.set(n, (present.get(n) ?? 0) + 1);
        }
        const missing = [...acked].filter((n) => present.get(n) !== 4);
        expect(missing).toEqual([]);
        for (const count of present.values()) expect(count).toBe(4);
        expect(s(engine.get(b('b00000000/0')))).toBe('value 0.0');
        await engine.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('reopens an environment with what a clean close left', async () => {
    const dir = tempDir('reopen');
    try {
      const first = LmdbEngine.open({ path: dir });
      const batch = first.newBatch();
      batch.put(b('k'), b('v'));
      await first.commit(batch);
      await first.close();
      const second = LmdbEngine.open({ path: dir });
      expect(s(second.get(b('k')))).toBe('v');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
