import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Clock, NodeId, Transport } from '@tessera/cluster';
import { HostError } from '../errors';
import { msgpackCodec } from './codec';
import type { FrameCodec } from './codec';
import { frameHeaderBytes, isEnvelope, writeFrameHeader } from './frame';
import { serveInbound } from './inbound';
import { checkedPeerAddress, resolveLimits } from './options';
import type { PeerAddress, PeerResolver, TcpLimits, TcpTransportOptions } from './options';
import { PeerLink, untilClosed } from './peer-link';
import { zeroCounters } from './stats';
import type { TcpTransportStats } from './stats';

/**
 * `Transport<M>` over TCP between processes (loopback or a LAN). See README.md for the frame
 * format and the failure modes.
 *
 * - Outbound: one connection per peer, opened on the first send, re-opened with backoff; a
 *   bounded per-peer queue holds frames while it is down or backpressured (drop oldest).
 * - Inbound: every accepted connection is read frame by frame and each message goes to the
 *   single handler, in the order the connection carried it.
 * - `send` never throws for an unknown, unreachable or slow peer and never delivers
 *   synchronously; a send to `self` is delivered through `clock.defer` after an encode/decode
 *   round trip, like any other message.
 *
 * Not authenticated: `from` is whatever the peer wrote. Run it on a trusted network.
 */
