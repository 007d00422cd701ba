import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import type { KvAnswers, KvErrorCode, KvFailure, KvMessage, KvOperation } from './kv-protocol';

export interface KvClientOptions {
  /** How long one attempt waits for an answer (default 2 000 ms). */
  readonly attemptTimeoutMs?: number;
  /** Attempts per call, across members (default 8). */
  readonly maxAttempts?: number;
  /** Backoff before retrying the same member: base doubled per attempt, with jitter. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Bound on calls waiting for an answer (default 100 000). */
  readonly maxPending?: number;
}

export interface KvClientDeps {
  readonly transport: Transport<KvMessage>;
  readonly clock: Clock;
  readonly rng: Rng;
  /** The nodes that host a member of the group (from the slice map), in preference order. */
  readonly membersOf: (groupId: number) => readonly NodeId[];
  readonly options?: KvClientOptions;
}

/**
 * How a call ended without an answer:
 * - `failed`: the operation certainly did not take effect (e.g. no leader accepted it);
 * - `ambiguous`: a proposal was sent and its outcome is unknown (an attempt timed out, or a
 *   member dropped it after appending). The caller must find out from the data — for a
 *   transaction, from the primary's status — never by blindly re-proposing.
 */
export class KvCallError extends Error {
  override readonly name = 'KvCallError';
  constructor(
    readonly kind: 'failed' | 'ambiguous',
    readonly lastCode: KvErrorCode | 'TIMEOUT' | 'NO_MEMBERS',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly resolve: (
    outcome: Extract<KvMessage, { kind: 'kvResponse' }>['outcome'] | undefined,
  ) => void;
  /** When the attempt times out: sent at + attemptTimeoutMs, on the injected clock. */
  readonly deadlineMs: number;
}

/**
 * The client side of the KV protocol: sends each call to the group's leader, learning it from
 * NOT_LEADER hints and caching it per group, and retries — a bounded number of times, with
 * jittered backoff from the injected Rng — while the failure says the operation did not
 * happen. Reads are always safe to retry; a proposal is retried after a timeout only when the
 * caller declares it idempotent.
 */
export class KvClient {
  private nextRequestId = 1;
  /**
   * Attempts waiting for an answer, in send order. The clock never goes back and the timeout
   * is one constant, so deadlines never decrease along the map: the first entry is the next
   * to time out.
   */
  private readonly pending = new Map<number, Pending>();
  /**
   * The one timer of this client's attempts (instead of one per request): armed for the
   * earliest deadline while anything is pending, it times out every attempt that is due, in
   * send order, and re-arms for the next.
   */
  private sweepTimer: TimerHandle | undefined;
  private readonly leaders = new Map<number, NodeId>();
  private readonly attemptTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxPending: number;

  constructor(private readonly deps: KvClientDeps) {
    const o = deps.options ?? {};
    this.attemptTimeoutMs = o.attemptTimeoutMs ?? 2_000;
    this.maxAttempts = o.maxAttempts ?? 8;
    this.backoffBaseMs = o.backoffBaseMs ?? 20;
    this.backoffMaxMs = o.backoffMaxMs ?? 1_000;
    this.maxPending = o.maxPending ?? 100_000;
    deps.transport.onMessage((_from, message) => {
      if (message.kind !== 'kvResponse') return;
      const pending = this.pending.get(message.requestId);
      if (pending === undefined) return; // late, duplicate, or for an attempt that timed out
      this.pending.delete(message.requestId);
      if (this.pending.size === 0) this.disarmSweep();
      pending.resolve(message.outcome);
    });
  }

  /** The node last known to lead the group, if any (for status pages and routing tests). */
  cachedLeader(groupId: number): NodeId | undefined {
    return this.leaders.get(groupId);
  }

  get(groupId: number, readTs: number, key: Uint8Array): Promise<KvAnswers['get']> {
    return this.call(groupId, { op: 'get', readTs, key }, true) as Promise<KvAnswers['get']>;
  }

  scan(
    groupId: number,
    body: Omit<Extract<KvOperation, { op: 'scan' }>, 'op'>,
  ): Promise<KvAnswers['scan']> {
    return this.call(groupId, { op: 'scan', ...body }, true) as Promise<KvAnswers['scan']>;
  }

  /** The fate of txn `startTs` on its primary key, read on the group's leader. */
  txnStatus(
    groupId: number,
    primary: Uint8Array,
    startTs: number,
  ): Promise<KvAnswers['txnStatus']> {
    return this.call(groupId, { op: 'txnStatus', primary, startTs }, true) as Promise<
      KvAnswers['txnStatus']
    >;
  }

  /**
   * Replicates the commands on the group's leader. `idempotent` commands (prewrite, commit and
   * rollback of one transaction are) may be re-sent after an ambiguous attempt.
   */
  propose(
    groupId: number,
    commands: Extract<KvOperation, { op: 'propose' }>['commands'],
    idempotent: boolean,
  ): Promise<KvAnswers['propose']> {
    return this.call(groupId, { op: 'propose', commands }, idempotent) as Promise<
      KvAnswers['propose']
    >;
  }

  /** Fails every call still waiting (for shutdown). */
  close(): void {
    this.disarmSweep();
    for (const [id, pending] of this.pending) {
      pending.resolve(undefined);
      this.pending.delete(id);
    }
  }

