import type { Clock, NodeId, Rng } from '@tessera/cluster';
import { HostError } from '../errors';
import type { FrameCodec } from './codec';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** Looked up on every connection attempt, so a node that moved is found at its new address. */
export type PeerResolver = (peer: NodeId) => PeerAddress | undefined;

export interface TcpTransportOptions<M> {
  readonly self: NodeId;
  /** Address to listen on; default 127.0.0.1. Use 0.0.0.0 (or a LAN address) between hosts. */
  readonly host?: string;
  /** 0 (the default) picks an ephemeral port; `address()` tells which. */
  readonly port?: number;
  /** Where the other nodes listen. `setPeer` / `removePeer` change it later. */
  readonly peers?: ReadonlyMap<NodeId, PeerAddress> | PeerResolver;
  /** Backoff and connect-timeout timers, and batching (`defer`), go through this clock. */
  readonly clock: Clock;
  /** Reconnect jitter is drawn from this. */
  readonly rng: Rng;
  /** Default: `msgpackCodec()`. Both ends must use the same one. */
  readonly codec?: FrameCodec;
  /**
   * Checks a decoded message before it reaches the handler; a message that fails is treated
   * like an undecodable frame (counted, connection closed). Default: accept any value.
   */
  readonly isMessage?: (message: unknown) => message is M;
  /** A length prefix above this closes the connection; larger sends are dropped. 64 MiB. */
  readonly maxFrameBytes?: number;
  /** Per-peer bound on frames waiting to be written (drop oldest beyond). 10 000. */
  readonly maxQueuedFrames?: number;
  /** Per-peer bound on bytes waiting to be written (drop oldest beyond). 64 MiB. */
  readonly maxQueuedBytes?: number;
  /** First reconnect delay; doubles per failed attempt, with jitter. 50 ms. */
  readonly reconnectBaseMs?: number;
  /** Ceiling of the reconnect delay. 5 000 ms. */
  readonly reconnectMaxMs?: number;
  /** An outbound connection not established by then is abandoned (a black-holed SYN). 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** TCP keep-alive probe delay on every connection. 10 000 ms. */
  readonly keepAliveMs?: number;
  /** Socket write buffer above which `write` reports backpressure. 1 MiB. */
  readonly socketHighWaterMarkBytes?: number;
  /** Bound on accepted connections; more are refused by the server. 1 024. */
  readonly maxInboundConnections?: number;
}

/** The numeric limits with their defaults applied. */
export interface TcpLimits {
  readonly maxFrameBytes: number;
  readonly maxQueuedFrames: number;
  readonly maxQueuedBytes: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly socketHighWaterMarkBytes: number;
  readonly maxInboundConnections: number;
}

const mebibyte = 1024 * 1024;

export const defaultTcpLimits: TcpLimits = {
  maxFrameBytes: 64 * mebibyte,
  maxQueuedFrames: 10_000,
  maxQueuedBytes: 64 * mebibyte,
  reconnectBaseMs: 50,
  reconnectMaxMs: 5_000,
  connectTimeoutMs: 5_000,
  keepAliveMs: 10_000,
  socketHighWaterMarkBytes: mebibyte,
  maxInboundConnections: 1_024,
};

/** Applies defaults and refuses nonsense (a zero queue, a base delay above the ceiling). */
export function resolveLimits(options: Partial<TcpLimits>): TcpLimits {
  const limits: TcpLimits = {
    maxFrameBytes: options.maxFrameBytes ?? defaultTcpLimits.maxFrameBytes,
    maxQueuedFrames: options.maxQueuedFrames ?? defaultTcpLimits.maxQueuedFrames,
    maxQueuedBytes: options.maxQueuedBytes ?? defaultTcpLimits.maxQueuedBytes,
    reconnectBaseMs: options.reconnectBaseMs ?? defaultTcpLimits.reconnectBaseMs,
    reconnectMaxMs: options.reconnectMaxMs ?? defaultTcpLimits.reconnectMaxMs,
    connectTimeoutMs: options.connectTimeoutMs ?? defaultTcpLimits.connectTimeoutMs,
    keepAliveMs: options.keepAliveMs ?? defaultTcpLimits.keepAliveMs,
    socketHighWaterMarkBytes:
      options.socketHighWaterMarkBytes ?? defaultTcpLimits.socketHighWaterMarkBytes,
    maxInboundConnections: options.maxInboundConnections ?? defaultTcpLimits.maxInboundConnections,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new HostError('BAD_OPTIONS', `TcpTransport: ${name} must be a positive integer`);
    }
  }
  if (limits.maxFrameBytes > 0xffff_ffff) {
    throw new HostError('BAD_OPTIONS', 'TcpTransport: maxFrameBytes must fit the u32 header');
  }
  if (limits.reconnectBaseMs > limits.reconnectMaxMs) {
    throw new HostError('BAD_OPTIONS', 'TcpTransport: reconnectBaseMs above reconnectMaxMs');
  }
  return limits;
}

/** Refuses an address no socket could connect to; a caller's mistake, so it throws. */
export function checkedPeerAddress(peer: number, address: PeerAddress): PeerAddress {
  const { host, port } = address;
  if (
    typeof host !== 'string' ||
    host.length === 0 ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 0xffff
  ) {
    throw new HostError(
      'BAD_OPTIONS',
      `TcpTransport: bad address for peer ${peer}: ${host}:${port}`,
    );
  }
  return { host, port };
}
