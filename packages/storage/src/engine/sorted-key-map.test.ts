import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/engines';
import { compareBytes, toHex } from '../bytes';
import { SortedKeyMap } from './sorted-key-map';

function randomKey(rand: () => number): Uint8Array {
  const n = 1 + Math.floor(rand() * 3);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 8));
}

describe('SortedKeyMap', () => {
  it('matches a reference model under random puts and deletes, in both directions', () => {
    const rand = seededRandom(7);
    const map = new SortedKeyMap<number>();
    const model = new Map<string, { key: Uint8Array; value: number }>();
    for (let step = 0; step < 5000; step++) {
      const key = randomKey(rand);
      if (rand() < 0.3) {
        expect(map.delete(key)).toBe(model.delete(toHex(key)));
      } else {
        map.set(key, step);
        model.set(toHex(key), { key, value: step });
      }
    }
    const sorted = [...model.values()].sort((x, y) => compareBytes(x.key, y.key));
    expect(map.size).toBe(sorted.length);
    expect([...map.entries()].map((e) => toHex(e.key))).toEqual(sorted.map((e) => toHex(e.key)));
    for (let q = 0; q < 200; q++) {
      const start = randomKey(rand);
      const end = randomKey(rand);
      const limit = 1 + Math.floor(rand() * 20);
      const inRange = sorted.filter(
        (e) => compareBytes(e.key, start) >= 0 && compareBytes(e.key, end) < 0,
      );
      const fwd = [...map.entries({ start, end, limit })].map((e) => e.value);
      const rev = [...map.entries({ start, end, limit, reverse: true })].map((e) => e.value);
      expect(fwd).toEqual(inRange.slice(0, limit).map((e) => e.value));
      expect(rev).toEqual(
        inRange
          .reverse()
          .slice(0, limit)
          .map((e) => e.value),
      );
    }
  });

  it('keeps a frozen view unchanged while the map is written (copy-on-write chunks)', () => {
    const map = new SortedKeyMap<number>();
    for (let i = 0; i < 2000; i++) map.set(Uint8Array.of(i >> 8, i & 0xff), i);
    const frozen = map.freeze();
    for (let i = 0; i < 2000; i += 2) map.delete(Uint8Array.of(i >> 8, i & 0xff));
    for (let i = 0; i < 500; i++) map.set(Uint8Array.of(0xff, i & 0xff, 1), -i);
    expect(frozen.size).toBe(2000);
    expect([...frozen.entries()].map((e) => e.value)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i),
    );
    expect(frozen.get(Uint8Array.of(0, 2))).toBe(2);
    expect(map.get(Uint8Array.of(0, 2))).toBeUndefined();
  });
});
