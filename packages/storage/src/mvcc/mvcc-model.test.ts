import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/engines';
import { MemoryEngine } from '../engine/memory-engine';
import { MvccStore } from './mvcc-store';
import type { CommandResult, MvccCommand } from './types';

/**
 * Random Percolator traffic checked against a deliberately naive model (arrays and linear
 * scans): every command's result kind and, at the end, every read at every timestamp.
 */
interface ModelVersion {
  commitTs: number;
  startTs: number;
  value: number | null;
}
interface ModelLock {
  startTs: number;
  value: number | null;
}

class Model {
  readonly versions = new Map<number, ModelVersion[]>();
  readonly locks = new Map<number, ModelLock>();
  readonly rollbacks = new Set<string>();

  private committedBy(key: number, startTs: number): ModelVersion | undefined {
    return (this.versions.get(key) ?? []).find((v) => v.startTs === startTs);
  }

  prewrite(key: number, startTs: number, value: number | null): string {
    const lock = this.locks.get(key);
    if (lock !== undefined) return lock.startTs === startTs ? 'ok' : 'keyLocked';
    if (this.rollbacks.has(`${key}@${startTs}`)) return 'alreadyRolledBack';
    const newer = (this.versions.get(key) ?? []).filter((v) => v.commitTs >= startTs);
    if (newer.length > 0)
      return this.committedBy(key, startTs) ? 'alreadyCommitted' : 'writeConflict';
    this.locks.set(key, { startTs, value });
    return 'ok';
  }

  commit(key: number, startTs: number, commitTs: number): string {
    const lock = this.locks.get(key);
    if (lock?.startTs === startTs) {
      this.locks.delete(key);
      const list = this.versions.get(key) ?? [];
      list.push({ commitTs, startTs, value: lock.value });
      this.versions.set(key, list);
      return 'ok';
    }
    return this.committedBy(key, startTs)?.commitTs === commitTs ? 'ok' : 'lockNotFound';
  }

  rollback(key: number, startTs: number): string {
    const lock = this.locks.get(key);
    if (lock?.startTs === startTs) this.locks.delete(key);
    else if (this.committedBy(key, startTs)) return 'alreadyCommitted';
    this.rollbacks.add(`${key}@${startTs}`);
    return 'ok';
  }

  read(key: number, ts: number): string {
    const lock = this.locks.get(key);
    if (lock !== undefined && lock.startTs <= ts) return 'locked';
    const visible = (this.versions.get(key) ?? []).filter((v) => v.commitTs <= ts);
    const newest = visible.sort((a, b) => b.commitTs - a.commitTs)[0];
    return newest?.value == null ? 'none' : `value ${newest.value}`;
  }
}

describe('MVCC against a naive model', () => {
  it.each([1, 2, 3, 4])('agrees on random traffic (seed %i)', (seed) => {
    const rand = seededRandom(seed);
    const engine = new MemoryEngine();
    const store = new MvccStore(engine);
    const setup = engine.newBatch();
    store.createSpace(setup, 1);
    void engine.commit(setup);
    const model = new Model();
    const keyCount = 5;
    let ts = 100;
    let index = 0;
    const started: { key: number; startTs: number }[] = [];
    for (let step = 0; step < 1500; step++) {
      ts += 1 + Math.floor(rand() * 2);
      const key = Math.floor(rand() * keyCount);
      const r = rand();
      let command: MvccCommand;
      let expected: string;
      const prior = started[Math.floor(rand() * started.length)];
      if (prior !== undefined && r < 0.35) {
        command = {
          kind: 'commit',
          key: Uint8Array.of(prior.key),
          startTs: prior.startTs,
          commitTs: ts,
        };
        expected = model.commit(prior.key, prior.startTs, ts);
      } else if (prior !== undefined && r < 0.5) {
        command = { kind: 'rollback', key: Uint8Array.of(prior.key), startTs: prior.startTs };
        expected = model.rollback(prior.key, prior.startTs);
      } else {
        // Start timestamps lag a little so that conflicts and late prewrites happen.
        const startTs = ts - Math.floor(rand() * 8);
        const value = rand() < 0.8 ? step : null;
        const base = {
          kind: 'prewrite' as const,
          key: Uint8Array.of(key),
          startTs,
          primary: Uint8Array.of(key),
        };
        command =
          value === null
            ? { ...base, op: 'delete' }
            : { ...base, op: 'put', value: Uint8Array.of(step & 0xff, step >> 8) };
        expected = model.prewrite(key, startTs, value);
        started.push({ key, startTs });
      }
      const batch = engine.newBatch();
      const result = store.apply(batch, 1, { index: ++index, term: 1, commands: [command] });
      void engine.commit(batch);
      const got: CommandResult | undefined =
        result.kind === 'applied' ? result.results[0] : undefined;
      expect({ step, kind: got?.kind }).toEqual({ step, kind: expected });
    }
    for (let key = 0; key < keyCount; key++) {
      for (let readTs = 100; readTs <= ts + 1; readTs += 3) {
        const r = store.get(1, Uint8Array.of(key), readTs);
        const got =
          r.kind === 'value' ? `value ${(r.value[0] ?? 0) + ((r.value[1] ?? 0) << 8)}` : r.kind;
        expect({ key, readTs, got }).toEqual({ key, readTs, got: model.read(key, readTs) });
      }
    }
  });
});
