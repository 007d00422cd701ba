import type { Clock } from './clock';
import type { NodeId, Transport } from './transport';

export interface LocalNetworkOptions<M> {
  /** Deferral when no `microtask` is given, and the fairness yield when one is. */
  readonly clock: Clock;
  /**
   * Host hook that runs a function once the current call stack is done, before the event loop
   * goes on (`queueMicrotask` in a Node host). Engine code names no host primitive: the host
   * passes it in. Without it every batch goes through `clock.defer` (one deferral per batch,
   * not per message), which keeps a simulator's clock in control of every delivery.
   */
  readonly microtask?: (fn: () => void) => void;
  /**
   * Messages delivered through `microtask` before the network yields once to the event loop
   * (its next batch goes through `clock.defer`), so a closed loop of requests and answers
   * cannot starve timers and I/O — Raft ticks and lease renewals among them. Default 1 024.
   */
  readonly microtaskBudget?: number;
  /**
   * Copies each message on send. By default nothing is copied: messages are handed over by
   * reference under the ownership contract in the class comment.
   */
  readonly copy?: (message: M) => M;
  /** Bound on queued messages; beyond it new ones are dropped (and counted). Default 1 000 000. */
  readonly maxQueued?: number;
}

export interface LocalNetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  /** Batches drained, through `microtask` and through `clock.defer`. */
  microtaskBatches: number;
  deferBatches: number;
}

interface Endpoint<M> {
  readonly self: NodeId;
  handler: ((from: NodeId, message: M) => void) | undefined;
  closed: boolean;
}

/**
 * The in-process transport of the embedded (single-process) mode: nodes and clients of one
 * process exchange messages through a queue drained in batches, with none of `MemoryNetwork`'s
 * fault machinery (use that one for the simulator).
 *
 * Guarantees, stronger than `Transport`'s:
 * - **never re-entrant**: `send` only queues; handlers run from a later microtask or deferral,
 *   never inside the sender's stack;
 * - **FIFO**: one queue for the whole network, delivered in send order, so messages of one
 *   sender (to any destination) arrive in the order sent;
 * - **batched**: one `microtask` (or one `clock.defer`) drains everything queued so far.
 *   Messages sent while a batch is being delivered go into the next batch, so one drain is
 *   bounded by what was queued when it started;
 * - **lossless** while both ends are open; nothing is duplicated or reordered.
 *
 * Endpoints and closing: the destination is resolved when the message is sent — a message to
 * a node that is not connected is dropped. `close()` stops delivery to the endpoint at once,
 * messages already queued for it included, and drops what it sends afterwards; messages it sent
 * before closing are still delivered. Connecting the same id again gives a new endpoint that
 * receives nothing queued for the old one.
 *
 * Isolation: without a `copy` option messages are passed by reference, which is safe under an
 * ownership contract the cluster's senders keep — a message, and every object and byte array
 * it references, must not be changed by the sender after `send` nor by the receiver. The
 * senders build a fresh message per send (`KvClient`, `KvService`, the data node's outbox);
 * byte arrays read out of an engine are copied before they leave a replica (`copy-out.ts`).
 * Callers that cannot promise that pass a `copy` function.
 */
export class LocalNetwork<M> {
  readonly stats: LocalNetworkStats = {
    sent: 0,
    delivered: 0,
    dropped: 0,
    microtaskBatches: 0,
    deferBatches: 0,
  };
  private readonly endpoints = new Map<NodeId, Endpoint<M>>();
  /** Flat triples (sender, destination endpoint, message), in send order. */
  private queue: unknown[] = [];
  /** The other queue array, reused so that a drain allocates nothing. */
  private spare: unknown[] = [];
  private scheduled = false;
  /** Messages delivered through microtasks since the event loop last ran a deferral of ours. */
  private spent = 0;
  /** A deferral that resets `spent` is pending (it marks the event loop having moved on). */
  private turnMarked = false;
  private readonly microtaskBudget: number;
  private readonly maxQueued: number;
  private readonly drainFn = (): void => {
    this.drain();
  };
  private readonly deferredDrainFn = (): void => {
    this.spent = 0;
    this.drain();
  };
  private readonly markTurnFn = (): void => {
    this.turnMarked = false;
    this.spent = 0;
  };

  constructor(private readonly options: LocalNetworkOptions<M>) {
    this.microtaskBudget = options.microtaskBudget ?? 1_024;
    this.maxQueued = options.maxQueued ?? 1_000_000;
    if (!(this.microtaskBudget >= 1)) {
      throw new RangeError(`LocalNetwork: bad microtaskBudget ${this.microtaskBudget}`);
    }
  }

  /** Messages queued and not yet delivered (or dropped). */
  get queued(): number {
    return this.queue.length / 3;
  }

  connect(self: NodeId): Transport<M> {
    const existing = this.endpoints.get(self);
    if (existing !== undefined && !existing.closed) {
      throw new Error(`LocalNetwork: node ${self} already connected`);
    }
    const endpoint: Endpoint<M> = { self, handler: undefined, closed: false };
    this.endpoints.set(self, endpoint);
    return {
      self,
      send: (to, message) => {
        this.send(endpoint, to, message);
      },
      onMessage: (handler) => {
        endpoint.handler = handler;
      },
      close: () => {
        if (endpoint.closed) return;
        endpoint.closed = true;
        endpoint.handler = undefined;
        if (this.endpoints.get(self) === endpoint) this.endpoints.delete(self);
      },
    };
  }

  private send(from: Endpoint<M>, to: NodeId, message: M): void {
    this.stats.sent++;
    const target = this.endpoints.get(to);
    if (from.closed || target === undefined || this.queue.length >= this.maxQueued * 3) {
      this.stats.dropped++;
      return;
    }
    const copy = this.options.copy;
    this.queue.push(from.self, target, copy === undefined ? message : copy(message));
    this.schedule();
  }

  /** Arranges one drain of everything queued, unless one is already on its way. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const microtask = this.options.microtask;
    if (microtask !== undefined && this.spent < this.microtaskBudget) {
      if (!this.turnMarked) {
        this.turnMarked = true;
        this.options.clock.defer(this.markTurnFn);
      }
      this.stats.microtaskBatches++;
      microtask(this.drainFn);
    } else {
      this.stats.deferBatches++;
      this.options.clock.defer(this.deferredDrainFn);
    }
  }

  private drain(): void {
    const batch = this.queue;
    this.queue = this.spare;
    this.scheduled = false;
    const n = batch.length;
    let next = 0;
    try {
      while (next < n) {
        const from = batch[next] as NodeId;
        const target = batch[next + 1] as Endpoint<M>;
        const message = batch[next + 2] as M;
        next += 3;
        const handler = target.handler;
        if (handler === undefined || target.closed) {
          this.stats.dropped++;
          continue;
        }
        // Counted before the call: what the handler sends is scheduled against the budget.
        this.stats.delivered++;
        this.spent++;
        handler(from, message);
      }
    } finally {
      // A throwing handler is its receiver's bug, and the error goes on up; the rest of the
      // batch is not lost: it is queued again, ahead of anything sent since.
      if (next < n) this.queue = batch.slice(next).concat(this.queue);
      batch.length = 0;
      this.spare = batch;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
