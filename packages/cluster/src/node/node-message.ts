import type { Message } from '@tessera/raft';
import type { NodeId } from '../runtime/transport';

/**
 * What data nodes send each other: the Raft messages of many groups for one destination node,
 * coalesced per ready cycle (so N groups' heartbeats to one peer cost one transport message),
 * plus the lease acknowledgements that let a leader serve local reads (see lease.ts).
 *
 * `sentAtMs` is the sender's clock at send time. It is only ever compared with the same
 * node's clock: a follower echoes it back in `leaseAcks`, unchanged.
 */
export interface NodeMessage {
  readonly kind: 'raft';
  readonly sentAtMs: number;
  readonly groups: readonly GroupMessages[];
  readonly leaseAcks: readonly LeaseAck[];
}

export interface GroupMessages {
  readonly groupId: number;
  readonly messages: readonly Message[];
}

/**
 * "In group `groupId` at `term`, I accepted you as leader on receiving a message you sent at
 * `sentAtMs` (your clock), and I refuse votes for an election timeout from then."
 */
export interface LeaseAck {
  readonly groupId: number;
  readonly term: number;
  readonly sentAtMs: number;
}

/**
 * Collects what one cycle sends, by destination node, then sends one NodeMessage per node.
 * Lease acks wait here for the next message to that node (followers answer every heartbeat,
 * so there always is one soon).
 */
export class Outbox {
  private readonly byNode = new Map<NodeId, Map<number, Message[]>>();
  private readonly acksByNode = new Map<NodeId, Map<number, LeaseAck>>();

  add(groupId: number, message: Message): void {
    let groups = this.byNode.get(message.to);
    if (groups === undefined) {
      groups = new Map();
      this.byNode.set(message.to, groups);
    }
    const list = groups.get(groupId);
    if (list === undefined) groups.set(groupId, [message]);
    else list.push(message);
  }

  /** Keeps the newest ack per (node, group): a later one implies the earlier. */
  addLeaseAck(to: NodeId, ack: LeaseAck): void {
    let acks = this.acksByNode.get(to);
    if (acks === undefined) {
      acks = new Map();
      this.acksByNode.set(to, acks);
    }
    const prev = acks.get(ack.groupId);
    if (
      prev === undefined ||
      ack.term > prev.term ||
      (ack.term === prev.term && ack.sentAtMs > prev.sentAtMs)
    ) {
      acks.set(ack.groupId, ack);
    }
  }

  /** Sends one message per destination with Raft messages; returns how many were sent. */
  flush(nowMs: number, send: (to: NodeId, message: NodeMessage) => void): number {
    let sent = 0;
    for (const [to, groups] of this.byNode) {
      const acks = this.acksByNode.get(to);
      this.acksByNode.delete(to);
      send(to, {
        kind: 'raft',
        sentAtMs: nowMs,
        groups: [...groups].map(([groupId, messages]) => ({ groupId, messages })),
        leaseAcks: acks === undefined ? [] : [...acks.values()],
      });
      sent++;
    }
    this.byNode.clear();
    return sent;
  }

  get isEmpty(): boolean {
    return this.byNode.size === 0;
  }
}
