import { describe, expect, it } from 'vitest';
import { SimClock } from '../runtime/clock';
import { LocalNetwork } from '../runtime/local-network';
import { SeededRng } from '../runtime/rng';
import type { Transport } from '../runtime/transport';
import { ControlCallError, ControlClient } from './control-client';
import type { ControlMessage } from './control-protocol';

/**
 * A member that answers timestamp requests (consecutive, from 1) after `delayMs`, or never
 * when `silent`; it counts what it received.
 */
function fakeMember(
  transport: Transport<ControlMessage>,
  clock: SimClock,
  behaviour: { silent: boolean; delayMs: number },
): { requests: number } {
  const seen = { requests: 0 };
  let next = 1;
  transport.onMessage((from, message) => {
    if (message.kind !== 'controlRequest' || message.body.op !== 'timestamps') return;
    seen.requests++;
    if (behaviour.silent) return;
    const { count } = message.body;
    const first = next;
    next += count;
    clock.setTimer(behaviour.delayMs, () => {
      transport.send(from, {
        kind: 'controlResponse',
        requestId: message.requestId,
        outcome: { ok: true, answer: { op: 'timestamps', first, count } },
      });
    });
  });
  return seen;
}

/** Lets promise continuations run (the client's retry loop is async). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Runs the simulated clock up to `untilMs`, one event at a time, with continuations between. */
async function advance(clock: SimClock, untilMs: number): Promise<void> {
  await settle();
  for (let events = 0; events < 100_000; events++) {
    const next = clock.peekMs();
    if (next === undefined || next > untilMs) break;
    clock.runNext();
    await settle();
  }
  clock.runUntil(untilMs, 0);
}

function setUp(members: { id: number; silent: boolean; delayMs: number }[]) {
  const clock = new SimClock();
  const net = new LocalNetwork<ControlMessage>({ clock });
  const seen = new Map(
    members.map((m) => [m.id, fakeMember(net.connect(m.id), clock, m)] as const),
  );
  const client = new ControlClient({
    transport: net.connect(1_000),
    clock,
    rng: new SeededRng(7),
    members: members.map((m) => m.id),
    options: { attemptTimeoutMs: 100, callTimeoutMs: 1_000, backoffBaseMs: 10, backoffMaxMs: 10 },
  });
  return { clock, client, seen };
}

describe('ControlClient attempt timeouts (one sweep timer per client)', () => {
  it('times out an attempt to a silent member at its deadline and moves on to the next', async () => {
    const { clock, client, seen } = setUp([
      { id: 1, silent: true, delayMs: 0 },
      { id: 2, silent: false, delayMs: 5 },
    ]);
    let answeredAtMs: number | undefined;
    const ts = client.timestamp().then((t) => {
      answeredAtMs = clock.now();
      return t;
    });
    // Before the deadline nothing has moved on.
    await advance(clock, 99);
    expect(seen.get(1)?.requests).toBe(1);
    expect(seen.get(2)?.requests).toBe(0);
    // Deadline (100) + backoff (5..10) + the answer's delay (5).
    await advance(clock, 200);
    expect(await ts).toBe(1);
    expect(seen.get(1)?.requests).toBe(1);
    expect(seen.get(2)?.requests).toBe(1);
    expect(answeredAtMs).toBeGreaterThanOrEqual(110);
    expect(answeredAtMs).toBeLessThanOrEqual(115);
    client.close();
  });

  it('answers in time: a later timeout sweep finds nothing due and leaves the answer alone', async () => {
    const { clock, client } = setUp([{ id: 1, silent: false, delayMs: 30 }]);
    const first = client.timestamp();
    await advance(clock, 40);
    expect(await first).toBe(1);
    // A second call made after the first answered: its own deadline, its own answer.
    const second = client.timestamp();
    await advance(clock, 500);
    expect(await second).toBe(2);
    client.close();
  });

  it('fails a call with TIMEOUT once every member stayed silent past the call timeout', async () => {
    const { clock, client, seen } = setUp([
      { id: 1, silent: true, delayMs: 0 },
      { id: 2, silent: true, delayMs: 0 },
    ]);
    const outcome = client.timestamp().then(
      () => 'answered',
      (error: unknown) => error,
    );
    await advance(clock, 2_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(ControlCallError);
    expect((error as ControlCallError).lastCode).toBe('TIMEOUT');
    // ~1 000 ms of 100 ms attempts (plus backoff) over both members.
    const attempts = (seen.get(1)?.requests ?? 0) + (seen.get(2)?.requests ?? 0);
    expect(attempts).toBeGreaterThanOrEqual(8);
    expect(attempts).toBeLessThanOrEqual(10);
    client.close();
  });

  it('close() ends pending attempts before their deadline and stops the sweep timer', async () => {
    const { clock, client } = setUp([{ id: 1, silent: true, delayMs: 0 }]);
    let settledAtMs: number | undefined;
    const outcome = client.timestamp().then(
      () => 'answered',
      (error: unknown) => {
        settledAtMs = clock.now();
        return error;
      },
    );
    await advance(clock, 10);
    client.close();
    // The retry loop notices the close after its backoff sleep, long before the 100 ms deadline.
    await advance(clock, 30);
    expect(await outcome).toBeInstanceOf(ControlCallError);
    expect(settledAtMs).toBeLessThan(30);
    // Nothing of the client is left on the clock: no sweep re-armed after close.
    expect(clock.pending).toBe(0);
  });
});
