import { SeededRng } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import { msgpackCodec } from './codec';
import { frameHeaderBytes, writeFrameHeader } from './frame';
import { FrameDecoder } from './frame-decoder';
import type { DecodeOutcome } from './frame-decoder';
import { FrameQueue } from './frame-queue';

function frameOf(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(frameHeaderBytes + payload.length);
  writeFrameHeader(frame, payload.length);
  frame.set(payload, frameHeaderBytes);
  return frame;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds `stream` cut at `cuts` and returns the payloads and the last outcome. */
function feed(stream: Uint8Array, cuts: readonly number[], maxFrameBytes = 1 << 20) {
  const decoder = new FrameDecoder(maxFrameBytes);
  const payloads: number[][] = [];
  let outcome: DecodeOutcome = 'more';
  let from = 0;
  for (const to of [...cuts, stream.length]) {
    outcome = decoder.push(stream.subarray(from, to), (p) => {
      payloads.push([...p]);
      return true;
    });
    from = to;
    if (outcome !== 'more') break;
  }
  return { payloads, outcome, pending: decoder.pendingBytes };
}

describe('FrameDecoder', () => {
  const payloads = [[1], [2, 3], Array.from({ length: 300 }, (_, i) => i & 0xff), [9, 9, 9]];
  const stream = concat(payloads.map((p) => frameOf(Uint8Array.from(p))));

  it('splits many frames arriving in one chunk', () => {
    expect(feed(stream, [])).toEqual({ payloads, outcome: 'more', pending: 0 });
  });

  it('reassembles frames cut at every possible place, headers included', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(feed(stream, [cut]).payloads).toEqual(payloads);
    }
    const everyByte = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(feed(stream, everyByte).payloads).toEqual(payloads);
  });

  it('reassembles under random cuts', () => {
    const rng = new SeededRng(5);
    for (let round = 0; round < 200; round++) {
      const cuts = [...new Set(Array.from({ length: 6 }, () => rng.int(1, stream.length - 1)))];
      expect(
        feed(
          stream,
          cuts.sort((a, b) => a - b),
        ).payloads,
      ).toEqual(payloads);
    }
  });

  it('reports a partial frame as pending bytes', () => {
    expect(feed(stream.subarray(0, 3), []).pending).toBe(3); // half a header
    expect(feed(stream.subarray(0, 7), []).pending).toBe(2); // frame 1 out, half of 2's header
    expect(feed(stream.subarray(0, 10), []).pending).toBe(5); // 2's header and 1 byte of 2
  });

  it('refuses a length prefix above the limit before buffering its payload', () => {
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    expect(feed(huge, [], 1024).outcome).toBe('frame-too-large');
    expect(feed(concat([frameOf(new Uint8Array(1025))]), [2], 1024).outcome).toBe(
      'frame-too-large',
    );
    expect(feed(concat([frameOf(new Uint8Array(1024))]), [2], 1024).payloads).toHaveLength(1);
  });

  it('refuses an empty frame', () => {
    expect(feed(new Uint8Array([0, 0, 0, 0]), []).outcome).toBe('empty-frame');
  });

  it('stops when the consumer says so', () => {
    const decoder = new FrameDecoder(1024);
    let seen = 0;
    expect(decoder.push(stream, () => ++seen < 2)).toBe('stopped');
    expect(seen).toBe(2);
  });
});

describe('msgpackCodec', () => {
  it('round-trips nested objects and keeps binary fields plain Uint8Array, not aliased', () => {
    const codec = msgpackCodec();
    const value = {
      from: 7,
      message: {
        kind: 'append',
        entries: [{ term: 3, index: 2 ** 40, data: new Uint8Array([0, 1, 255]) }],
        empty: new Uint8Array(0),
        nested: { deep: [null, true, -1.5, 'ü'] },
      },
    };
    const frame = codec.encode(value, frameHeaderBytes);
    const payload = frame.subarray(frameHeaderBytes);
    const decoded = codec.decode(payload) as typeof value;
    expect(decoded).toEqual(value);
    const data = decoded.message.entries[0]?.data;
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype); // not a Buffer
    payload.fill(0); // the socket's buffer is reused: decoded bytes must not change
    expect([...(data ?? [])]).toEqual([0, 1, 255]);
  });

  it('leaves the requested headroom free at the start', () => {
    const codec = msgpackCodec();
    const plain = msgpackCodec().encode({ a: 1 }, 0);
    const framed = codec.encode({ a: 1 }, frameHeaderBytes);
    expect(framed.length).toBe(plain.length + frameHeaderBytes);
    expect([...framed.subarray(frameHeaderBytes)]).toEqual([...plain]);
  });
});

describe('FrameQueue', () => {
  const bytes = (n: number, tag: number) => new Uint8Array(n).fill(tag);

  it('drops the oldest frames beyond the frame bound, keeping order', () => {
    const queue = new FrameQueue(3, 1 << 20);
    let dropped = 0;
    for (let i = 0; i < 10; i++) dropped += queue.push(bytes(1, i));
    expect(dropped).toBe(7);
    expect([queue.shift()?.[0], queue.shift()?.[0], queue.shift()?.[0]]).toEqual([7, 8, 9]);
    expect(queue.shift()).toBeUndefined();
    expect(queue.bytes).toBe(0);
  });

  it('drops the oldest beyond the byte bound but always keeps the newest frame', () => {
    const queue = new FrameQueue(100, 10);
    expect(queue.push(bytes(4, 1))).toBe(0);
    expect(queue.push(bytes(4, 2))).toBe(0);
    expect(queue.push(bytes(4, 3))).toBe(1);
    expect(queue.bytes).toBe(8);
    expect(queue.push(bytes(50, 4))).toBe(2);
    expect(queue.length).toBe(1);
    expect(queue.bytes).toBe(50);
  });

  it('stays FIFO across its compaction', () => {
    const queue = new FrameQueue(10_000, 1 << 30);
    const out: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      queue.push(Uint8Array.of(i & 0xff));
      if (i % 3 === 0) out.push(queue.shift()?.[0] ?? -1);
    }
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) out.push(f[0] ?? -1);
    expect(out).toEqual(Array.from({ length: 5_000 }, (_, i) => i & 0xff));
  });
});
