import { describe, expect, it } from 'vitest';
import { SimClock } from './clock';
import { LocalNetwork } from './local-network';
import type { NodeId, Transport } from './transport';

/** A hand-driven microtask queue: tests decide when "the current stack is done". */
class ManualMicrotasks {
  private readonly fns: (() => void)[] = [];
  readonly enqueue = (fn: () => void): void => {
    this.fns.push(fn);
  };
  get pending(): number {
    return this.fns.length;
  }
  /** Runs queued microtasks (and those they queue) until none is left; returns how many ran. */
  runAll(max = 100_000): number {
    let ran = 0;
    while (this.fns.length > 0 && ran < max) {
      this.fns.shift()?.();
      ran++;
    }
    return ran;
  }
}

interface Received {
  readonly to: NodeId;
  readonly from: NodeId;
  readonly message: number;
}

function recordInto(log: Received[], transport: Transport<number>): void {
  transport.onMessage((from, message) => log.push({ to: transport.self, from, message }));
}

describe('LocalNetwork', () => {
  it('never delivers inside send, and drains many messages with one deferral', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    const log: Received[] = [];
    recordInto(log, b);
    for (let i = 0; i < 100; i++) a.send(2, i);
    expect(log).toEqual([]);
    expect(clock.pending).toBe(1);
    expect(clock.runUntil(0)).toBe(1);
    expect(log.map((r) => r.message)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(net.stats).toMatchObject({ sent: 100, delivered: 100, dropped: 0, deferBatches: 1 });
  });

  it('keeps each sender’s order with many senders and receivers interleaved', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const senders = Array.from({ length: 50 }, (_, i) => net.connect(100 + i));
    const log: Received[] = [];
    const receivers = [1, 2, 3].map((id) => net.connect(id));
    for (const r of receivers) recordInto(log, r);
    // Rounds sent from different deferrals too, so order must hold across batches.
    for (let round = 0; round < 4; round++) {
      clock.defer(() => {
        for (let i = 0; i < 50; i++) {
          for (const s of senders) s.send(1 + ((s.self + i) % 3), round * 1_000 + i);
        }
      });
    }
    clock.runUntil(0);
    expect(log.length).toBe(4 * 50 * 50);
    for (const s of senders) {
      for (const to of [1, 2, 3]) {
        const seen = log.filter((r) => r.from === s.self && r.to === to).map((r) => r.message);
        expect(seen).toEqual([...seen].sort((x, y) => x - y));
      }
      const all = log.filter((r) => r.from === s.self).map((r) => r.message);
      expect(all).toEqual([...all].sort((x, y) => x - y));
    }
  });

  it('does not re-enter a handler: what a handler sends goes to a later batch', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    let depth = 0;
    let maxDepth = 0;
    const bounce = (self: Transport<number>) => {
      self.onMessage((from, n) => {
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        if (n < 20) self.send(from, n + 1);
        depth--;
      });
    };
    bounce(a);
    bounce(b);
    a.send(2, 0);
    expect(clock.runUntil(0)).toBe(21);
    expect(maxDepth).toBe(1);
    expect(net.stats.delivered).toBe(21);
    expect(net.stats.deferBatches).toBe(21);
  });

  it('closes: drops what is queued for a closed endpoint and what it sends afterwards', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    const log: Received[] = [];
    recordInto(log, a);
    recordInto(log, b);
    a.send(2, 1); // queued for b, which closes before delivery: lost
    b.send(1, 2); // sent before b closed: still delivered
    b.close();
    b.close(); // twice is harmless
    b.send(1, 3); // from a closed endpoint: dropped
    a.send(2, 4); // to a node no longer connected: dropped
    a.send(9, 5); // to a node never connected: dropped, no throw
    clock.runUntil(0);
    expect(log).toEqual([{ to: 1, from: 2, message: 2 }]);
    expect(net.stats).toMatchObject({ sent: 5, delivered: 1, dropped: 4 });

    // Reconnecting gives a fresh endpoint that receives nothing queued for the old one.
    const c = net.connect(3);
    recordInto(log, c);
    a.send(3, 6);
    c.close();
    const c2 = net.connect(3);
    recordInto(log, c2);
    a.send(3, 7);
    clock.runUntil(0);
    expect(log.slice(1)).toEqual([{ to: 3, from: 1, message: 7 }]);
  });

  it('refuses a second live endpoint per node and drops messages before a handler is set', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    expect(() => net.connect(2)).toThrow(/already connected/);
    a.send(2, 1);
    clock.runUntil(0);
    const log: Received[] = [];
    recordInto(log, b);
    a.send(2, 2);
    clock.runUntil(0);
    expect(log.map((r) => r.message)).toEqual([2]);
    expect(net.stats.dropped).toBe(1);
  });

  it('delivers through the microtask hook, and yields to the clock after its budget', () => {
    const clock = new SimClock();
    const micro = new ManualMicrotasks();
    const net = new LocalNetwork<number>({ clock, microtask: micro.enqueue, microtaskBudget: 10 });
    const a = net.connect(1);
    const b = net.connect(2);
    let received = 0;
    // An endless ping-pong, as a closed loop of requests and answers would be.
    const bounce = (self: Transport<number>) => {
      self.onMessage((from, n) => {
        received++;
        self.send(from, n + 1);
      });
    };
    bounce(a);
    bounce(b);
    a.send(2, 0);
    expect(received).toBe(0);
    expect(micro.pending).toBe(1);
    micro.runAll();
    // The budget is spent: the next batch waits for the clock instead of starving it.
    expect(received).toBe(10);
    expect(micro.pending).toBe(0);
    expect(net.stats.microtaskBatches).toBe(10);
    expect(net.stats.deferBatches).toBe(1);
    // A timer that falls due meanwhile gets its turn between two microtask bursts.
    let timerRan = false;
    clock.setTimer(0, () => {
      timerRan = true;
    });
    clock.runNext(); // the turn marker: budget renewed
    clock.runNext(); // the deferred batch: one message, then back to microtasks
    expect(received).toBe(11);
    micro.runAll();
    expect(received).toBe(20);
    clock.runNext(); // the timer, ahead of the next burst
    expect(timerRan).toBe(true);
    expect(received).toBe(20);
  });

  it('works with the host’s real queueMicrotask, off the sender’s stack', async () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock, microtask: queueMicrotask });
    const a = net.connect(1);
    const b = net.connect(2);
    const got: number[] = [];
    b.onMessage((_from, n) => got.push(n));
    a.send(2, 1);
    a.send(2, 2);
    expect(got).toEqual([]);
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toEqual([1, 2]);
    expect(net.stats.microtaskBatches).toBe(1);
  });

  it('copies messages when asked, so a sender cannot change what was delivered', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<{ bytes: Uint8Array }>({
      clock,
      copy: (m) => ({ bytes: m.bytes.slice() }),
    });
    const a = net.connect(1);
    const b = net.connect(2);
    const got: Uint8Array[] = [];
    b.onMessage((_from, m) => got.push(m.bytes));
    const message = { bytes: new Uint8Array([1, 2, 3]) };
    a.send(2, message);
    message.bytes[0] = 9;
    clock.runUntil(0);
    expect([...(got[0] ?? [])]).toEqual([1, 2, 3]);
  });

  it('keeps the rest of a batch when a handler throws', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock });
    const a = net.connect(1);
    const b = net.connect(2);
    const got: number[] = [];
    b.onMessage((_from, n) => {
      if (n === 2) throw new Error('boom');
      got.push(n);
    });
    for (let i = 1; i <= 4; i++) a.send(2, i);
    expect(() => clock.runUntil(0)).toThrow('boom');
    expect(got).toEqual([1]);
    a.send(2, 5);
    clock.runUntil(0);
    expect(got).toEqual([1, 3, 4, 5]);
    expect(net.queued).toBe(0);
  });

  it('bounds the queue', () => {
    const clock = new SimClock();
    const net = new LocalNetwork<number>({ clock, maxQueued: 3 });
    const a = net.connect(1);
    const got: number[] = [];
    net.connect(2).onMessage((_from, n) => got.push(n));
    for (let i = 0; i < 5; i++) a.send(2, i);
    clock.runUntil(0);
    expect(got).toEqual([0, 1, 2]);
    expect(net.stats.dropped).toBe(2);
  });
});
