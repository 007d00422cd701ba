import { describe, expect, it } from 'vitest';
import type { MvccCommand } from '@tessera/storage';
import { ClusterInvariantError } from './errors';
import { decodeCommands, encodeCommands, encodeSplit, splitOrderOf } from './command-codec';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('command codec', () => {
  it('round-trips every command kind, optional fields present and absent', () => {
    const commands: MvccCommand[] = [
      {
        kind: 'prewrite',
        key: bytes(1, 0, 255),
        startTs: 2 ** 53 - 1,
        primary: bytes(9),
        op: 'put',
        value: bytes(),
      },
      {
        kind: 'prewrite',
        key: bytes(2),
        startTs: 5,
        primary: bytes(2),
        ttlMs: 3000,
        txnSize: 7,
        op: 'delete',
      },
      { kind: 'commit', key: bytes(3), startTs: 5, commitTs: 6 },
      { kind: 'rollback', key: bytes(4), startTs: 8 },
      { kind: 'putVersion', key: bytes(5), commitTs: 9, op: 'put', value: bytes(1, 2, 3) },
      { kind: 'putVersion', key: bytes(6), commitTs: 10, startTs: 4, op: 'delete' },
      { kind: 'gc', safePointTs: 11, maxRecords: 100 },
      { kind: 'gc', safePointTs: 12, fromKey: bytes(0), maxRecords: 1 },
    ];
    expect(decodeCommands(encodeCommands(commands))).toEqual(commands);
    expect(decodeCommands(encodeCommands([]))).toEqual([]);
  });

  it('round-trips a split order at both ends of the hash space, and tells it from commands', () => {
    for (const at of [1n, 2n ** 32n + 7n, 2n ** 64n - 1n]) {
      const split = {
        at,
        newGroupId: 0xffffffff,
        newSpaceId: 12,
        rankingNode: 3,
        members: [
          { nodeId: 1, role: 'voter' as const },
          { nodeId: 2, role: 'logger' as const },
          { nodeId: 3, role: 'learner' as const },
        ],
        hasher: { name: 'sql', params: bytes(1, 2, 0, 255) },
      };
      expect(splitOrderOf(encodeSplit(split))).toEqual(split);
    }
    const commands: MvccCommand[] = [{ kind: 'rollback', key: bytes(4), startTs: 8 }];
    expect(splitOrderOf(encodeCommands(commands))).toBeUndefined();
    expect(splitOrderOf(new Uint8Array())).toBeUndefined();
    const order = {
      at: 5n,
      newGroupId: 2,
      newSpaceId: 2,
      rankingNode: 0,
      members: [],
      hasher: { name: 'wholeKey', params: bytes() },
    };
    expect(() => encodeSplit({ ...order, at: 0n })).toThrow(ClusterInvariantError);
    const trailing = Uint8Array.from([...encodeSplit(order), 0]);
    expect(() => splitOrderOf(trailing)).toThrow(ClusterInvariantError);
  });

  it('decodes the empty entry (a leader no-op) as no commands', () => {
    expect(decodeCommands(new Uint8Array())).toEqual([]);
  });

  it('rejects truncated, padded and unknown input', () => {
    const good = encodeCommands([{ kind: 'rollback', key: bytes(4), startTs: 8 }]);
    expect(() => decodeCommands(good.subarray(0, good.length - 1))).toThrow(ClusterInvariantError);
    expect(() => decodeCommands(Uint8Array.from([...good, 0]))).toThrow(ClusterInvariantError);
    expect(() => decodeCommands(Uint8Array.from([2, 0, 0, 0, 0]))).toThrow(/version/);
    expect(() => decodeCommands(Uint8Array.from([1, 0, 0, 0, 1, 77]))).toThrow(/kind 77/);
  });

  it('refuses timestamps that are not safe integers', () => {
    expect(() => encodeCommands([{ kind: 'rollback', key: bytes(1), startTs: 2 ** 53 }])).toThrow(
      ClusterInvariantError,
    );
  });
});

describe('decoding from a Node Buffer (regression)', () => {
  it('copies byte fields out instead of returning views into the buffer', () => {
    const encoded = encodeCommands([
      {
        kind: 'putVersion',
        key: new Uint8Array([1, 2, 3]),
        commitTs: 5,
        op: 'put',
        value: new Uint8Array([9]),
      },
    ]);
    const socketChunk = Buffer.from(encoded);
    const [decoded] = decodeCommands(socketChunk);
    if (decoded?.kind !== 'putVersion') throw new Error('decoded the wrong command');
    expect(Buffer.isBuffer(decoded.key)).toBe(false);
    socketChunk.fill(0);
    expect([...decoded.key]).toEqual([1, 2, 3]);
  });
});
