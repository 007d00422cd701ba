import { describe, expect, it } from 'vitest';
import type { Message } from '@tessera/raft';
import { ClusterInvariantError } from './errors';
import type { NodeMessage } from './node-message';
import { decodeNodeMessage, encodeNodeMessage } from './node-message-codec';

const env = { from: 1, to: 2, term: 7 };
const everyType: Message[] = [
  {
    type: 'append',
    ...env,
    index: 10,
    logTerm: 6,
    commit: 9,
    entries: [
      { index: 11, term: 7, type: 'normal', data: Uint8Array.of(1, 2, 3) },
      { index: 12, term: 7, type: 'confChange', data: new Uint8Array() },
    ],
  },
  { type: 'appendResponse', ...env, index: 12, reject: true, rejectHint: 4, logTerm: 3 },
  { type: 'heartbeat', ...env, commit: 12, readSeq: 5 },
  { type: 'heartbeatResponse', ...env, readSeq: 5 },
  { type: 'vote', ...env, preVote: true, transfer: false, index: 12, logTerm: 7 },
  { type: 'voteResponse', ...env, preVote: false, reject: false },
  {
    type: 'snapshot',
    ...env,
    snapshot: {
      metadata: { index: 40, term: 6, confState: { voters: [1, 2], loggers: [3], learners: [] } },
      data: Uint8Array.of(9, 9),
    },
  },
  { type: 'transferLeader', ...env, transferee: 3 },
  { type: 'timeoutNow', ...env },
];

describe('node message codec', () => {
  it('round-trips every Raft message type, groups and lease acks', () => {
    const message: NodeMessage = {
      kind: 'raft',
      sentAtMs: 2 ** 40,
      groups: [
        { groupId: 0xffffffff, messages: everyType },
        { groupId: 1, messages: [] },
      ],
      leaseAcks: [{ groupId: 5, term: 7, sentAtMs: 123 }],
    };
    expect(decodeNodeMessage(encodeNodeMessage(message))).toEqual(message);
  });

  it('refuses truncated or padded bytes', () => {
    const bytes = encodeNodeMessage({ kind: 'raft', sentAtMs: 1, groups: [], leaseAcks: [] });
    expect(() => decodeNodeMessage(bytes.subarray(0, bytes.length - 1))).toThrow(
      ClusterInvariantError,
    );
    expect(() => decodeNodeMessage(Uint8Array.from([...bytes, 0]))).toThrow(/trailing/);
  });
});
