import type { Clock } from './clock';
import type { Rng } from './rng';

export type NodeId = number;

/**
 * Unreliable, unordered message passing between nodes: a message may be lost, delayed,
 * duplicated or reordered, and nothing tells the sender. Protocols above (Raft, the txn RPCs)
 * own retries and deduplication. Implementations: `MemoryNetwork` (the embedded default and
 * the simulator) and a TCP one in the host package.
 */
export interface Transport<M> {
  readonly self: NodeId;
  /** Fire and forget. Must not throw for an unknown or unreachable peer. */
  send(to: NodeId, message: M): void;
  /** One handler per transport; messages that arrive before it is set are dropped. */
  onMessage(handler: (from: NodeId, message: M) => void): void;
  close(): void;
}

/** What the network does to each message; all probabilities in [0, 1]. */
export interface FaultPolicy {
  readonly dropRate: number;
  readonly duplicateRate: number;
  /** One-way delay drawn uniformly from [min, max]; a wide range reorders messages. */
  readonly delayMsMin: number;
  readonly delayMsMax: number;
}

export const perfectNetwork: FaultPolicy = {
  dropRate: 0,
  duplicateRate: 0,
  delayMsMin: 0,
  delayMsMax: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export interface MemoryNetworkOptions<M> {
  readonly clock: Clock;
  /** Needed only when the policy has randomness in it. */
  readonly rng?: Rng;
  readonly faults?: FaultPolicy;
  /**
   * Copies a message on send so that sender and receiver never share objects (the simulator
   * passes structuredClone or an encode/decode round trip; the embedded default passes none).
   */
  readonly copy?: (message: M) => M;
  /** Bound on messages in flight; beyond it new ones are dropped (and counted). */
  readonly maxInFlight?: number;
}

/**
 * An in-process network of nodes. Delivery always goes through the clock, never synchronously
 * inside `send`, so a handler never re-enters its sender.
 */
export class MemoryNetwork<M> {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly handlers = new Map<NodeId, (from: NodeId, message: M) => void>();
  private readonly down = new Set<NodeId>();
  /** Node → partition label; nodes with different labels cannot talk. */
  private partitionOf = new Map<NodeId, number>();
  private faults: FaultPolicy;
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(private readonly options: MemoryNetworkOptions<M>) {
    this.faults = options.faults ?? perfectNetwork;
    this.maxInFlight = options.maxInFlight ?? 1_000_000;
    const f = this.faults;
    if ((f.dropRate > 0 || f.duplicateRate > 0 || f.delayMsMax > f.delayMsMin) && !options.rng) {
      throw new Error('MemoryNetwork: a random fault policy needs an rng');
    }
  }

  connect(self: NodeId): Transport<M> {
    if (this.handlers.has(self)) throw new Error(`MemoryNetwork: node ${self} already connected`);
    this.handlers.set(self, () => undefined);
    this.down.delete(self);
    return {
      self,
      send: (to, message) => {
        this.send(self, to, message);
      },
      onMessage: (handler) => {
        this.handlers.set(self, handler);
      },
      close: () => {
        this.handlers.delete(self);
      },
    };
  }

  setFaults(faults: FaultPolicy): void {
    if (!this.options.rng && faults !== perfectNetwork) {
      throw new Error('MemoryNetwork: a random fault policy needs an rng');
    }
    this.faults = faults;
  }

  /** A crashed node neither sends nor receives; messages in flight to it are lost. */
  setDown(node: NodeId, isDown: boolean): void {
    if (isDown) this.down.add(node);
    else this.down.delete(node);
  }

  /** Splits the nodes into groups that cannot reach each other; unlisted nodes form one more. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.partitionOf = new Map();
    groups.forEach((group, label) => {
      for (const node of group) this.partitionOf.set(node, label + 1);
    });
  }

  heal(): void {
    this.partitionOf = new Map();
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (this.down.has(from) || this.down.has(to)) return false;
    return (this.partitionOf.get(from) ?? 0) === (this.partitionOf.get(to) ?? 0);
  }

  private send(from: NodeId, to: NodeId, message: M): void {
    this.stats.sent++;
    const rng = this.options.rng;
    if (!this.canReach(from, to) || (rng !== undefined && rng.chance(this.faults.dropRate))) {
      this.stats.dropped++;
      return;
    }
    const copies = rng !== undefined && rng.chance(this.faults.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (this.inFlight >= this.maxInFlight) {
        this.stats.dropped++;
        continue;
      }
      const payload = this.options.copy ? this.options.copy(message) : message;
      const { delayMsMin, delayMsMax } = this.faults;
      const delay =
        rng !== undefined && delayMsMax > delayMsMin ? rng.int(delayMsMin, delayMsMax) : delayMsMin;
      this.inFlight++;
      const deliver = () => {
        this.inFlight--;
        // Reachability is checked again on arrival: a partition or crash in between loses it.
        const handler = this.handlers.get(to);
        if (handler === undefined || !this.canReach(from, to)) {
          this.stats.dropped++;
          return;
        }
        this.stats.delivered++;
        handler(from, payload);
      };
      if (delay === 0) this.options.clock.defer(deliver);
      else this.options.clock.setTimer(delay, deliver);
    }
  }
}
