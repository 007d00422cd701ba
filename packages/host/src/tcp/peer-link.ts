import { Socket } from 'node:net';
import type { SocketConstructorOpts } from 'node:net';
import type { Clock, NodeId, Rng, TimerHandle } from '@tessera/cluster';
import { FrameQueue } from './frame-queue';
import type { PeerAddress, TcpLimits } from './options';
import type { PeerLinkState, PeerLinkStatus, TcpTransportCounters } from './stats';

export interface PeerLinkDeps {
  readonly peer: NodeId;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly limits: TcpLimits;
  readonly counters: TcpTransportCounters;
  /** Looked up on every connection attempt. */
  readonly resolve: () => PeerAddress | undefined;
}

/**
 * The one outbound connection to one peer, created on the first send and re-created with
 * exponential backoff and jitter after it fails. Frames keep their send order on the link:
 * once anything is queued, new frames queue behind it until the queue has been written.
 *
 * Writes within one event-loop turn are corked and flushed together in `clock.defer` (one
 * `writev` for a burst of small messages). When `socket.write` returns false the link stops
 * writing and queues until 'drain'. Frames written to a socket that then fails are lost: the
 * transport is unreliable by contract and the protocols above retry.
 */
export class PeerLink {
  private state: PeerLinkState = 'idle';
  private socket: Socket | undefined;
  private address: PeerAddress | undefined;
  private timer: TimerHandle | undefined;
  private failures = 0;
  /** `write` returned false; waiting for 'drain'. */
  private blocked = false;
  private corked = false;
  private readonly queue: FrameQueue;
  /** Sockets not yet closed, this one and any dropped one still shutting down. */
  private readonly liveSockets = new Set<Socket>();

  constructor(private readonly deps: PeerLinkDeps) {
    this.queue = new FrameQueue(deps.limits.maxQueuedFrames, deps.limits.maxQueuedBytes);
  }

  status(): PeerLinkStatus {
    return {
      peer: this.deps.peer,
      state: this.state,
      queuedFrames: this.queue.length,
      queuedBytes: this.queue.bytes,
      failures: this.failures,
      backpressured: this.blocked,
    };
  }

  /** Takes ownership of `frame` (header included) and sends it as soon as it can. */
  send(frame: Uint8Array): void {
    const counters = this.deps.counters;
    switch (this.state) {
      case 'closed':
        counters.unroutableDrops++;
        return;
      case 'connected':
        if (this.canWrite() && this.queue.length === 0) {
          this.write(frame);
          return;
        }
        break;
      case 'idle':
      case 'connecting':
      case 'backoff':
        break;
    }
    counters.queueDrops += this.queue.push(frame);
    if (this.state === 'idle') this.connect();
  }

  /**
   * The peer's address changed: drop the current connection (it goes to the old address) and
   * reconnect at once if anything is waiting. Queued frames are kept.
   */
  readdress(): void {
    if (this.state === 'closed') return;
    const next = this.deps.resolve();
    if (next !== undefined && this.address !== undefined && sameAddress(next, this.address)) return;
    this.dropSocket();
    this.cancelTimer();
    this.failures = 0;
    this.state = 'idle';
    if (this.queue.length > 0) this.connect();
  }

