import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, freePort, sendUntil, sleep, waitFor } from '../test/harness';

type Msg = { seq: number };
const seqsOf = (inbox: { message: Msg }[]) => inbox.map((m) => m.message.seq);

const cluster = new Cluster<Msg>();
afterEach(() => cluster.closeAll());

describe('TcpTransport: peers that are down, late, restarted or moved', () => {
  it('queues for a peer that is not listening yet and delivers once it starts', async () => {
    const late = await freePort();
    const a = await cluster.start(1, { peers: new Map([[2, late]]) });
    for (let seq = 0; seq < 5; seq++) a.send(2, { seq });
    await waitFor(() => a.stats().reconnectAttempts >= 2, 'a few refused attempts');
    expect(a.stats().peers).toEqual([expect.objectContaining({ peer: 2, queuedFrames: 5 })]);
    expect(a.stats().connects).toBe(0);

    await cluster.start(2, { port: late.port });
    await waitFor(() => cluster.inbox(2).length === 5, 'the queued messages');
    expect(seqsOf(cluster.inbox(2))).toEqual([0, 1, 2, 3, 4]);
    expect(a.stats()).toMatchObject({ connects: 1, queueDrops: 0 });
    expect(a.stats().connectionErrors).toBeGreaterThanOrEqual(2);
    expect(a.stats().peers[0]).toMatchObject({ state: 'connected', queuedFrames: 0, failures: 0 });
  });

  it('bounds the queue for an absent peer: drops the oldest and counts them', async () => {
    const late = await freePort();
    const a = await cluster.start(1, { peers: new Map([[2, late]]), maxQueuedFrames: 10 });
    for (let seq = 0; seq < 25; seq++) a.send(2, { seq });
    expect(a.stats().queueDrops).toBe(15);
    await cluster.start(2, { port: late.port });
    await waitFor(() => cluster.inbox(2).length === 10, 'the newest ten');
    await sleep(30);
    expect(seqsOf(cluster.inbox(2))).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('reconnects to a peer that was killed and restarted on the same port', async () => {
    const [a, b] = await cluster.mesh([1, 2]);
    if (a === undefined || b === undefined) throw new Error('mesh');
    const port = b.address().port;
    a.send(2, { seq: 1 });
    await waitFor(() => cluster.inbox(2).length === 1, 'first life');

    await b.close();
    a.send(2, { seq: 2 }); // lost or queued: the peer is down
    await sleep(50);
    const b2 = await cluster.start(2, { port });
    expect(b2.address().port).toBe(port);
    await sendUntil(
      () => {
        a.send(2, { seq: 3 });
      },
      () => cluster.inbox(2).length > 0,
      'second life',
    );
    const before = cluster.inbox(2).length;
    for (let seq = 100; seq < 200; seq++) a.send(2, { seq });
    await waitFor(() => cluster.inbox(2).length === before + 100, 'all new messages');
    expect(seqsOf(cluster.inbox(2)).slice(before)).toEqual(
      Array.from({ length: 100 }, (_, i) => 100 + i),
    );
    expect(a.stats().connects).toBe(2);
  });

  it('keeps retrying with bounded, jittered backoff while the peer stays down', async () => {
    const down = await freePort();
    const a = await cluster.start(1, {
      peers: new Map([[2, down]]),
      reconnectBaseMs: 5,
      reconnectMaxMs: 40,
    });
    a.send(2, { seq: 1 });
    await sleep(400);
    const attempts = a.stats().reconnectAttempts;
    // Delays double from 5 ms up to the 40 ms ceiling (each drawn in [ceiling/2, ceiling]):
    // 400 ms allow ~12 to ~24 attempts (fewer on a loaded machine); far more would mean no
    // backoff at all.
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(60);
    expect(a.stats().peers[0]?.state).toMatch(/backoff|connecting/);
  });

  it('follows a peer that moved (setPeer) and forgets a removed one (removePeer)', async () => {
    const a = await cluster.start(1);
    const b = await cluster.start(2);
    a.setPeer(2, b.address());
    a.send(2, { seq: 1 });
    await waitFor(() => cluster.inbox(2).length === 1, 'old address');

    // Node 2 now answers at another port (played by a transport whose inbox is 3's).
    const moved = await cluster.start(3);
    a.setPeer(2, moved.address());
    a.send(2, { seq: 2 });
    await waitFor(() => cluster.inbox(3).length === 1, 'new address');
    expect(seqsOf(cluster.inbox(3))).toEqual([2]);

    a.removePeer(2);
    a.send(2, { seq: 3 });
    expect(a.stats().unroutableDrops).toBe(1);
    expect(a.stats().peers).toEqual([]);
  });

  it('refuses a bad address from setPeer, and survives one from a resolver', async () => {
    const a = await cluster.start(1, {
      peers: (id) => (id === 3 ? { host: '127.0.0.1', port: 70_000 } : undefined),
    });
    expect(() => {
      a.setPeer(2, { host: '127.0.0.1', port: 0 });
    }).toThrow(/bad address/);
    expect(() => {
      a.setPeer(2, { host: '', port: 1 });
    }).toThrow(/bad address/);
    a.send(3, { seq: 1 }); // the connect fails inside the link, not in send
    await waitFor(() => a.stats().connectionErrors >= 1, 'the failed attempt');
    expect(a.stats().peers[0]?.state).toMatch(/backoff|connecting/);
  });

  it('resolves addresses through a resolver function on every attempt', async () => {
    const b = await cluster.start(2);
    let target = await freePort();
    const a = await cluster.start(1, { peers: (id) => (id === 2 ? target : undefined) });
    a.send(2, { seq: 1 });
    await waitFor(() => a.stats().connectionErrors >= 1, 'a refused attempt');
    target = b.address(); // the directory learns where node 2 lives
    await waitFor(() => cluster.inbox(2).length === 1, 'delivery via the resolver');
  });
});
