/**
 * Packet framing over a byte stream.
 *
 *   ┌──────────── 3 bytes ───────────┬─ 1 byte ─┬──────── length bytes ────────┐
 *   │ payload length (little endian) │ sequence │ payload                      │
 *   └────────────────────────────────┴──────────┴──────────────────────────────┘
 *
 * A payload of 0xFFFFFF bytes or more is split into 0xFFFFFF-byte packets followed by a
 * shorter one (empty when the payload is an exact multiple); the reader reassembles them.
 *
 * Bounds: the reader holds at most one payload (checked against `maxPacketBytes` as soon as a
 * header announces it, before its bytes arrive) plus one socket chunk; while a complete packet
 * waits for its consumer the socket is paused, so a client that pipelines or floods is pushed
 * back by TCP rather than buffered.
 */
import type { Duplex } from 'node:stream';

import { MAX_PACKET_CHUNK } from './constants';
import { MysqlError, ProtocolError } from './errors';

export interface Packet {
  /** The sequence id of the packet's last chunk. */
  readonly seq: number;
  readonly payload: Buffer;
}

/** The peer closed the connection (or it failed); no more packets will come. */
export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}

interface Waiter {
  resolve(p: Packet): void;
  reject(e: Error): void;
}

export class PacketChannel {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private assembling: Buffer[] = [];
  private assemblingBytes = 0;
  private assemblingChunks = 0;
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  /** The sequence id of the next packet written. */
  seq = 0;

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.stream.pause();
      return;
    }
    let packet: Packet | undefined;
    try {
      packet = this.tryParse();
    } catch (e) {
      this.waiter = undefined;
      this.stream.pause();
      waiter.reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (packet !== undefined) {
      this.waiter = undefined;
      waiter.resolve(packet);
    }
  };
  private readonly onEnd = (): void => {
    this.fail(new ChannelClosedError('connection closed by peer'));
  };
  private readonly onError = (e: Error): void => {
    this.fail(new ChannelClosedError(`connection failed: ${e.message}`));
  };

  constructor(
    readonly stream: Duplex,
    private readonly maxPacketBytes: number,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
    stream.pause();
  }

  private fail(e: Error): void {
    if (this.failure === undefined) this.failure = e;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  /** The next complete payload. Rejects with ChannelClosedError or ProtocolError. */
  read(): Promise<Packet> {
    if (this.waiter !== undefined) throw new Error('one reader at a time');
    const packet = this.tryParse();
    if (packet !== undefined) return Promise.resolve(packet);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<Packet>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.stream.resume();
    });
  }

  private peekHeader(): { length: number; seq: number } | undefined {
    if (this.buffered < 4) return undefined;
    const head = this.take(4, false);
    return { length: head.readUIntLE(0, 3), seq: head.readUInt8(3) };
  }

  /** Copies (consume=false: peeks) the first n buffered bytes. */
  private take(n: number, consume: boolean): Buffer {
    let first = this.chunks[0];
    if (first === undefined) throw new Error('take from empty queue');
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (consume) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
    }
    return out;
  }

  private tryParse(): Packet | undefined {
    for (;;) {
      const header = this.peekHeader();
      if (header === undefined) return undefined;
      if (this.assemblingBytes + header.length > this.maxPacketBytes) {
        throw new ProtocolError(
          MysqlError.of(
            'ER_NET_PACKET_TOO_LARGE',
            "Got a packet bigger than 'max_allowed_packet' bytes",
          ),
        );
      }
      if (this.assemblingChunks > 0 && header.seq !== (this.seq & 0xff)) {
        throw new ProtocolError(
          MysqlError.of('ER_NET_PACKETS_OUT_OF_ORDER', 'Got packets out of order'),
        );
      }
      if (this.buffered < 4 + header.length) return undefined;
      this.take(4, true);
      const body =
        header.length === 0 ? Buffer.alloc(0) : Buffer.from(this.take(header.length, true));
      this.seq = (header.seq + 1) & 0xff;
      if (header.length === MAX_PACKET_CHUNK) {
        this.assembling.push(body);
        this.assemblingBytes += body.length;
        this.assemblingChunks++;
        continue;
      }
      let payload = body;
      if (this.assemblingChunks > 0) {
        this.assembling.push(body);
        payload = Buffer.concat(this.assembling, this.assemblingBytes + body.length);
        this.assembling = [];
        this.assemblingBytes = 0;
        this.assemblingChunks = 0;
      }
      return { seq: header.seq, payload };
    }
  }

  /** Queues one payload, split into chunks as needed, with the next sequence ids. */
  queue(payload: Uint8Array): void {
    let offset = 0;
    for (;;) {
      const length = Math.min(MAX_PACKET_CHUNK, payload.length - offset);
      const header = Buffer.allocUnsafe(4);
      header.writeUIntLE(length, 0, 3);
      header.writeUInt8(this.seq, 3);
      this.seq = (this.seq + 1) & 0xff;
      this.out.push(header, Buffer.from(payload.buffer, payload.byteOffset + offset, length));
      this.outBytes += 4 + length;
      offset += length;
      if (length < MAX_PACKET_CHUNK) return;
    }
  }

  /** Bytes queued and not yet flushed. */
  get queuedBytes(): number {
    return this.outBytes;
  }

  /** Writes what is queued; resolves once the socket can take more (backpressure). */
  async flush(): Promise<void> {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    if (out.length === 0 || this.stream.destroyed) return;
    const data = out.length === 1 ? out[0] : Buffer.concat(out);
    if (data === undefined) return;
    if (this.stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  async send(payload: Uint8Array): Promise<void> {
    this.queue(payload);
    await this.flush();
  }

  /**
   * Stops reading from the stream and hands back the bytes read but not consumed, so that the
   * stream can be handed to another reader (the TLS layer after an SSLRequest).
   */
  detach(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }
}
