import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/engines';
import { compareBytes } from '../bytes';
import {
  generationPrefix,
  lockKey,
  parseRecordKey,
  recordKind,
  rollbackKey,
  versionKey,
} from './key-layout';
import { readOrderedKey, writeOrderedKey, encodedKeyLength } from './ordered-key';

function enc(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(encodedKeyLength(key));
  writeOrderedKey(out, 0, key);
  return out;
}

describe('key layout', () => {
  it('encodes user keys so that byte order and prefixes are preserved', () => {
    const rand = seededRandom(11);
    const keys = Array.from({ length: 400 }, () =>
      Uint8Array.from(
        { length: Math.floor(rand() * 4) },
        () => [0, 1, 0xff, 7][Math.floor(rand() * 4)] ?? 0,
      ),
    );
    for (const a of keys) {
      expect(readOrderedKey(enc(a), 0).userKey).toEqual(a);
      for (const c of keys.slice(0, 40)) {
        expect(Math.sign(compareBytes(enc(a), enc(c)))).toBe(Math.sign(compareBytes(a, c)));
      }
    }
  });

  it('sorts a key as: lock, versions newest first, rollback markers, then the next key', () => {
    const p = generationPrefix(1, 1);
    const k = Uint8Array.of(5);
    const ordered = [
      lockKey(p, k),
      versionKey(p, k, 300),
      versionKey(p, k, 20),
      versionKey(p, k, 1),
      rollbackKey(p, k, 50),
      rollbackKey(p, k, 2),
      lockKey(p, Uint8Array.of(5, 0)),
      lockKey(p, Uint8Array.of(6)),
    ];
    const shuffled = [...ordered].reverse().sort(compareBytes);
    expect(shuffled).toEqual(ordered);
    expect(parseRecordKey(versionKey(p, k, 20))).toEqual({
      userKey: k,
      keyEnd: 12,
      kind: recordKind.version,
      ts: 20,
    });
  });
});
