import { MemoryRaftStorage } from '@tessera/raft';
import type { ConfState, Entry, EntryType, Ready } from '@tessera/raft';
import type { RaftEntry, RaftLogStore, WriteBatch } from '@tessera/storage';
import { invariant } from './errors';
import type { ReplicaMember } from './replica-registry';

/**
 * How a replica's Raft state lives on disk and in memory.
 *
 * Choice: the engine (storage's RaftLogStore) is the durable copy; Raft reads a
 * MemoryRaftStorage mirror. Each cycle writes a Ready into the node's batch, and only after
 * the batch is durable does the mirror receive the same entries and hard state — exactly the
 * "durable, then visible through RaftStorage, then advance" order Raft requires. On restart
 * the mirror is rebuilt from the engine. Reading the mirror keeps Raft's hot path (appends to
 * followers, term lookups) free of engine reads and decoding.
 *
 * Cost: the whole log is held in memory; log compaction (snapshots) is not implemented yet.
 */
const entryTypeCode: Record<EntryType, number> = { normal: 0, confChange: 1 };

export function confStateOf(members: readonly ReplicaMember[]): ConfState {
  const ids = (role: ReplicaMember['role']) =>
    members.filter((m) => m.role === role).map((m) => m.nodeId);
  return { voters: ids('voter'), loggers: ids('logger'), learners: ids('learner') };
}

export function toStorageEntry(e: Entry): RaftEntry {
  return { index: e.index, term: e.term, type: entryTypeCode[e.type], data: e.data };
}

export function fromStorageEntry(e: RaftEntry): Entry {
  invariant(e.type === 0 || e.type === 1, () => `unknown raft entry type ${e.type}`);
  return {
    index: e.index,
    term: e.term,
    type: e.type === 0 ? 'normal' : 'confChange',
    data: e.data,
  };
}

/** Rebuilds a group's Raft view from what the engine holds durably. */
export function loadRaftStorage(
  log: RaftLogStore,
  groupId: number,
  confState: ConfState,
): MemoryRaftStorage {
  const start = log.logStart(groupId);
  invariant(start.index === 0, () => `group ${groupId}: compacted logs are not supported yet`);
  const storage = new MemoryRaftStorage(confState);
  const first = log.firstIndex(groupId);
  const last = log.lastIndex(groupId);
  if (last >= first) {
    const read = log.entries(groupId, first, last + 1);
    invariant(read.kind === 'ok', () => `group ${groupId}: log unreadable (${read.kind})`);
    storage.append(read.entries.map(fromStorageEntry));
  }
  storage.setHardState(log.hardState(groupId));
  return storage;
}

/** Step 1 of a Ready: its entries and hard state, into the node's batch (not yet durable). */
export function persistReady(
  batch: WriteBatch,
  log: RaftLogStore,
  groupId: number,
  ready: Ready,
): void {
  invariant(ready.snapshot === undefined, () => `group ${groupId}: snapshots not supported yet`);
  if (ready.entries.length > 0) log.append(batch, groupId, ready.entries.map(toStorageEntry));
  if (ready.hardState !== undefined) log.setHardState(batch, groupId, ready.hardState);
}

/** After the batch is durable: the same state becomes visible to Raft. */
export function mirrorReady(storage: MemoryRaftStorage, ready: Ready): void {
  storage.append(ready.entries);
  if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
}
