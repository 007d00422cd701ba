import type { Clock, TimerHandle } from '../runtime/clock';
import type { Rng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import { decodeControlSnapshot, encodeControlCommand } from './control-codec';
import type {
  ControlAnswer,
  ControlErrorCode,
  ControlMessage,
  ControlOperation,
  NodePositions,
  ReplicaPosition,
} from './control-protocol';
import type {
  ControlCommand,
  ControlResult,
  ControlSnapshot,
  RegisteredNode,
} from './control-state';

export interface ControlClientOptions {
  /** How long one attempt waits for an answer (default 1 000 ms). */
  readonly attemptTimeoutMs?: number;
  /** How long a call keeps trying across members before it fails (default 10 000 ms). */
  readonly callTimeoutMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export interface ControlClientDeps {
  readonly transport: Transport<ControlMessage>;
  readonly clock: Clock;
  readonly rng: Rng;
  /** The control-plane members. */
  readonly members: readonly NodeId[];
  readonly options?: ControlClientOptions;
}

/** A call that found no serving leader in time (`ambiguous` when a command may have applied). */
export class ControlCallError extends Error {
  override readonly name = 'ControlCallError';
  constructor(
    readonly kind: 'failed' | 'ambiguous',
    readonly lastCode: ControlErrorCode | 'TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

type Outcome = Extract<ControlMessage, { kind: 'controlResponse' }>['outcome'];

interface PendingAttempt {
  readonly resolve: (outcome: Outcome | undefined) => void;
  /** When the attempt times out: sent at + attemptTimeoutMs, on the injected clock. */
  readonly deadlineMs: number;
}

interface TimestampWaiter {
  readonly resolve: (ts: number) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The client side of the control protocol: finds the leader (NOT_LEADER hints, then the other
 * members in turn), retries with jittered backoff until `callTimeoutMs`, and batches
 * timestamp requests the way PD's client does — calls that arrive while a request is in
 * flight wait and go together in the next one. That keeps the TSO's guarantee: the request
 * carrying a call is sent after the call began, so its timestamp is above everything handed
 * out before the call.
 */
export class ControlClient {
  private nextRequestId = 1;
  /**
   * Attempts waiting for an answer, in send order. The timeout is one constant and the clock
   * does not go back, so deadlines never decrease along the map: the first is the next due.
   */
  private readonly pending = new Map<number, PendingAttempt>();
  /**
   * The one timer of this client's attempts (a timer per attempt cost a timer-list insert and
   * removal on every timestamp and state call): armed for the earliest deadline while
   * anything is pending; it times out every due attempt and re-arms for the next.
   */
  private sweepTimer: TimerHandle | undefined;
  private leader: NodeId | undefined;
  private readonly attemptTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private waiting: TimestampWaiter[] = [];
  private fetching = false;
  private closed = false;

  constructor(private readonly deps: ControlClientDeps) {
    if (deps.members.length === 0) throw new RangeError('a control client needs members');
    const o = deps.options ?? {};
    this.attemptTimeoutMs = o.attemptTimeoutMs ?? 1_000;
    this.callTimeoutMs = o.callTimeoutMs ?? 10_000;
    this.backoffBaseMs = o.backoffBaseMs ?? 20;
    this.backoffMaxMs = o.backoffMaxMs ?? 500;
    deps.transport.onMessage((_from, message) => {
      if (message.kind !== 'controlResponse') return;
      const pending = this.pending.get(message.requestId);
      if (pending === undefined) return;
      this.pending.delete(message.requestId);
      pending.resolve(message.outcome);
    });
  }

  /** The member last seen leading (for status and tests). */
  get cachedLeader(): NodeId | undefined {
    return this.leader;
  }

  /** One timestamp, above every timestamp handed out before this call began. */
  timestamp(): Promise<number> {
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.fetching) void this.fetchTimestamps();
    });
  }

  /**
   * Says the node is alive (registering it on first contact), with its replica positions and
   * its busy time (ms since it started).
   */
  async heartbeat(
    nodeId: NodeId,
    zone: string,
    address: string,
    replicas?: readonly ReplicaPosition[],
    busyMs?: number,
  ): Promise<RegisteredNode> {
    const answer = await this.call(
      {
        op: 'heartbeat',
        nodeId,
        zone,
        address,
        ...(replicas === undefined ? {} : { replicas }),
        ...(busyMs === undefined ? {} : { busyMs }),
      },
      true,
    );
    return (answer as Extract<ControlAnswer, { op: 'heartbeat' }>).node;
  }

  /** Replicates a command on the leader. Not retried after an ambiguous attempt. */
  async command(command: ControlCommand): Promise<ControlResult> {
    const answer = await this.call(
      { op: 'command', command: encodeControlCommand(command) },
      false,
    );
    return (answer as Extract<ControlAnswer, { op: 'command' }>).result;
  }

  /** The leader's applied state, or undefined when it is still at `knownVersion`. */
  async state(knownVersion = -1): Promise<ControlSnapshot | undefined> {
    const answer = (await this.call({ op: 'state', knownVersion }, true)) as Extract<
      ControlAnswer,
      { op: 'state' }
    >;
    return answer.snapshot === undefined ? undefined : decodeControlSnapshot(answer.snapshot);
  }

  /** The replica positions the nodes last reported to the leader. */
  async positions(): Promise<readonly NodePositions[]> {
    const answer = await this.call({ op: 'positions' }, true);
    return (answer as Extract<ControlAnswer, { op: 'positions' }>).nodes;
  }

  /** Fails everything still waiting and leaves the network. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.transport.close();
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.resolve(undefined);
    }
    for (const w of this.waiting.splice(0)) w.reject(this.closedError());
  }

  private async fetchTimestamps(): Promise<void> {
    this.fetching = true;
    while (this.waiting.length > 0 && !this.closed) {
      const batch = this.waiting.splice(0, 10_000);
      try {
        const answer = (await this.call(
          { op: 'timestamps', count: batch.length },
          true,
        )) as Extract<ControlAnswer, { op: 'timestamps' }>;
        batch.forEach((w, i) => {
          w.resolve(answer.first + i);
        });
      } catch (error) {
        for (const w of batch) w.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.fetching = false;
  }

  private async call(body: ControlOperation, retrySafe: boolean): Promise<ControlAnswer> {
    const members = this.deps.members;
    const deadline = this.deps.clock.now() + this.callTimeoutMs;
    let target = this.leader ?? members[0] ?? 0;
    let lastCode: ControlErrorCode | 'TIMEOUT' = 'TIMEOUT';
    let ambiguous = false;
    const other = () => members[(members.indexOf(target) + 1) % members.length] ?? target;
    for (let attempt = 0; !this.closed; attempt++) {
      const outcome = await this.attempt(target, body);
      if (outcome?.ok === true) {
        this.leader = target;
        return outcome.answer;
      }
      const failure = outcome?.ok === false ? outcome.failure : undefined;
      lastCode = failure?.code ?? 'TIMEOUT';
      let backoff = true;
      switch (failure?.code) {
        case undefined:
          // No answer: that member may be down; a command may have applied.
          if (body.op === 'command') ambiguous = true;
          this.leader = undefined;
          target = other();
          break;
        case 'NOT_LEADER':
          if (failure.leaderHint !== 0 && failure.leaderHint !== target) {
            target = failure.leaderHint;
            backoff = false;
          } else {
            target = other();
          }
          this.leader = undefined;
          break;
        case 'PROPOSAL_TIMEOUT':
        case 'REPLICA_CLOSED':
          ambiguous = body.op === 'command';
          target = other();
          break;
        case 'BAD_REQUEST':
        case 'INVALID_COMMAND':
        case 'INTERNAL':
          throw new ControlCallError('failed', failure.code, failure.message);
        case 'NO_SUCH_REPLICA':
        case 'NOT_DATA_MEMBER':
        case 'REPLICA_EXISTS':
        case 'WRONG_SLICE':
          // Not control-plane answers: a misconfigured member list. Try the next one.
          target = other();
          break;
        case 'LEASE_UNAVAILABLE':
        case 'BUSY':
        case 'UNAVAILABLE':
        case 'PROPOSAL_DROPPED':
        case 'PROPOSAL_OVERWRITTEN':
          // Leading but not serving yet, or the entry will never apply: try again there.
          break;
      }
      if (ambiguous && !retrySafe) break;
      const wait = backoff ? this.backoffMs(attempt) : 0;
      if (this.deps.clock.now() + wait >= deadline) break;
      if (wait > 0) await this.sleep(wait);
    }
    throw new ControlCallError(
      ambiguous ? 'ambiguous' : 'failed',
      lastCode,
      `control plane: ${body.op} failed (last: ${lastCode})`,
    );
  }

  private attempt(target: NodeId, body: ControlOperation): Promise<Outcome | undefined> {
    const requestId = this.nextRequestId++;
    const deadlineMs = this.deps.clock.now() + this.attemptTimeoutMs;
    return new Promise((resolve) => {
      this.pending.set(requestId, { resolve, deadlineMs });
      // Already armed means armed for an earlier (or the same) deadline.
      if (this.sweepTimer === undefined) this.armSweep(deadlineMs);
      this.deps.transport.send(target, { kind: 'controlRequest', requestId, body });
    });
  }

  private armSweep(atMs: number): void {
    const clock = this.deps.clock;
    this.sweepTimer = clock.setTimer(Math.max(0, atMs - clock.now()), () => {
      this.sweepTimer = undefined;
      this.sweep();
    });
  }

  /** Times out every attempt whose deadline has come (no answer: resolves undefined). */
  private sweep(): void {
    if (this.closed) return;
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
    const ceiling = Math.min(this.backoffBaseMs * 2 ** Math.min(attempt, 20), this.backoffMaxMs);
    return this.deps.rng.int(Math.floor(ceiling / 2), ceiling);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.deps.clock.setTimer(ms, resolve);
    });
  }

  private closedError(): ControlCallError {
    return new ControlCallError('failed', 'REPLICA_CLOSED', 'control client closed');
  }
}