  private async call(groupId: number, body: KvOperation, retrySafe: boolean): Promise<unknown> {
    const members = this.deps.membersOf(groupId);
    if (members.length === 0) {
      throw new KvCallError('failed', 'NO_MEMBERS', `group ${groupId} has no known members`);
    }
    let target = this.leaders.get(groupId) ?? members[0] ?? 0;
    let ambiguous = false;
    let lastCode: KvErrorCode | 'TIMEOUT' = 'TIMEOUT';
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const outcome = await this.attempt(target, groupId, body);
      if (outcome?.ok === true) {
        this.leaders.set(groupId, target);
        return outcome.answer;
      }
      const failure: KvFailure | undefined = outcome?.ok === false ? outcome.failure : undefined;
      lastCode = failure?.code ?? 'TIMEOUT';
      const next = this.nextStep(groupId, target, members, failure, body.op === 'propose');
      if (next.ambiguous) ambiguous = true;
      if (next.stop || (ambiguous && !retrySafe)) break;
      if (next.backoff) await this.sleep(this.backoffMs(attempt));
      target = next.target;
    }
    throw new KvCallError(
      ambiguous ? 'ambiguous' : 'failed',
      lastCode,
      `group ${groupId}: ${body.op} gave up after ${this.maxAttempts} attempts (last: ${lastCode})`,
    );
  }

  /** Decides where the next attempt goes, from what the last one said. */
  private nextStep(
    groupId: number,
    target: NodeId,
    members: readonly NodeId[],
    failure: KvFailure | undefined,
    isProposal: boolean,
  ): { target: NodeId; backoff: boolean; ambiguous: boolean; stop: boolean } {
    const otherMember = () => {
      const i = members.indexOf(target);
      return members[(i + 1) % members.length] ?? target;
    };
    if (failure === undefined) {
      // No answer: the node may be down or partitioned away. A proposal may have applied.
      this.leaders.delete(groupId);
      return { target: otherMember(), backoff: true, ambiguous: isProposal, stop: false };
    }
    switch (failure.code) {
      case 'NOT_LEADER':
        if (failure.leaderHint !== 0 && failure.leaderHint !== target) {
          this.leaders.set(groupId, failure.leaderHint);
          return { target: failure.leaderHint, backoff: false, ambiguous: false, stop: false };
        }
        this.leaders.delete(groupId);
        return { target: otherMember(), backoff: true, ambiguous: false, stop: false };
      case 'LEASE_UNAVAILABLE':
      case 'BUSY':
      case 'PROPOSAL_DROPPED':
        return { target, backoff: true, ambiguous: false, stop: false };
      case 'NO_SUCH_REPLICA':
      case 'NOT_DATA_MEMBER':
      case 'REPLICA_CLOSED':
        this.leaders.delete(groupId);
        return {
          target: otherMember(),
          backoff: true,
          ambiguous: isProposal && failure.code === 'REPLICA_CLOSED',
          stop: false,
        };
      case 'PROPOSAL_OVERWRITTEN':
        // Appended then replaced by a new leader: it will never apply, so a retry is safe.
        this.leaders.delete(groupId);
        return { target: otherMember(), backoff: true, ambiguous: false, stop: false };
      case 'PROPOSAL_TIMEOUT':
        return { target, backoff: true, ambiguous: true, stop: false };
      case 'INVALID_COMMAND':
      case 'REPLICA_EXISTS':
      case 'INTERNAL':
        return { target, backoff: false, ambiguous: false, stop: true };
    }
  }

  private attempt(
    target: NodeId,
    groupId: number,
    body: KvOperation,
  ): Promise<Extract<KvMessage, { kind: 'kvResponse' }>['outcome'] | undefined> {
    if (this.pending.size >= this.maxPending) return Promise.resolve(undefined);
    const requestId = this.nextRequestId++;
    const deadlineMs = this.deps.clock.now() + this.attemptTimeoutMs;
    return new Promise((resolve) => {
      this.pending.set(requestId, { resolve, deadlineMs });
      // Already armed means armed for an earlier (or the same) deadline.
      if (this.sweepTimer === undefined) this.armSweep(deadlineMs);
      this.deps.transport.send(target, { kind: 'kvRequest', requestId, groupId, body });
    });
  }

  private armSweep(atMs: number): void {
    const clock = this.deps.clock;
    this.sweepTimer = clock.setTimer(Math.max(0, atMs - clock.now()), () => {
      this.sweepTimer = undefined;
      this.sweep();
    });
  }

  private disarmSweep(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
  }

  /** Times out every attempt whose deadline has come (no answer: resolves undefined). */
  private sweep(): void {
    const now = this.deps.clock.now();
    for (const [requestId, pending] of this.pending) {
      if (pending.deadlineMs > now) {
        this.armSweep(pending.deadlineMs);
        return;
      }
      this.pending.delete(requestId);
      pending.resolve(undefined);
    }
  }

  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.backoffBaseMs * 2 ** attempt, this.backoffMaxMs);
    return this.deps.rng.int(Math.floor(ceiling / 2), ceiling);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.deps.clock.setTimer(ms, resolve);
    });
  }
}