  /** Stops for good: cancels the timer, destroys the socket, drops what is queued. */
  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.cancelTimer();
      this.dropSocket();
      this.deps.counters.unroutableDrops += this.queue.clear();
    }
    return untilClosed(this.liveSockets);
  }

  private connect(): void {
    const address = this.deps.resolve();
    if (address === undefined) {
      // The peer was forgotten while frames waited for it.
      this.deps.counters.unroutableDrops += this.queue.clear();
      this.state = 'idle';
      return;
    }
    this.address = address;
    this.state = 'connecting';
    const { limits, clock } = this.deps;
    const socket = new Socket(socketOptions(limits.socketHighWaterMarkBytes));
    this.socket = socket;
    this.liveSockets.add(socket);
    this.wire(socket);
    this.timer = clock.setTimer(limits.connectTimeoutMs, () => {
      this.timer = undefined;
      if (this.socket === socket && this.state === 'connecting') {
        socket.destroy(new Error(`connect to ${address.host}:${address.port} timed out`));
      }
    });
    try {
      socket.connect(address.port, address.host);
    } catch (error) {
      // A resolver's bad address (port out of range) fails this attempt, never the sender.
      socket.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Options and event handlers of a new outbound socket; events of a dropped one are ignored. */
  private wire(socket: Socket): void {
    const limits = this.deps.limits;
    socket.setNoDelay(true); // without it a request/response pays Nagle + delayed ACK (~40 ms)
    socket.setKeepAlive(true, limits.keepAliveMs);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.cancelTimer();
      this.state = 'connected';
      this.failures = 0;
      this.deps.counters.connects++;
      this.flush();
    });
    socket.on('drain', () => {
      if (this.socket !== socket) return;
      this.blocked = false;
      this.flush();
    });
    // The peer never writes on our outbound connection; bytes here are a protocol error.
    socket.on('data', () => {
      this.deps.counters.connectionErrors++;
      socket.destroy();
    });
    socket.on('error', () => {
      this.deps.counters.connectionErrors++;
    });
    socket.on('close', () => {
      this.liveSockets.delete(socket);
      this.onSocketClose(socket);
    });
  }

  private onSocketClose(socket: Socket): void {
    if (this.socket !== socket) return; // a socket we already let go of
    this.socket = undefined;
    this.blocked = false;
    this.corked = false;
    this.cancelTimer();
    if (this.state === 'closed') return;
    if (this.state === 'connected' && this.queue.length === 0) {
      this.state = 'idle';
      return;
    }
    this.failures++;
    this.state = 'backoff';
    this.timer = this.deps.clock.setTimer(this.backoffMs(), () => {
      this.timer = undefined;
      if (this.state !== 'backoff') return;
      this.deps.counters.reconnectAttempts++;
      this.connect();
    });
  }

  /** "Equal jitter": half the exponential delay fixed, half drawn, so attempts never bunch. */
  private backoffMs(): number {
    const { reconnectBaseMs, reconnectMaxMs } = this.deps.limits;
    const exponent = Math.min(this.failures - 1, 30);
    const ceilingMs = Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** exponent);
    return this.deps.rng.int(Math.ceil(ceilingMs / 2), ceilingMs);
  }

  /**
   * Connected, not backpressured, and the socket not already failing (between a socket's
   * 'error' and its 'close' a write would be lost; the frame waits in the queue instead).
   */
  private canWrite(): boolean {
    return this.state === 'connected' && !this.blocked && this.socket?.writable === true;
  }

  private flush(): void {
    while (this.canWrite()) {
      const frame = this.queue.shift();
      if (frame === undefined) return;
      this.write(frame);
    }
  }

  private write(frame: Uint8Array): void {
    const socket = this.socket;
    if (socket === undefined) throw new Error('PeerLink: write without a socket');
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      this.deps.clock.defer(() => {
        if (this.socket !== socket || !this.corked) return;
        this.corked = false;
        socket.uncork();
      });
    }
    this.deps.counters.framesOut++;
    this.deps.counters.bytesOut += frame.length;
    if (!socket.write(frame)) this.blocked = true;
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.blocked = false;
    this.corked = false;
    socket?.destroy();
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** Resolves once every socket in `sockets` has emitted 'close'. */
export function untilClosed(sockets: Iterable<Socket>): Promise<void> {
  const waits = [...sockets].map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.closed) resolve();
        else
          socket.once('close', () => {
            resolve();
          });
      }),
  );
  return Promise.all(waits).then(() => undefined);
}

/** Node passes these on to the stream; @types/node does not list the write-side bound. */
function socketOptions(writableHighWaterMark: number): SocketConstructorOpts {
  const options: SocketConstructorOpts & { writableHighWaterMark: number } = {
    writableHighWaterMark,
  };
  return options;
}

function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.host === b.host && a.port === b.port;
}
