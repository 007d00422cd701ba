import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import type { KvAnswers, KvErrorCode, KvFailure, KvMessage, KvOperation } from './kv-protocol';

export interface KvClientOptions {
  /** How long one attempt waits for an answer (default 2 000 ms). */
  readonly attemptTimeoutMs?: number;
  /**
   * The failover window (default 10 000 ms, vtgate's buffering window): while a group has no
   * reachable leader, a call keeps retrying until this long has passed since it started. No
   * new attempt starts after it; one already sent may still finish.
   */
  readonly failoverWindowMs?: number;
  /**
   * Bound on calls buffered at once — waiting out a leaderless group between attempts
   * (default 10 000). A call that would wait beyond it fails at once (`BUFFER_FULL`).
   */
  readonly maxBuffered?: number;
  /** An extra bound on attempts per call, across members (default: none, the window decides). */
  readonly maxAttempts?: number;
  /** Backoff before retrying the same member: base doubled per attempt, with jitter. */
  readonly backoffBaseMs?: number;
  /** The backoff's ceiling (default 500 ms): how late a call may notice a new leader. */
  readonly backoffMaxMs?: number;
  /** Bound on attempts waiting for an answer (default 100 000); beyond it: `BUFFER_FULL`. */
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
    readonly lastCode: KvErrorCode | 'TIMEOUT' | 'NO_MEMBERS' | 'BUFFER_FULL',
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
 * NOT_LEADER hints and caching it per group, and retries with jittered backoff (injected Rng
 * and Clock) while the failure says the operation did not happen.
 *
 * Transparent failover: a call whose group has no reachable leader — NOT_LEADER without a
 * usable hint, LEASE_UNAVAILABLE, NO_SUCH_REPLICA, timeouts, a dead connection — is buffered:
 * it keeps retrying across the members until `failoverWindowMs` has passed since it started,
 * so a leader election (about a second) is invisible to the caller. At most `maxBuffered`
 * calls wait this way; beyond that a call fails at once with `BUFFER_FULL` instead of
 * queueing without bound. Reads are always safe to retry; a proposal is re-sent after a
 * timeout only when the caller declares it idempotent, otherwise its call ends `ambiguous`.
 *
 *   call ─► attempt(leader?) ─ ok ─────────────────────────────► answer
 *              │ refused / no answer
 *              ├─ hint to a live leader ─► attempt(hint)            (no wait)
 *              ├─ INVALID_COMMAND / INTERNAL ─► failed              (never retried)
 *              ├─ WRONG_SLICE ─► failed (lastCode WRONG_SLICE: a split moved the key; the
 *              │                 caller refreshes its map and routes again)
 *              ├─ ambiguous and not idempotent ─► ambiguous
 *              └─ buffered: backoff, next member ─► attempt …  until the window ends
 *                                                               ─► failed | ambiguous
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
  /** Calls now waiting out a leaderless group (bounded by `maxBuffered`). */
  private bufferedCalls = 0;
  private readonly attemptTimeoutMs: number;
  private readonly failoverWindowMs: number;
  private readonly maxBuffered: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxPending: number;

  constructor(private readonly deps: KvClientDeps) {
    const o = deps.options ?? {};
    this.attemptTimeoutMs = o.attemptTimeoutMs ?? 2_000;
    this.failoverWindowMs = o.failoverWindowMs ?? 10_000;
    this.maxBuffered = o.maxBuffered ?? 10_000;
    this.maxAttempts = o.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.backoffBaseMs = o.backoffBaseMs ?? 20;
    this.backoffMaxMs = o.backoffMaxMs ?? 500;
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

  /** Calls now buffered, waiting for a leader (for status pages and tests). */
  get buffered(): number {
    return this.bufferedCalls;
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
    const clock = this.deps.clock;
    const windowEndMs = clock.now() + this.failoverWindowMs;
    let target = this.leaders.get(groupId) ?? members[0] ?? 0;
    let ambiguous = false;
    let buffered = false;
    let lastCode: KvErrorCode | 'TIMEOUT' | 'BUFFER_FULL' = 'TIMEOUT';
    // Redirects followed without a wait since the last backoff: hints that chase each other
    // (two members each naming the other during an election) must not spin without a pause.
    let redirects = 0;
    let attempts = 0;
    try {
      while (attempts < this.maxAttempts) {
        const outcome = await this.attempt(target, groupId, body);
        attempts++;
        if (outcome === 'full') {
          lastCode = 'BUFFER_FULL';
          break;
        }
        if (outcome?.ok === true) {
          this.leaders.set(groupId, target);
          return outcome.answer;
        }
        const failure: KvFailure | undefined = outcome?.ok === false ? outcome.failure : undefined;
        lastCode = failure?.code ?? 'TIMEOUT';
        const next = this.nextStep(groupId, target, members, failure, body.op === 'propose');
        if (next.ambiguous) ambiguous = true;
        if (next.stop || (ambiguous && !retrySafe)) break;
        const wait = next.backoff || ++redirects > members.length;
        target = next.target;
        if (!wait) continue;
        redirects = 0;
        const remainingMs = windowEndMs - clock.now();
        if (remainingMs <= 0) break;
        if (!buffered) {
          if (this.bufferedCalls >= this.maxBuffered) {
            lastCode = 'BUFFER_FULL';
            break;
          }
          buffered = true;
          this.bufferedCalls++;
        }
        await this.sleep(Math.min(this.backoffMs(attempts - 1), remainingMs));
        if (clock.now() >= windowEndMs) break;
      }
    } finally {
      if (buffered) this.bufferedCalls--;
    }
    throw new KvCallError(
      ambiguous ? 'ambiguous' : 'failed',
      lastCode,
      lastCode === 'BUFFER_FULL'
        ? `group ${groupId}: ${body.op} refused: the client's failover buffer is full ` +
            `(${this.maxBuffered} calls waiting for a leader, ${this.maxPending} attempts in flight)`
        : lastCode === 'WRONG_SLICE'
          ? `group ${groupId}: ${body.op} refused (WRONG_SLICE): a split moved the key or ` +
            `part of the range to another group; route by a newer slice map`
          : `group ${groupId}: ${body.op} found no leader in ${attempts} attempts within the ` +
            `${this.failoverWindowMs} ms failover window (last: ${lastCode})`,
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
      case 'WRONG_SLICE':
        // A split moved the key (or part of the scanned range) to another group: nothing
        // applied, and no member of this group will serve it. The caller re-routes.
        return { target, backoff: false, ambiguous: false, stop: true };
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
  ): Promise<Extract<KvMessage, { kind: 'kvResponse' }>['outcome'] | undefined | 'full'> {
    if (this.pending.size >= this.maxPending) return Promise.resolve('full');
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
