// Test support: a control plane of N members plus clients on one SimClock, a MemoryNetwork per
// protocol and one MemoryEngine per member (manual durability, periodic disk sync).
import { MemoryEngine } from '@tessera/storage';
import { SimClock } from '../../runtime/clock';
import { SeededRng } from '../../runtime/rng';
import { runSimulatedFor, runSimulatedUntil } from '../../runtime/sim-run';
import { MemoryNetwork } from '../../runtime/transport';
import type { FaultPolicy } from '../../runtime/transport';
import type { NodeMessage } from '../../node/node-message';
import { decodeNodeMessage, encodeNodeMessage } from '../../node/node-message-codec';
import { ControlClient } from '../control-client';
import type { ControlClientOptions } from '../control-client';
import { ControlMember } from '../control-member';
import type { ControlMemberOptions } from '../control-member';
import type { ControlMessage } from '../control-protocol';
import { ControlService } from '../control-service';

export interface SimControlPlaneOptions {
  readonly seed: number;
  readonly memberIds?: readonly number[];
  readonly faults?: FaultPolicy;
  readonly memberOptions?: ControlMemberOptions;
  readonly clientOptions?: ControlClientOptions;
  readonly diskSyncMs?: number;
}

export class SimControlPlane {
  readonly clock = new SimClock(1_000);
  readonly rng: SeededRng;
  readonly raftNet: MemoryNetwork<NodeMessage>;
  readonly serviceNet: MemoryNetwork<ControlMessage>;
  readonly memberIds: readonly number[];
  readonly engines = new Map<number, MemoryEngine>();
  readonly members = new Map<number, ControlMember>();
  private readonly services = new Map<number, ControlService>();
  private nextClientId = 1_000;

  constructor(readonly options: SimControlPlaneOptions) {
    this.rng = new SeededRng(options.seed);
    this.memberIds = options.memberIds ?? [1, 2, 3];
    const faults = options.faults === undefined ? {} : { faults: options.faults };
    this.raftNet = new MemoryNetwork<NodeMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      ...faults,
      copy: (m) => decodeNodeMessage(encodeNodeMessage(m)),
    });
    this.serviceNet = new MemoryNetwork<ControlMessage>({
      clock: this.clock,
      rng: this.rng.fork(),
      ...faults,
      copy: (m) => structuredClone(m),
    });
    for (const id of this.memberIds) {
      this.engines.set(id, new MemoryEngine({ durability: 'manual' }));
      this.start(id);
    }
    const sync = () => {
      for (const engine of this.engines.values()) engine.sync();
      this.clock.setTimer(options.diskSyncMs ?? 2, sync);
    };
    sync();
  }

  member(id: number): ControlMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`control member ${id} is down`);
    return m;
  }

  engine(id: number): MemoryEngine {
    const e = this.engines.get(id);
    if (e === undefined) throw new Error(`no engine ${id}`);
    return e;
  }

  client(): ControlClient {
    const id = this.nextClientId++;
    return new ControlClient({
      transport: this.serviceNet.connect(id),
      clock: this.clock,
      rng: this.rng.fork(),
      members: this.memberIds,
      ...(this.options.clientOptions === undefined ? {} : { options: this.options.clientOptions }),
    });
  }

  /** A process kill: the member stops, its disk loses every unsynced batch. */
  crash(id: number): void {
    this.member(id).close();
    this.services.get(id)?.close();
    this.members.delete(id);
    this.services.delete(id);
    this.engine(id).crash();
    this.raftNet.setDown(id, true);
    this.serviceNet.setDown(id, true);
  }

  restart(id: number): ControlMember {
    this.raftNet.setDown(id, false);
    this.serviceNet.setDown(id, false);
    return this.start(id);
  }

  /** Restarts the member if it is down (after `crash`). */
  restartIfDown(id: number): void {
    if (!this.members.has(id)) this.restart(id);
  }

  /** The live member leading in the highest term, if any. */
  leader(): number | undefined {
    let best: { id: number; term: number } | undefined;
    for (const [id, m] of this.members) {
      const st = m.status().raft;
      if (st.role === 'leader' && (best === undefined || st.term > best.term)) {
        best = { id, term: st.term };
      }
    }
    return best?.id;
  }

  async waitForServingLeader(maxMs = 10_000): Promise<number> {
    const serving = () => [...this.members.values()].find((m) => m.isServingLeader);
    await this.runUntil(() => serving() !== undefined, maxMs);
    const m = serving();
    if (m === undefined) throw new Error(`no serving control leader in ${maxMs} ms`);
    return m.nodeId;
  }

  async runFor(ms: number): Promise<void> {
    await runSimulatedFor(this.clock, ms, {
      afterEvent: () => {
        this.assertHealthy();
      },
    });
  }

  async runUntil(done: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    return runSimulatedUntil(this.clock, done, maxMs, stepMs, {
      afterEvent: () => {
        this.assertHealthy();
      },
    });
  }

  /** Runs until `promise` settles; throws its error, or if it does not settle in time. */
  async settle<T>(promise: Promise<T>, maxMs = 20_000): Promise<T> {
    let outcome: { ok: T } | { err: unknown } | undefined;
    promise.then(
      (ok) => (outcome = { ok }),
      (err: unknown) => (outcome = { err }),
    );
    await this.runUntil(() => outcome !== undefined, maxMs, 5);
    if (outcome === undefined) throw new Error(`did not settle in ${maxMs} ms`);
    if ('err' in outcome) throw outcome.err;
    return outcome.ok;
  }

  close(): void {
    for (const id of [...this.members.keys()]) {
      this.member(id).close();
      this.services.get(id)?.close();
    }
    this.members.clear();
  }

  private start(id: number): ControlMember {
    const member = new ControlMember({
      nodeId: id,
      members: this.memberIds,
      clock: this.clock,
      rng: this.rng.fork(),
      transport: this.raftNet.connect(id),
      engine: this.engine(id),
      ...(this.options.memberOptions === undefined ? {} : { options: this.options.memberOptions }),
    });
    this.members.set(id, member);
    this.services.set(id, new ControlService(member, this.serviceNet.connect(id)));
    return member;
  }

  private assertHealthy(): void {
    for (const m of this.members.values()) {
      if (m.fatalError !== undefined) throw m.fatalError;
    }
  }
}
