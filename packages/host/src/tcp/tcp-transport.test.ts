import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, sendUntil, waitFor } from '../test/harness';

type Msg =
  | { kind: 'seq'; seq: number }
  | { kind: 'blob'; data: Uint8Array; meta: { tag: string; sizes: number[] } }
  | { kind: 'nested'; tree: unknown };

const cluster = new Cluster<Msg>();
afterEach(() => cluster.closeAll());

describe('TcpTransport: exchange', () => {
  it('carries messages both ways between two transports', async () => {
    const [a, b] = await cluster.mesh([1, 2]);
    a?.send(2, { kind: 'seq', seq: 1 });
    b?.send(1, { kind: 'seq', seq: 2 });
    await waitFor(() => cluster.inbox(1).length === 1 && cluster.inbox(2).length === 1, 'both');
    expect(cluster.inbox(2)).toEqual([{ from: 1, message: { kind: 'seq', seq: 1 } }]);
    expect(cluster.inbox(1)).toEqual([{ from: 2, message: { kind: 'seq', seq: 2 } }]);
  });

  it('connects every pair of three transports, each way', async () => {
    const nodes = await cluster.mesh([1, 2, 3]);
    for (const from of nodes) {
      for (const to of nodes) if (from !== to) from.send(to.self, { kind: 'seq', seq: from.self });
    }
    await waitFor(() => [1, 2, 3].every((id) => cluster.inbox(id).length === 2), 'all pairs');
    for (const id of [1, 2, 3]) {
      const senders = cluster.inbox(id).map((m) => m.from);
      expect(senders.sort()).toEqual([1, 2, 3].filter((x) => x !== id));
      for (const { from, message } of cluster.inbox(id))
        expect(message).toEqual({ kind: 'seq', seq: from });
    }
    for (const node of nodes) expect(node.stats().connects).toBe(2);
  });

  it('keeps Uint8Array fields as Uint8Array and nested structures intact', async () => {
    const [a] = await cluster.mesh([1, 2]);
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const tree = { a: [1, [2, [3, { b: 'x'.repeat(300), c: null, d: false, e: -2.5 }]]], f: {} };
    a?.send(2, { kind: 'blob', data, meta: { tag: 'ü∑', sizes: [0, 2 ** 33, -1] } });
    a?.send(2, { kind: 'nested', tree });
    await waitFor(() => cluster.inbox(2).length === 2, 'two messages');
    const [blob, nested] = cluster.inbox(2).map((m) => m.message);
    expect(blob).toEqual({ kind: 'blob', data, meta: { tag: 'ü∑', sizes: [0, 2 ** 33, -1] } });
    if (blob?.kind !== 'blob') throw new Error('expected a blob');
    expect(blob.data).toBeInstanceOf(Uint8Array);
    expect(Object.getPrototypeOf(blob.data)).toBe(Uint8Array.prototype);
    expect(nested).toEqual({ kind: 'nested', tree });
  });

  it('carries 5 MB messages both ways', async () => {
    const [a, b] = await cluster.mesh([1, 2]);
    const big = (seed: number) => {
      const bytes = new Uint8Array(5 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i ^ seed) & 0xff;
      return bytes;
    };
    const ab = big(1);
    const ba = big(2);
    a?.send(2, { kind: 'blob', data: ab, meta: { tag: 'ab', sizes: [ab.length] } });
    b?.send(1, { kind: 'blob', data: ba, meta: { tag: 'ba', sizes: [ba.length] } });
    a?.send(2, { kind: 'seq', seq: 1 }); // a small one right behind the big one
    await waitFor(() => cluster.inbox(2).length === 2 && cluster.inbox(1).length === 1, 'big');
    const got = cluster.inbox(2)[0]?.message;
    if (got?.kind !== 'blob') throw new Error('expected the blob first');
    expect(Buffer.compare(got.data, ab)).toBe(0);
    expect(cluster.inbox(2)[1]?.message).toEqual({ kind: 'seq', seq: 1 });
    const back = cluster.inbox(1)[0]?.message;
    if (back?.kind !== 'blob') throw new Error('expected a blob');
    expect(Buffer.compare(back.data, ba)).toBe(0);
  });

  it('delivers 10k small messages per direction in send order', async () => {
    const [a, b] = await cluster.mesh([1, 2]);
    const n = 10_000;
    for (let seq = 0; seq < n; seq++) {
      a?.send(2, { kind: 'seq', seq });
      b?.send(1, { kind: 'seq', seq });
    }
    await waitFor(() => cluster.inbox(1).length === n && cluster.inbox(2).length === n, '10k');
    for (const id of [1, 2]) {
      const seqs = cluster.inbox(id).map((m) => (m.message.kind === 'seq' ? m.message.seq : -1));
      expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const stats = a?.stats();
    expect(stats?.framesOut).toBe(n);
    expect(stats?.framesIn).toBe(n);
    expect(stats?.queueDrops).toBe(0);
  });

  it('delivers a send to self after the current task, as a copy', async () => {
    const [a] = await cluster.mesh([1]);
    const data = new Uint8Array([1, 2, 3]);
    a?.send(1, { kind: 'blob', data, meta: { tag: 'self', sizes: [] } });
    expect(cluster.inbox(1)).toHaveLength(0); // never synchronously inside send
    data[0] = 99;
    await waitFor(() => cluster.inbox(1).length === 1, 'self send');
    const got = cluster.inbox(1)[0]?.message;
    expect(got?.kind === 'blob' ? [...got.data] : []).toEqual([1, 2, 3]);
  });

  it('drops (and counts) sends to unknown peers and oversize messages without throwing', async () => {
    const a = await cluster.start(1, { maxFrameBytes: 1024 });
    const b = await cluster.start(2);
    a.setPeer(2, b.address());
    a.send(42, { kind: 'seq', seq: 1 });
    a.send(2, { kind: 'blob', data: new Uint8Array(2048), meta: { tag: '', sizes: [] } });
    a.send(2, { kind: 'seq', seq: 2 });
    await waitFor(() => cluster.inbox(2).length === 1, 'the small message');
    expect(a.stats()).toMatchObject({ unroutableDrops: 1, oversizeDrops: 1, framesOut: 1 });
  });

  it('throws ENCODE_FAILED for a message the codec cannot encode (a caller bug)', async () => {
    const [a] = await cluster.mesh([1, 2]);
    const tooBig = { kind: 'nested', tree: 2n ** 70n } as const;
    expect(() => a?.send(2, tooBig)).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    a?.send(2, { kind: 'seq', seq: 1 }); // the transport is unharmed
    await waitFor(() => cluster.inbox(2).length === 1, 'the next message');
  });

  it('drops messages that arrive before a handler is set, and counts them', async () => {
    const a = await cluster.start(1);
    const b = await cluster.start(2, {}, false);
    a.setPeer(2, b.address());
    a.send(2, { kind: 'seq', seq: 1 });
    await waitFor(() => b.stats().noHandlerDrops === 1, 'the drop');
    const late: Msg[] = [];
    b.onMessage((_from, message) => late.push(message));
    a.send(2, { kind: 'seq', seq: 2 });
    await waitFor(() => late.length === 1, 'delivery once a handler is set');
    expect(late).toEqual([{ kind: 'seq', seq: 2 }]);
    expect(b.stats().framesIn).toBe(2);
  });

  it('rejects a message its isMessage guard refuses, as bad input', async () => {
    const isSeq = (m: unknown): m is Msg =>
      typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'seq';
    const strict = await cluster.start(2, { isMessage: isSeq });
    const a = await cluster.start(1);
    a.setPeer(2, strict.address());
    a.send(2, { kind: 'nested', tree: 1 });
    await waitFor(() => strict.stats().decodeErrors === 1, 'refusal');
    // The refusing side closed the connection; the sender reconnects on its next sends.
    await sendUntil(
      () => {
        a.send(2, { kind: 'seq', seq: 5 });
      },
      () => cluster.inbox(2).length > 0,
      'a good message after the bad one',
    );
    expect(cluster.inbox(2).every((m) => m.message.kind === 'seq')).toBe(true);
  });
});
