import type { ConfState, Entry, Message, Snapshot } from '@tessera/raft';
import { ByteReader, ByteWriter } from './bytes';
import { ClusterInvariantError, invariant } from './errors';
import type { GroupMessages, LeaseAck, NodeMessage } from './node-message';

/**
 * NodeMessage on the wire (for a socket transport; MemoryNetwork passes objects, and the
 * simulator round-trips every message through this codec to prove it).
 *
 * ```
 * message := version u8 (=1) · kind u8 (1 = raft) · sentAtMs u64
 *            · groups u32 · (groupId u32 · count u32 · raft*)* · acks u32 · (groupId u32 · term u64 · sentAtMs u64)*
 * raft    := type u8 · from u64 · to u64 · term u64 · fields of the type (below)
 * append 1: index logTerm commit entries(u32 · (index term type u8 data)*)
 * appendResponse 2: index reject rejectHint logTerm      heartbeat 3: commit readSeq
 * heartbeatResponse 4: readSeq                            vote 5: preVote transfer index logTerm
 * voteResponse 6: preVote reject                          snapshot 7: index term confState data
 * transferLeader 8: transferee                            timeoutNow 9: —
 * ```
 * Decoding checks every length and tag and refuses trailing bytes.
 */
const FORMAT_VERSION = 1;
const KIND_RAFT = 1;
const typeCode = {
  append: 1,
  appendResponse: 2,
  heartbeat: 3,
  heartbeatResponse: 4,
  vote: 5,
  voteResponse: 6,
  snapshot: 7,
  transferLeader: 8,
  timeoutNow: 9,
} as const;

export function encodeNodeMessage(message: NodeMessage): Uint8Array {
  const w = new ByteWriter();
  w.u8(FORMAT_VERSION);
  w.u8(KIND_RAFT);
  w.u64(message.sentAtMs);
  w.u32(message.groups.length);
  for (const group of message.groups) {
    w.u32(group.groupId);
    w.u32(group.messages.length);
    for (const m of group.messages) writeRaft(w, m);
  }
  w.u32(message.leaseAcks.length);
  for (const ack of message.leaseAcks) {
    w.u32(ack.groupId);
    w.u64(ack.term);
    w.u64(ack.sentAtMs);
  }
  return w.finish();
}

export function decodeNodeMessage(bytes: Uint8Array): NodeMessage {
  const r = new ByteReader(bytes);
  const version = r.u8();
  invariant(version === FORMAT_VERSION, () => `node message version ${version} unknown`);
  const kind = r.u8();
  invariant(kind === KIND_RAFT, () => `node message kind ${kind} unknown`);
  const sentAtMs = r.u64();
  const groups: GroupMessages[] = [];
  for (let g = r.u32(); g > 0; g--) {
    const groupId = r.u32();
    const messages: Message[] = [];
    for (let n = r.u32(); n > 0; n--) messages.push(readRaft(r));
    groups.push({ groupId, messages });
  }
  const leaseAcks: LeaseAck[] = [];
  for (let n = r.u32(); n > 0; n--) {
    leaseAcks.push({ groupId: r.u32(), term: r.u64(), sentAtMs: r.u64() });
  }
  invariant(r.done(), () => `${r.remaining()} trailing bytes after a node message`);
  return { kind: 'raft', sentAtMs, groups, leaseAcks };
}

function writeRaft(w: ByteWriter, m: Message): void {
  w.u8(typeCode[m.type]);
  w.u64(m.from);
  w.u64(m.to);
  w.u64(m.term);
  switch (m.type) {
    case 'append':
      w.u64(m.index);
      w.u64(m.logTerm);
      w.u64(m.commit);
      w.u32(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      break;
    case 'appendResponse':
      w.u64(m.index);
      w.bool(m.reject);
      w.u64(m.rejectHint);
      w.u64(m.logTerm);
      break;
    case 'heartbeat':
      w.u64(m.commit);
      w.u64(m.readSeq);
      break;
    case 'heartbeatResponse':
      w.u64(m.readSeq);
      break;
    case 'vote':
      w.bool(m.preVote);
      w.bool(m.transfer);
      w.u64(m.index);
      w.u64(m.logTerm);
      break;
    case 'voteResponse':
      w.bool(m.preVote);
      w.bool(m.reject);
      break;
    case 'snapshot':
      writeSnapshot(w, m.snapshot);
      break;
    case 'transferLeader':
      w.u64(m.transferee);
      break;
    case 'timeoutNow':
      break;
  }
}

function readRaft(r: ByteReader): Message {
  const type = r.u8();
  const from = r.u64();
  const to = r.u64();
  const term = r.u64();
  const env = { from, to, term };
  switch (type) {
    case typeCode.append: {
      const index = r.u64();
      const logTerm = r.u64();
      const commit = r.u64();
      const entries: Entry[] = [];
      for (let n = r.u32(); n > 0; n--) entries.push(readEntry(r));
      return { type: 'append', ...env, index, logTerm, entries, commit };
    }
    case typeCode.appendResponse:
      return {
        type: 'appendResponse',
        ...env,
        index: r.u64(),
        reject: r.bool(),
        rejectHint: r.u64(),
        logTerm: r.u64(),
      };
    case typeCode.heartbeat:
      return { type: 'heartbeat', ...env, commit: r.u64(), readSeq: r.u64() };
    case typeCode.heartbeatResponse:
      return { type: 'heartbeatResponse', ...env, readSeq: r.u64() };
    case typeCode.vote:
      return {
        type: 'vote',
        ...env,
        preVote: r.bool(),
        transfer: r.bool(),
        index: r.u64(),
        logTerm: r.u64(),
      };
    case typeCode.voteResponse:
      return { type: 'voteResponse', ...env, preVote: r.bool(), reject: r.bool() };
    case typeCode.snapshot:
      return { type: 'snapshot', ...env, snapshot: readSnapshot(r) };
    case typeCode.transferLeader:
      return { type: 'transferLeader', ...env, transferee: r.u64() };
    case typeCode.timeoutNow:
      return { type: 'timeoutNow', ...env };
    default:
      throw new ClusterInvariantError(`unknown raft message type ${type}`);
  }
}

function writeEntry(w: ByteWriter, e: Entry): void {
  w.u64(e.index);
  w.u64(e.term);
  w.u8(e.type === 'normal' ? 0 : 1);
  w.bytes(e.data);
}

function readEntry(r: ByteReader): Entry {
  const index = r.u64();
  const term = r.u64();
  const type = r.u8();
  invariant(type === 0 || type === 1, () => `unknown entry type ${type}`);
  return { index, term, type: type === 0 ? 'normal' : 'confChange', data: r.bytes() };
}

function writeSnapshot(w: ByteWriter, s: Snapshot): void {
  w.u64(s.metadata.index);
  w.u64(s.metadata.term);
  const cs = s.metadata.confState;
  for (const ids of [cs.voters, cs.loggers, cs.learners]) {
    w.u32(ids.length);
    for (const id of ids) w.u64(id);
  }
  w.bytes(s.data);
}

function readSnapshot(r: ByteReader): Snapshot {
  const index = r.u64();
  const term = r.u64();
  const ids = () => {
    const out: number[] = [];
    for (let n = r.u32(); n > 0; n--) out.push(r.u64());
    return out;
  };
  const confState: ConfState = { voters: ids(), loggers: ids(), learners: ids() };
  return { metadata: { index, term, confState }, data: r.bytes() };
}
