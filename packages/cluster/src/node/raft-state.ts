import { MemoryRaftStorage } from '@tessera/raft';
import type { ConfState, Entry, EntryType, Ready, Snapshot } from '@tessera/raft';
import type {
  ConfState as StorageConfState,
  RaftEntry,
  RaftLogStore,
  WriteBatch,
} from '@tessera/storage';
import { invariant } from './errors';
import type { ReplicaMember } from './replica-registry';

/** The mirror's snapshot never holds the space itself (see SnapshotSource). */
export const NO_SNAPSHOT_DATA = new Uint8Array(0);

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
 * Cost: the log since the last compaction is held in memory (see SliceReplica's
 * snapshot/compaction notes and README.md). The mirror's snapshot carries only metadata: its
 * `data` is filled in by the replica when a snapshot message leaves (see SnapshotSource).
 */
const entryTypeCode: Record<EntryType, number> = { normal: 0, confChange: 1 };

export function confStateOf(members: readonly ReplicaMember[]): ConfState {
  const ids = (role: ReplicaMember['role']) =>
    members.filter((m) => m.role === role).map((m) => m.nodeId);
  return { voters: ids('voter'), loggers: ids('logger'), learners: ids('learner') };
}

/** The inverse of confStateOf (voters, then loggers, then learners). */
export function membersOf(confState: ConfState): ReplicaMember[] {
  return [
    ...confState.voters.map((nodeId) => ({ nodeId, role: 'voter' as const })),
    ...confState.loggers.map((nodeId) => ({ nodeId, role: 'logger' as const })),
    ...confState.learners.map((nodeId) => ({ nodeId, role: 'learner' as const })),
  ];
}

/**
 * Storage's ConfState (etcd-shaped) has no loggers: it gets voters and learners only, for
 * information. The replica record holds the authoritative membership.
 */
function storageConfState(confState: ConfState): StorageConfState {
  return {
    voters: [...confState.voters],
    learners: [...confState.learners],
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
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

/**
 * Rebuilds a group's Raft view from what the engine holds durably. `confState` is the
 * membership as of the durable log start (the replica record's): after a compaction or a
 * snapshot install the mirror starts with a snapshot at the log start (metadata only).
 */
export function loadRaftStorage(
  log: RaftLogStore,
  groupId: number,
  confState: ConfState,
): MemoryRaftStorage {
  const storage = new MemoryRaftStorage(confState);
  const start = log.logStart(groupId);
  if (start.index > 0) {
    storage.applySnapshot({
      metadata: { index: start.index, term: start.term, confState },
      data: NO_SNAPSHOT_DATA,
    });
  }
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

/**
 * Step 1 of a Ready into the node's batch (not yet durable): a received snapshot's log
 * position (the whole log is replaced), then the entries and hard state. The snapshot's
 * state-machine part (MVCC import, replica record) is the replica's.
 */
export function persistReady(
  batch: WriteBatch,
  log: RaftLogStore,
  groupId: number,
  ready: Ready,
): void {
  const snapshot = ready.snapshot;
  if (snapshot !== undefined) {
    const { index, term, confState } = snapshot.metadata;
    log.applySnapshot(batch, groupId, { index, term, confState: storageConfState(confState) });
  }
  if (ready.entries.length > 0) log.append(batch, groupId, ready.entries.map(toStorageEntry));
  if (ready.hardState !== undefined) log.setHardState(batch, groupId, ready.hardState);
}

/** After the batch is durable: the same state becomes visible to Raft. */
export function mirrorReady(storage: MemoryRaftStorage, ready: Ready): void {
  if (ready.snapshot !== undefined) storage.applySnapshot(metadataOnly(ready.snapshot));
  storage.append(ready.entries);
  if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
}

function metadataOnly(snapshot: Snapshot): Snapshot {
  return { metadata: snapshot.metadata, data: NO_SNAPSHOT_DATA };
}

/**
 * Where a group founded by a split starts (TiKV's RAFT_INIT_LOG_INDEX): every founding member
 * holds the new space at this applied index, as if it had installed a snapshot here. Above
 * 0 on purpose: a member that joins with an empty log (index 0) cannot take entries from 1
 * on and must receive a snapshot, so it never misses the founding data.
 */
export const SPLIT_START = { index: 5, term: 5 } as const;

/**
 * The Raft state of a group founded by a split, written into the batch of the parent's split
 * apply (log start and hard state at SPLIT_START, the founding membership), and its mirror.
 */
export function foundSplitGroup(
  batch: WriteBatch,
  log: RaftLogStore,
  groupId: number,
  confState: ConfState,
): MemoryRaftStorage {
  const { index, term } = SPLIT_START;
  log.applySnapshot(batch, groupId, { index, term, confState: storageConfState(confState) });
  const storage = new MemoryRaftStorage(confState);
  storage.applySnapshot({ metadata: { index, term, confState }, data: NO_SNAPSHOT_DATA });
  storage.setHardState({ term, vote: 0, commit: index });
  return storage;
}
