import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SeededRng } from '@tessera/cluster';
import type { NodeId } from '@tessera/cluster';
import { SystemClock } from '../system-clock';
import type { PeerAddress, TcpTransportOptions } from '../tcp/options';
import { TcpTransport } from '../tcp/tcp-transport';

/** Real transports on 127.0.0.1 with ephemeral ports; `closeAll` in afterEach. */
export class Cluster<M> {
  readonly transports: TcpTransport<M>[] = [];
  readonly inboxes = new Map<NodeId, { from: NodeId; message: M }[]>();
  readonly clock = new SystemClock();

  async start(
    self: NodeId,
    overrides: Partial<TcpTransportOptions<M>> = {},
    withInbox = true,
  ): Promise<TcpTransport<M>> {
    const transport = await TcpTransport.listen<M>({
      self,
      clock: this.clock,
      rng: new SeededRng(1000 + self),
      reconnectBaseMs: 10,
      reconnectMaxMs: 100,
      ...overrides,
    });
    this.transports.push(transport);
    if (!withInbox) return transport;
    const inbox: { from: NodeId; message: M }[] = [];
    this.inboxes.set(self, inbox);
    transport.onMessage((from, message) => {
      inbox.push({ from, message });
    });
    return transport;
  }

  /** Starts `ids.length` transports and tells each where the others are. */
  async mesh(ids: readonly NodeId[]): Promise<TcpTransport<M>[]> {
    const started = await Promise.all(ids.map((id) => this.start(id)));
    for (const a of started) for (const b of started) if (a !== b) a.setPeer(b.self, b.address());
    return started;
  }

  inbox(id: NodeId): { from: NodeId; message: M }[] {
    const inbox = this.inboxes.get(id);
    if (inbox === undefined) throw new Error(`no inbox for ${id}`);
    return inbox;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.transports.splice(0).map((t) => t.close()));
  }
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 4_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Sends with `send()` every 10 ms until `condition` holds: for the moments after a peer went
 * away, when a message written on the dying connection is lost (as the contract allows).
 */
export async function sendUntil(
  send: () => void,
  condition: () => boolean,
  what: string,
  timeoutMs = 4_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    send();
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nobody listens on right now (bound once by the kernel, then released). */
export async function freePort(): Promise<PeerAddress> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return { host: '127.0.0.1', port };
}

/** Counts this process's open TCP handles (servers and sockets). */
export function openTcpHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;
}
