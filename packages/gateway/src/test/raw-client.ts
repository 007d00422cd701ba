/**
 * A minimal protocol client for what drivers cannot send: raw commands, garbage, truncated
 * handshakes. It logs in as the native account (no auth switch).
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

import { PayloadBuilder, PayloadReader } from '../protocol/buffer';
import { Capability } from '../protocol/constants';
import { PacketChannel } from '../protocol/framing';
import { PASSWORDS } from './toy-handler';

export const RAW_CAPABILITIES =
  Capability.PROTOCOL_41 |
  Capability.SECURE_CONNECTION |
  Capability.PLUGIN_AUTH |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.DEPRECATE_EOF;

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => {
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function nativeToken(password: string, scramble: Buffer): Buffer {
  const sha1 = (...parts: Buffer[]): Buffer => {
    const h = createHash('sha1');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const stage1 = sha1(Buffer.from(password));
  const mix = sha1(scramble, sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ (mix[i] ?? 0)));
}

export class RawClient {
  private constructor(
    readonly socket: Socket,
    readonly channel: PacketChannel,
    readonly connectionId: number,
  ) {}

  static async login(port: number, capabilities = RAW_CAPABILITIES): Promise<RawClient> {
    const socket = await openSocket(port);
    const channel = new PacketChannel(socket, 1 << 30);
    const greeting = new PayloadReader((await channel.read()).payload);
    greeting.int1();
    greeting.nulBytes();
    const connectionId = greeting.int4();
    const part1 = Buffer.from(greeting.bytes(8));
    greeting.skip(1 + 2 + 1 + 2 + 2 + 1 + 10);
    const part2 = Buffer.from(greeting.bytes(12));
    const token = nativeToken(PASSWORDS.native, Buffer.concat([part1, part2]));
    const response = new PayloadBuilder();
    response
      .int4(capabilities)
      .int4(1 << 24)
      .int1(255)
      .zeros(23);
    response.strNul('native').lenencBytes(token).strNul('mysql_native_password');
    await channel.send(response.view());
    const ok = (await channel.read()).payload;
    if (ok[0] !== 0) throw new Error(`login failed: ${ok.toString('latin1')}`);
    return new RawClient(socket, channel, connectionId);
  }

  /** Sends one command (sequence 0) and collects every packet of the answer until `until`. */
  async command(payload: Uint8Array, packets = 1): Promise<Buffer[]> {
    this.channel.seq = 0;
    await this.channel.send(payload);
    const out: Buffer[] = [];
    for (let i = 0; i < packets; i++) out.push((await this.channel.read()).payload);
    return out;
  }

  async send(payload: Uint8Array): Promise<void> {
    this.channel.seq = 0;
    await this.channel.send(payload);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function errorOf(payload: Buffer | undefined): {
  code: number;
  sqlState: string;
  message: string;
} {
  if (payload === undefined || payload[0] !== 0xff) {
    throw new Error(`not an ERR packet: ${payload?.toString('hex') ?? 'none'}`);
  }
  return {
    code: payload.readUInt16LE(1),
    sqlState: payload.subarray(4, 9).toString('latin1'),
    message: payload.subarray(9).toString('utf8'),
  };
}
