import type { NodeId } from '@tessera/cluster';

/** Counters since `listen`. "Out" means handed to the socket, not received by the peer. */
export interface TcpTransportCounters {
  framesOut: number;
  bytesOut: number;
  framesIn: number;
  bytesIn: number;
  /** Oldest frames dropped because a peer's queue was full. */
  queueDrops: number;
  /** Sends to a peer with no known address, or after close. */
  unroutableDrops: number;
  /** Sends whose encoded frame exceeded `maxFrameBytes`. */
  oversizeDrops: number;
  /** Messages that arrived before `onMessage` set a handler. */
  noHandlerDrops: number;
  /** Outbound connections established (the first one to a peer included). */
  connects: number;
  /** Connection attempts made after a backoff (each is a reconnect). */
  reconnectAttempts: number;
  /** Outbound sockets that failed: refused, reset, timed out. */
  connectionErrors: number;
  /** Inbound connections accepted. */
  accepted: number;
  /** Inbound connections closed for a bad length prefix, an undecodable or invalid payload. */
  decodeErrors: number;
  /** Inbound connections that ended in the middle of a frame. */
  truncatedFrames: number;
  /** Inbound sockets that failed (reset by the peer) and server accept errors. */
  inboundErrors: number;
}

export interface PeerLinkStatus {
  readonly peer: NodeId;
  readonly state: PeerLinkState;
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  /** Consecutive failed connection attempts (0 once connected). */
  readonly failures: number;
  /** The socket's write buffer is full; frames queue until it drains. */
  readonly backpressured: boolean;
}

/**
 * An outbound link's life:
 * ```
 *                  send                  'connect'
 *   ┌──► idle ─────────────► connecting ──────────► connected ──┐
 *   │                          ▲     │ error, timeout           │ socket closed
 *   │                    timer │     ▼                          │
 *   │                          backoff ◄──── frames queued ─────┤
 *   └──────────────────────────────────────── queue empty ──────┘
 * ```
 * `closed` is terminal (the peer was removed or the transport closed).
 */
export type PeerLinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface TcpTransportStats extends Readonly<TcpTransportCounters> {
  readonly openInbound: number;
  readonly peers: readonly PeerLinkStatus[];
}

export function zeroCounters(): TcpTransportCounters {
  return {
    framesOut: 0,
    bytesOut: 0,
    framesIn: 0,
    bytesIn: 0,
    queueDrops: 0,
    unroutableDrops: 0,
    oversizeDrops: 0,
    noHandlerDrops: 0,
    connects: 0,
    reconnectAttempts: 0,
    connectionErrors: 0,
    accepted: 0,
    decodeErrors: 0,
    truncatedFrames: 0,
    inboundErrors: 0,
  };
}
