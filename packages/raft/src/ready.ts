import type { Message } from './message';
import type { ReadState } from './read-index';
import type { Entry, HardState, Snapshot, SoftState } from './types';

/**
 * Everything the application must do for Raft before calling `advance(ready)`: a batch of
 * work handed out by `RawNode.ready()`. At most one Ready is outstanding at a time.
 *
 * ## The durability contract
 *
 * A member has *persisted* an entry only once the application has durably written it (fsync
 * or equivalent) and made it visible through RaftStorage. Raft counts a member toward the
 * commit quorum of an entry only after that member persisted it — and that includes the
 * leader itself: the leader's own vote for an entry counts only from the `advance` that
 * acknowledges the Ready carrying it. So an entry is committed (and a proposal may be
 * acknowledged to a client) only once a majority of voters ∪ loggers has it on disk.
 *
 * Process a Ready in this order:
 *
 * 1. Persist, durably and before anything below: `snapshot` (if any), then `entries` (which
 *    may overwrite an uncommitted tail of the log from `entries[0].index` on), then
 *    `hardState` (if any). Writing them in one atomic batch is simplest; if they are written
 *    separately, `hardState` must not be durable before the entries its `commit` refers to.
 *    Skipping the fsync is allowed only when `mustSync` is false.
 * 2. Send `messages`. They may leave only after step 1 is durable: votes and append
 *    acknowledgements in them promise that the state they describe survives a crash. The one
 *    exception (Raft thesis §10.2.1, as in etcd) is messages a leader sends to replicate —
 *    `append`, `heartbeat`, `snapshot`, see mayBeSentBeforePersist() — which may leave in
 *    parallel with the leader's own write, because the leader does not count itself until
 *    `advance` says its write is done.
 * 3. Apply `snapshot` (if any) to the state machine, then `committedEntries` in order.
 *    Entries of type `confChange` change membership; Raft applies them itself at `advance`,
 *    and the application reads the result from RawNode.confState().
 * 4. Call `advance(ready)`: Raft learns that steps 1 and 3 are done.
 *
 * Between `ready()` and `advance()` the application may keep calling `step`, `tick` and
 * `propose`; their effects come out in the next Ready.
 */
export interface Ready {
  /** Leader and role, present only when changed since the previous Ready. */
  readonly softState: SoftState | undefined;
  /** Term, vote and commit to persist, present only when changed. */
  readonly hardState: HardState | undefined;
  /** Entries to persist (append, replacing any existing entries from the first index on). */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader, to persist and restore from. */
  readonly snapshot: Snapshot | undefined;
  /**
   * Entries committed by a majority and already durable on this member, to apply in order.
   * After a restart, entries after the latest snapshot are handed out again: the application
   * skips those it had already applied (it knows its own applied index).
   */
  readonly committedEntries: readonly Entry[];
  /** Messages to send, under the ordering rule above. */
  readonly messages: readonly Message[];
  /**
   * Confirmed ReadIndex requests. Serve each read once the applied index reaches its index;
   * they need no persistence.
   */
  readonly readStates: readonly ReadState[];
  /** Whether step 1 needs an fsync (term, vote, entries or a snapshot changed). */
  readonly mustSync: boolean;
}
