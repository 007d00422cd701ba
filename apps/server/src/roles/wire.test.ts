import type { KvMessage, NodeMessage } from '@tessera/cluster';
import { SeededRng } from '@tessera/cluster';
import type { FrameCodec } from '@tessera/host';
import { SystemClock, TcpTransport } from '@tessera/host';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeMessageCodec } from './node-frame-codec';

const open: TcpTransport<unknown>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Two transports on loopback ports; `b` receives. */
async function pair<M>(codec?: FrameCodec) {
  const clock = new SystemClock();
  const rng = new SeededRng(7);
  const b = await TcpTransport.listen<M>({
    self: 2,
    clock,
    rng: rng.fork(),
    ...(codec && { codec }),
  });
  const a = await TcpTransport.listen<M>({
    self: 1,
    clock,
    rng: rng.fork(),
    peers: new Map([[2, b.address()]]),
    ...(codec && { codec }),
  });
  open.push(a as TcpTransport<unknown>, b as TcpTransport<unknown>);
  const received: { from: number; message: M }[] = [];
  b.onMessage((from, message) => received.push({ from, message }));
  return { a, b, received };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('the data nodes wire formats', () => {
  it('NodeMessage crosses TCP through the cluster codec, bytes and all', async () => {
    const { a, received } = await pair<NodeMessage>(nodeMessageCodec());
    const message: NodeMessage = {
      kind: 'raft',
      sentAtMs: 1_795_000_000_000,
      groups: [
        {
          groupId: 3,
          messages: [
            {
              type: 'append',
              from: 1,
              to: 2,
              term: 4,
              index: 10,
              logTerm: 4,
              commit: 9,
              entries: [{ index: 11, term: 4, type: 'normal', data: Uint8Array.of(0, 1, 255) }],
            },
            { type: 'heartbeat', from: 1, to: 2, term: 4, commit: 11, readSeq: 0 },
          ],
        },
      ],
      leaseAcks: [{ groupId: 3, term: 4, sentAtMs: 1_795_000_000_001 }],
    };
    a.send(2, message);
    await until(() => received.length === 1);
    expect(received[0]).toEqual({ from: 1, message });
    const entry = received[0]?.message.groups[0]?.messages[0];
    expect(entry?.type === 'append' && entry.entries[0]?.data.constructor).toBe(Uint8Array);
  });

  it('the node codec refuses a frame too short to name its sender', () => {
    expect(() => nodeMessageCodec().decode(Uint8Array.of(0, 0))).toThrow(/shorter/);
    expect(() => nodeMessageCodec().encode({ from: -1, message: {} }, 4)).toThrow(/u32/);
  });

  it('KvMessage round-trips through the default msgpack codec: Uint8Array, undefined', async () => {
    const { a, received } = await pair<KvMessage>();
    const request: KvMessage = {
      kind: 'kvRequest',
      requestId: 17,
      groupId: 2,
      body: {
        op: 'propose',
        commands: [
          {
            kind: 'prewrite',
            key: Uint8Array.of(97, 0, 255),
            startTs: 2 ** 50 + 3,
            primary: Uint8Array.of(97),
            ttlMs: 3_000,
            txnSize: 2,
            op: 'put',
            value: new Uint8Array(0),
          },
        ],
      },
    };
    const scan: KvMessage = {
      kind: 'kvRequest',
      requestId: 18,
      groupId: 2,
      body: {
        op: 'scan',
        readTs: 5,
        startKey: undefined,
        endKey: Uint8Array.of(1),
        options: { limit: 10 },
      },
    };
    a.send(2, request);
    a.send(2, scan);
    await until(() => received.length === 2);
    expect(received.map((r) => r.message)).toEqual([request, scan]);
    const body = received[0]?.message.kind === 'kvRequest' ? received[0].message.body : undefined;
    const command = body?.op === 'propose' ? body.commands[0] : undefined;
    expect(command?.kind === 'prewrite' && command.key.constructor).toBe(Uint8Array);
    const second = received[1]?.message;
    expect(second?.kind === 'kvRequest' && 'startKey' in second.body).toBe(true);
  });
});