export class TcpTransport<M> implements Transport<M> {
  readonly self: NodeId;
  private handler: ((from: NodeId, message: M) => void) | undefined;
  private readonly counters = zeroCounters();
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly addresses = new Map<NodeId, PeerAddress>();
  private readonly resolver: PeerResolver | undefined;
  private readonly inbound = new Set<Socket>();
  private readonly clock: Clock;
  private readonly codec: FrameCodec;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: TcpTransportOptions<M>,
    private readonly limits: TcpLimits,
    private readonly server: Server,
  ) {
    this.self = options.self;
    this.clock = options.clock;
    this.codec = options.codec ?? msgpackCodec();
    const peers = options.peers;
    if (typeof peers === 'function') {
      this.resolver = peers;
    } else {
      for (const [id, address] of peers ?? []) {
        this.addresses.set(id, checkedPeerAddress(id, address));
      }
    }
  }

  /** Binds the server and returns a running transport. Rejects with `LISTEN_FAILED`. */
  static async listen<M>(options: TcpTransportOptions<M>): Promise<TcpTransport<M>> {
    if (!Number.isSafeInteger(options.self)) {
      throw new HostError('BAD_OPTIONS', `TcpTransport: self ${options.self} is not an integer`);
    }
    const transport = new TcpTransport<M>(options, resolveLimits(options), createServer());
    await transport.start(options.host ?? '127.0.0.1', options.port ?? 0);
    return transport;
  }

  /** Where this transport listens (the port chosen when asked for 0). */
  address(): PeerAddress {
    const bound = this.server.address() as AddressInfo | null;
    if (bound === null) throw new HostError('CLOSED', 'TcpTransport: not listening');
    return { host: bound.address, port: bound.port };
  }

  onMessage(handler: (from: NodeId, message: M) => void): void {
    this.handler = handler;
  }

  send(to: NodeId, message: M): void {
    if (this.closing !== undefined) {
      this.counters.unroutableDrops++;
      return;
    }
    const link = to === this.self ? undefined : this.linkTo(to);
    if (to !== this.self && link === undefined) {
      this.counters.unroutableDrops++;
      return;
    }
    const frame = this.encodeFrame(message);
    if (frame === undefined) return;
    if (link === undefined) this.loopback(frame.subarray(frameHeaderBytes));
    else link.send(frame);
  }

  /** Adds a peer or moves it; a link to its old address is dropped, its queue kept. */
  setPeer(peer: NodeId, address: PeerAddress): void {
    this.addresses.set(peer, checkedPeerAddress(peer, address));
    this.links.get(peer)?.readdress();
  }

  /** Forgets a peer's address and closes its link, dropping what was queued for it. */
  removePeer(peer: NodeId): void {
    this.addresses.delete(peer);
    const link = this.links.get(peer);
    if (link === undefined) return;
    this.links.delete(peer);
    void link.close();
  }

  stats(): TcpTransportStats {
    return {
      ...this.counters,
      openInbound: this.inbound.size,
      peers: [...this.links.values()].map((link) => link.status()),
    };
  }

  /**
   * Stops listening, destroys every connection (frames not yet written are lost), cancels
   * every timer. Resolves when the server and all sockets have closed; never rejects, so a
   * caller holding it as `Transport<M>` may ignore the promise. Idempotent.
   */
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- see above: never rejects
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    const linksClosed = [...this.links.values()].map((link) => link.close());
    this.links.clear();
    const inboundClosed = untilClosed(this.inbound);
    for (const socket of this.inbound) socket.destroy();
    await Promise.all([serverClosed, inboundClosed, ...linksClosed]);
  }

  private start(host: string, port: number): Promise<void> {
    const server = this.server;
    server.maxConnections = this.limits.maxInboundConnections;
    server.on('connection', (socket) => {
      this.accept(socket);
    });
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(HostError.fromUnknown(error, 'LISTEN_FAILED'));
      };
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.off('error', onError);
        // After start-up a server error is an accept failure (EMFILE…): count it, keep serving.
        server.on('error', () => {
          this.counters.inboundErrors++;
        });
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    this.counters.accepted++;
    this.inbound.add(socket);
    socket.on('close', () => {
      this.inbound.delete(socket);
    });
    serveInbound<M>(socket, {
      codec: this.codec,
      limits: this.limits,
      counters: this.counters,
      isMessage: this.options.isMessage,
      deliver: (from, message) => this.deliver(from, message),
    });
  }

  private deliver(from: NodeId, message: M): boolean {
    if (this.closing !== undefined) return false;
    const handler = this.handler;
    if (handler === undefined) this.counters.noHandlerDrops++;
    else handler(from, message);
    return true;
  }

  /**
   * Header and payload in one buffer, or undefined (counted) when it exceeds `maxFrameBytes`.
   * A message the codec cannot encode is the caller's bug and throws `ENCODE_FAILED`.
   */
  private encodeFrame(message: M): Uint8Array | undefined {
    let frame: Uint8Array;
    try {
      frame = this.codec.encode({ from: this.self, message }, frameHeaderBytes);
    } catch (error) {
      throw HostError.fromUnknown(error, 'ENCODE_FAILED');
    }
    const payloadBytes = frame.length - frameHeaderBytes;
    if (payloadBytes > this.limits.maxFrameBytes) {
      this.counters.oversizeDrops++;
      return undefined;
    }
    writeFrameHeader(frame, payloadBytes);
    return frame;
  }

  /** A send to self: same copy semantics as the wire, delivered after the current task. */
  private loopback(payload: Uint8Array): void {
    const value = this.codec.decode(payload);
    const isMessage = this.options.isMessage;
    if (!isEnvelope(value) || (isMessage !== undefined && !isMessage(value.message))) {
      throw new Error('TcpTransport: the codec does not round-trip its own envelope');
    }
    const message = value.message as M;
    this.clock.defer(() => {
      this.counters.framesIn++;
      this.deliver(this.self, message);
    });
  }

  private linkTo(peer: NodeId): PeerLink | undefined {
    const existing = this.links.get(peer);
    if (existing !== undefined) return existing;
    if (this.resolveAddress(peer) === undefined) return undefined;
    const link = new PeerLink({
      peer,
      clock: this.clock,
      rng: this.options.rng,
      limits: this.limits,
      counters: this.counters,
      resolve: () => this.resolveAddress(peer),
    });
    this.links.set(peer, link);
    return link;
  }

  private resolveAddress(peer: NodeId): PeerAddress | undefined {
    return this.addresses.get(peer) ?? this.resolver?.(peer);
  }
}
