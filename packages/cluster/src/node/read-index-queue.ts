import type { ReadState } from '@tessera/raft';
import type { TimerHandle } from '../runtime/clock';
import type { ReplicaError } from './errors';

export interface ReadWaiter {
  /** Runs the read against the applied state and settles its promise. */
  readonly serve: () => void;
  readonly fail: (error: ReplicaError) => void;
  readonly timer: TimerHandle;
}

/**
 * Reads that fell back to ReadIndex (Raft thesis §6.4) because the leader had no lease: each
 * waits for Raft to confirm, by a heartbeat round, that this member still led when the read
 * was registered (a ReadState carrying the commit index of that moment), then for the apply
 * to reach that index. Served then, a read reflects every write acknowledged before it began.
 * Bounded by the caller; a waiter leaves by being served, failing, or timing out.
 */
export class ReadIndexQueue {
  private nextId = 1;
  private readonly unconfirmed = new Map<number, ReadWaiter>();
  private readonly confirmed = new Map<number, { index: number; waiter: ReadWaiter }>();

  get size(): number {
    return this.unconfirmed.size + this.confirmed.size;
  }

  newRequestId(): number {
    return this.nextId++;
  }

  add(requestId: number, waiter: ReadWaiter): void {
    this.unconfirmed.set(requestId, waiter);
  }

  /** Removes a waiter (timeout); false if it already left. */
  remove(requestId: number): boolean {
    return this.unconfirmed.delete(requestId) || this.confirmed.delete(requestId);
  }

  /** ReadStates from a Ready: these reads now only wait for the apply. */
  confirm(readStates: readonly ReadState[]): void {
    for (const { requestId, index } of readStates) {
      const waiter = this.unconfirmed.get(requestId);
      if (waiter === undefined) continue; // timed out meanwhile
      this.unconfirmed.delete(requestId);
      this.confirmed.set(requestId, { index, waiter });
    }
  }

  /** Serves every confirmed read whose index the apply has reached. */
  release(appliedIndex: number): void {
    for (const [requestId, { index, waiter }] of this.confirmed) {
      if (index > appliedIndex) continue;
      this.confirmed.delete(requestId);
      waiter.timer.cancel();
      waiter.serve();
    }
  }

  failAll(error: ReplicaError): void {
    const waiters = [
      ...this.unconfirmed.values(),
      ...[...this.confirmed.values()].map((c) => c.waiter),
    ];
    this.unconfirmed.clear();
    this.confirmed.clear();
    for (const waiter of waiters) {
      waiter.timer.cancel();
      waiter.fail(error);
    }
  }
}
