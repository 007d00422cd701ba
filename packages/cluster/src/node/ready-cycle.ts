import { mayBeSentBeforePersist } from '@tessera/raft';
import type { Message, Ready } from '@tessera/raft';
import type { KvEngine, WriteBatch } from '@tessera/storage';
import type { Outbox } from './node-message';
import type { AppliedEntry, SliceReplica } from './slice-replica';
import type { NodeMetrics } from './status';

/** What one cycle needs from its node. */
export interface CycleHost {
  readonly engine: KvEngine;
  readonly outbox: Outbox;
  readonly metrics: NodeMetrics;
  /** Replicas with a Ready, at most the per-cycle bound, in a rotating (fair) order. */
  replicasWithReady(): SliceReplica[];
  /**
   * Node-level writes into the batch — new replicas' records and spaces (before any Ready of
   * theirs), removals — with callbacks to run once the batch is durable.
   */
  writeNodeChanges(batch: WriteBatch): (() => void)[];
  flushOutbox(): void;
  /** The node was closed (or crashed) meanwhile: drop the rest of the cycle. */
  isClosed(): boolean;
  /** A durability failure nobody awaited: the node must stop. */
  fail(error: unknown): void;
  /** Runs synchronous work counted into the node's busy time (`NodeMetrics.busyMs`). */
  busy<T>(work: () => T): T;
}

interface GroupWork {
  readonly replica: SliceReplica;
  readonly ready: Ready;
}

/**
 * One ready cycle for every group of the node (RFC 0002 "Data node"):
 *
 * ```
 *  take Ready of each group with work (≤ maxGroupsPerCycle)
 *        │
 *        ├─► if a write must be awaited: send leader appends/heartbeats/snapshots now
 *        │
 *        ├─► ONE WriteBatch: ∪ groups { received snapshot → log start + MVCC import,
 *        │                              log compaction (see SliceReplica),
 *        │                              log entries + hard state,
 *        │                              committed entries → MVCC + applied index }
 *        │   engine.commit(batch)  — visible at once
 *        │
 *        ├─► settle proposals of the applied entries (committed already: see settleApplied)
 *        │
 *        │   await durability if any mustSync
 *        │
 *        └─► mirror into Raft storage · send votes/acks · serve ReadIndex reads · advance
 * ```
 *
 * N groups × M proposals per cycle cost one durable commit (group commit). The caller (the
 * node) guarantees that cycles never overlap.
 */
export async function runReadyCycle(host: CycleHost): Promise<void> {
  const work: GroupWork[] = host
    .replicasWithReady()
    .map((replica) => ({ replica, ready: replica.takeReady() }));
  host.metrics.cycles++;
  host.metrics.readies += work.length;

  const batch = host.engine.newBatch();
  const afterDurable = host.writeNodeChanges(batch);
  const mustSync = afterDurable.length > 0 || work.some((w) => w.ready.mustSync);

  // Leader replication traffic leaves in parallel with our own write: the leader counts
  // itself toward commit only from advance(), after the write is durable. Without a write to
  // wait for, everything leaves together after commit() (one message per peer per cycle).
  const late: { groupId: number; message: Message }[] = [];
  for (const { replica, ready } of work) {
    // Snapshot messages get their data here (or are dropped): see SliceReplica.outgoing.
    for (const message of replica.outgoing(ready)) {
      if (message.type === 'snapshot') host.metrics.snapshotsSent++;
      if (mustSync && mayBeSentBeforePersist(message)) host.outbox.add(replica.groupId, message);
      else late.push({ groupId: replica.groupId, message });
    }
  }
  if (mustSync) host.flushOutbox();

  // Busy time: writing the Readies (log entries, committed entries applied to MVCC) and
  // settling their proposals — the node's write work; the engine's commit runs after it.
  const applied: AppliedEntry[][] = host.busy(() =>
    work.map(({ replica, ready }) => {
      if (ready.snapshot !== undefined) host.metrics.snapshotsInstalled++;
      return replica.writeReady(batch, ready);
    }),
  );
  let durable: Promise<void> | undefined;
  if (!batch.isEmpty) {
    durable = host.engine.commit(batch);
    host.metrics.engineCommits++;
  }
  // The applies are visible now. Their entries are committed on a persisted majority and
  // durable in our log, so their proposals' outcomes are final: settle them without waiting
  // for this batch's fsync (a crash loses at most the apply, replayed from the log on restart).
  host.busy(() => {
    work.forEach(({ replica }, i) => {
      const entries = applied[i] ?? [];
      host.metrics.entriesApplied += entries.length;
      replica.settleApplied(entries);
    });
  });
  if (durable !== undefined) {
    if (mustSync) {
      host.metrics.syncedCommits++;
      await durable;
    } else {
      // Only commit indexes and applies: losing them in a crash is safe (they are recomputed
      // from the log), and the engine keeps batches in order, so a later synced batch makes
      // this one durable too.
      durable.catch((error: unknown) => {
        host.fail(error);
      });
    }
  }
  if (host.isClosed()) return;

  for (const { groupId, message } of late) host.outbox.add(groupId, message);
  host.flushOutbox();
  for (const { replica, ready } of work) replica.finishReady(ready);
  for (const callback of afterDurable) callback();
}
