import { describe, expect, it } from 'vitest';
import { SimClock } from '../runtime/clock';
import { SeededRng } from '../runtime/rng';
import type { NodeId, Transport } from '../runtime/transport';
import { KvCallError, KvClient } from './kv-client';
import type { KvMessage } from './kv-protocol';

type Request = Extract<KvMessage, { kind: 'kvRequest' }>;

/** A transport that records what the client sends and lets the test answer by hand. */
function harness(attemptTimeoutMs: number) {
  const clock = new SimClock(1_000);
  const sent: { to: NodeId; at: number; request: Request }[] = [];
  let deliver: (from: NodeId, message: KvMessage) => void = () => undefined;
  const transport: Transport<KvMessage> = {
    self: 100,
    send: (to, message) => {
      if (message.kind === 'kvRequest') sent.push({ to, at: clock.now(), request: message });
    },
    onMessage: (handler) => {
      deliver = handler;
    },
    close: () => undefined,
  };
  const client = new KvClient({
    transport,
    clock,
    rng: new SeededRng(1),
    membersOf: () => [1],
    // No backoff: a call fails the moment its one attempt times out.
    options: { attemptTimeoutMs, maxAttempts: 1, backoffBaseMs: 0, backoffMaxMs: 0 },
  });
  const answer = (request: Request) => {
    deliver(1, {
      kind: 'kvResponse',
      requestId: request.requestId,
      outcome: { ok: true, answer: { kind: 'none' } },
    });
  };
  return { clock, sent, client, answer };
}

/** Records when (on the sim clock) a call settled, and how. */
function watch<T>(clock: SimClock, call: Promise<T>) {
  const seen: { at?: number; value?: T; error?: unknown } = {};
  call.then(
    (value) => Object.assign(seen, { at: clock.now(), value }),
    (error: unknown) => Object.assign(seen, { at: clock.now(), error }),
  );
  return seen;
}

const settleMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

/** Runs the clock to `untilMs`, letting the client's promise continuations schedule more. */
async function advance(clock: SimClock, untilMs: number): Promise<void> {
  for (let i = 0; i < 4; i++) {
    clock.runUntil(untilMs);
    await settleMicrotasks();
  }
}

describe('KvClient attempt timeouts (one sweep timer per client)', () => {
  it('times out each attempt exactly at its own deadline, in send order', async () => {
    const { clock, sent, client, answer } = harness(500);
    const key = new Uint8Array([1]);
    const a = watch(clock, client.get(1, 10, key));
    await advance(clock, 1_100);
    const b = watch(clock, client.get(1, 10, key));
    await advance(clock, 1_200);
    const c = watch(clock, client.get(1, 10, key));
    const d = watch(clock, client.get(1, 10, key));
    await settleMicrotasks();
    expect(sent.map((s) => s.at)).toEqual([1_000, 1_100, 1_200, 1_200]);
    // b is answered; a, c and d are not.
    answer(sent[1]?.request ?? expect.unreachable());
    await settleMicrotasks();
    expect(b.value).toEqual({ kind: 'none' });
    expect(b.at).toBe(1_200);

    await advance(clock, 1_499);
    expect(a.at).toBeUndefined();
    await advance(clock, 1_500);
    expect(a.at).toBe(1_500);
    expect(a.error).toBeInstanceOf(KvCallError);
    expect(a.error).toMatchObject({ kind: 'failed', lastCode: 'TIMEOUT' });
    expect(c.at).toBeUndefined();

    // A late answer to a timed-out attempt is ignored.
    answer(sent[0]?.request ?? expect.unreachable());
    await advance(clock, 1_699);
    expect(c.at).toBeUndefined();
    await advance(clock, 1_700);
    expect([c.at, d.at]).toEqual([1_700, 1_700]);
    expect(d.error).toMatchObject({ kind: 'failed', lastCode: 'TIMEOUT' });
    // Nothing pending: no timer left behind.
    expect(clock.peekMs()).toBeUndefined();
  });

  it('leaves no timer once every attempt is answered, and close() settles the rest', async () => {
    const { clock, sent, client, answer } = harness(2_000);
    const key = new Uint8Array([1]);
    const a = watch(clock, client.get(1, 10, key));
    await settleMicrotasks();
    answer(sent[0]?.request ?? expect.unreachable());
    await settleMicrotasks();
    expect(a.value).toEqual({ kind: 'none' });
    expect(clock.peekMs()).toBeUndefined();

    const b = watch(clock, client.get(1, 10, key));
    await settleMicrotasks();
    expect(clock.peekMs()).toBe(3_000);
    client.close();
    await advance(clock, clock.now());
    expect(b.error).toMatchObject({ kind: 'failed', lastCode: 'TIMEOUT' });
    expect(clock.peekMs()).toBeUndefined();
  });
});
