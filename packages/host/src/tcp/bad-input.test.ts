import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { SeededRng } from '@tessera/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, waitFor } from '../test/harness';
import { msgpackCodec } from './codec';
import { frameHeaderBytes, writeFrameHeader } from './frame';
import type { PeerAddress } from './options';

type Msg = { seq: number };
const cluster = new Cluster<Msg>();
afterEach(() => cluster.closeAll());

/** A raw client that writes `bytes`, optionally ends, and resolves when the server closes it. */
function rawClient(address: PeerAddress, bytes: Uint8Array, end: boolean): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host, () => {
      socket.write(bytes);
      if (end) socket.end();
    });
    socket.on('error', () => undefined); // a reset by the server is expected
    socket.on('close', () => {
      resolve(socket);
    });
  });
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(frameHeaderBytes + payload.length);
  writeFrameHeader(out, payload.length);
  out.set(payload, frameHeaderBytes);
  return out;
}

function encoded(value: unknown): Uint8Array {
  return msgpackCodec().encode(value, 0);
}

describe('TcpTransport: bad input from the network', () => {
  it('closes connections that send garbage, counts them, and keeps serving the others', async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const [a, b] = await cluster.mesh([1, 2]);
      if (a === undefined || b === undefined) throw new Error('mesh');
      const address = b.address();
      const rng = new SeededRng(99);
      const random = Uint8Array.from({ length: 4096 }, () => rng.int(0, 255));
      const cases: [string, Uint8Array, boolean][] = [
        ['huge length prefix', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 1, 2]), false],
        ['length above the 64 MiB limit', frame(new Uint8Array(0)).fill(0x05), false],
        ['zero-length frame', new Uint8Array([0, 0, 0, 0]), false],
        ['random bytes in a valid-length frame', frame(random), false],
        ['valid msgpack, not an envelope', frame(encoded([1, 2, 3])), false],
        ['envelope with a non-integer from', frame(encoded({ from: 'x', message: 1 })), false],
        [
          'msgpack with trailing bytes',
          frame(Uint8Array.from([...encoded({ from: 1, message: 2 }), 7])),
          false,
        ],
      ];
      for (const [name, bytes, end] of cases) {
        const closed = await rawClient(address, bytes, end);
        expect(closed.destroyed, name).toBe(true);
      }
      await waitFor(() => b.stats().decodeErrors === cases.length, 'every bad connection counted');

      // A truncated frame: a header for 1000 bytes, 10 bytes, then the client hangs up.
      const truncated = frame(new Uint8Array(1000)).subarray(0, frameHeaderBytes + 10);
      await rawClient(address, truncated, true);
      await waitFor(() => b.stats().truncatedFrames === 1, 'the truncated frame counted');

      // 50 random garbage streams, each on its own connection.
      for (let i = 0; i < 50; i++) {
        const junk = Uint8Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255));
        await rawClient(address, junk, true);
      }

      // The server still serves well-behaved peers, both ways.
      a.send(2, { seq: 1 });
      b.send(1, { seq: 2 });
      await waitFor(
        () => cluster.inbox(2).length === 1 && cluster.inbox(1).length === 1,
        'normal traffic after the garbage',
      );
      expect(cluster.inbox(2)).toEqual([{ from: 1, message: { seq: 1 } }]);
      expect(b.stats().decodeErrors).toBeGreaterThanOrEqual(cases.length);
      expect(b.stats().openInbound).toBe(1); // only a's connection is left
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
  });

  it('accepts a well-formed frame written one byte at a time by a raw client', async () => {
    const b = await cluster.start(2);
    const bytes = frame(encoded({ from: 9, message: { seq: 42 } }));
    const socket = connect(b.address().port, '127.0.0.1');
    await new Promise<void>((resolve) =>
      socket.once('connect', () => {
        resolve();
      }),
    );
    for (const byte of bytes) {
      socket.write(Uint8Array.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => cluster.inbox(2).length === 1, 'the frame');
    expect(cluster.inbox(2)).toEqual([{ from: 9, message: { seq: 42 } }]);
    socket.destroy();
  });
});
