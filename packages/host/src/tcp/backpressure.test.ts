import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, sleep, waitFor } from '../test/harness';
import { msgpackCodec } from './codec';
import { FrameDecoder } from './frame-decoder';

type Msg = { seq: number; pad: Uint8Array };
const cluster = new Cluster<Msg>();
afterEach(() => cluster.closeAll());

describe('TcpTransport: backpressure', () => {
  it('stops writing into a full socket, bounds its queue, and resumes on drain', async () => {
    // A peer that accepts and then does not read: the kernel buffers fill, `write` says false.
    let peerSocket: Socket | undefined;
    const server = createServer((socket) => {
      socket.pause();
      peerSocket = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const a = await cluster.start(1, {
        peers: new Map([[2, { host: '127.0.0.1', port }]]),
        maxQueuedFrames: 20,
        socketHighWaterMarkBytes: 64 * 1024,
      });
      const pad = new Uint8Array(64 * 1024);
      let seq = 0;
      const link = () => a.stats().peers[0];
      // Send at a steady pace until the link has been backpressured with a full queue.
      while (!(link()?.backpressured === true && link()?.queuedFrames === 20)) {
        if (seq > 5_000) throw new Error('never backpressured');
        for (let i = 0; i < 10; i++) a.send(2, { seq: seq++, pad });
        await sleep(1);
      }
      for (let i = 0; i < 30; i++) a.send(2, { seq: seq++, pad });
      const lastSeq = seq - 1;
      expect(link()?.queuedFrames).toBe(20);
      expect(a.stats().queueDrops).toBeGreaterThanOrEqual(30);
      const written = a.stats().framesOut;

      // The peer starts reading: everything still queued flows, in order, newest last.
      const codec = msgpackCodec();
      const decoder = new FrameDecoder(1 << 20);
      const seqs: number[] = [];
      if (peerSocket === undefined) throw new Error('no connection');
      peerSocket.on('data', (chunk: Buffer) => {
        decoder.push(chunk, (payload) => {
          seqs.push((codec.decode(payload) as { message: Msg }).message.seq);
          return true;
        });
      });
      peerSocket.resume();
      await waitFor(() => seqs.at(-1) === lastSeq, 'the newest message');
      expect(a.stats().framesOut).toBe(written + 20);
      expect(seqs).toHaveLength(a.stats().framesOut);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? -1);
      expect(link()).toMatchObject({ backpressured: false, queuedFrames: 0 });
    } finally {
      peerSocket?.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });
});
