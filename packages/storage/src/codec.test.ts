import { describe, expect, it } from 'vitest';
import { debugChecks } from './codec';
import { StorageInvariantError } from './errors';
import { decodeLock, encodeLock, encodeVersion, decodeVersion } from './mvcc/records';

describe('paired encode/decode checks', () => {
  it('round-trips the hot records', () => {
    const lock = {
      key: Uint8Array.of(1),
      primary: Uint8Array.of(2, 3),
      startTs: 2 ** 40,
      op: 'put' as const,
      ttlMs: 3000,
      txnSize: 9,
      value: Uint8Array.of(4),
    };
    expect(decodeLock(encodeLock(lock), lock.key)).toEqual(lock);
    const version = { op: 'delete' as const, startTs: Number.MAX_SAFE_INTEGER };
    expect(decodeVersion(encodeVersion(version))).toEqual(version);
  });

  it('fails at the write when a record cannot survive its codec', () => {
    const tooLong = {
      key: Uint8Array.of(1),
      primary: Uint8Array.of(2),
      startTs: 5,
      op: 'delete' as const,
      ttlMs: 2 ** 32,
      txnSize: 1,
    };
    expect(() => encodeLock(tooLong)).toThrow(StorageInvariantError);
    expect(() => encodeLock(tooLong)).toThrow(/CODEC_ROUND_TRIP/);
    debugChecks.enabled = false;
    try {
      expect(() => encodeLock(tooLong)).not.toThrow();
    } finally {
      debugChecks.enabled = true;
    }
  });
});
