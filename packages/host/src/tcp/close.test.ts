import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Cluster, freePort, openTcpHandles, sleep, waitFor } from '../test/harness';

type Msg = { seq: number };

describe('TcpTransport: close', () => {
  it('closes the server, every socket and timer, and frees the port', async () => {
    const baseline = openTcpHandles();
    const cluster = new Cluster<Msg>();
    const [a, b, c] = await cluster.mesh([1, 2, 3]);
    if (a === undefined || b === undefined || c === undefined) throw new Error('mesh');
    const down = await freePort();
    a.setPeer(9, down); // a peer in backoff: its reconnect timer must be cancelled too
    for (const from of [a, b, c]) for (const to of [1, 2, 3, 9]) from.send(to, { seq: to });
    await waitFor(() => cluster.inbox(1).length === 3, 'traffic on every link');
    await waitFor(
      () => a.stats().peers.some((p) => p.peer === 9 && p.state === 'backoff'),
      'backoff',
    );
    expect(openTcpHandles()).toBeGreaterThan(baseline);

    const ports = [a, b, c].map((t) => t.address().port);
    await Promise.all([a.close(), b.close(), c.close()]);
    await a.close(); // idempotent
    await sleep(50);
    expect(openTcpHandles()).toBe(baseline);
    expect(a.stats().peers).toEqual([]);

    // Sends after close are dropped quietly.
    a.send(2, { seq: 99 });
    expect(a.stats().unroutableDrops).toBeGreaterThanOrEqual(1);

    // Every port can be bound again at once.
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('refuses to listen on a port in use, with a typed error', async () => {
    const cluster = new Cluster<Msg>();
    const a = await cluster.start(1);
    await expect(cluster.start(2, { port: a.address().port })).rejects.toMatchObject({
      name: 'HostError',
      code: 'LISTEN_FAILED',
    });
    await cluster.closeAll();
    await sleep(20); // libuv releases a closed handle on the next loop turn
  });

  it('refuses nonsensical limits', async () => {
    const cluster = new Cluster<Msg>();
    await expect(cluster.start(1, { maxQueuedFrames: 0 })).rejects.toMatchObject({
      code: 'BAD_OPTIONS',
    });
    await expect(
      cluster.start(1, { reconnectBaseMs: 500, reconnectMaxMs: 100 }),
    ).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await cluster.closeAll();
    await sleep(20);
    expect(openTcpHandles()).toBe(0); // the unbound servers left nothing behind
  });
});
