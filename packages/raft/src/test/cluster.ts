import type { RaftConfig } from '../config';
import type { Message } from '../message';
import { MemoryRaftStorage } from '../memory-storage';
import { RawNode } from '../raw-node';
import type { Ready } from '../ready';
import type { ConfState, Entry, NodeId } from '../types';
import { seededRng } from './rng';

/**
 * A small, fully controlled cluster for unit tests: messages wait in a queue until delivered,
 * Readies are processed (persist → send → apply → advance) on request, and links can be cut.
 */
export interface TestMember {
  readonly id: NodeId;
  node: RawNode;
  readonly storage: MemoryRaftStorage;
  /** Committed entries the member applied, in order (all types). */
  readonly applied: Entry[];
}

export type ConfigOverrides = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng'>>;

export class TestCluster {
  readonly members = new Map<NodeId, TestMember>();
  queue: Message[] = [];
  /** Links that drop messages, as "from->to". */
  readonly cut = new Set<string>();

  constructor(
    readonly confState: ConfState,
    readonly overrides: ConfigOverrides = {},
    seed = 1,
  ) {
    for (const id of [...confState.voters, ...confState.loggers, ...confState.learners]) {
      this.add(id, new MemoryRaftStorage(confState), seed + id);
    }
  }

  add(id: NodeId, storage: MemoryRaftStorage, seed = id): TestMember {
    const node = new RawNode({
      id,
      storage,
      rng: seededRng(seed),
      electionTicks: 10,
      heartbeatTicks: 1,
      ...this.overrides,
    });
    const member: TestMember = { id, node, storage, applied: [] };
    this.members.set(id, member);
    return member;
  }

  member(id: NodeId): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: NodeId): RawNode {
    return this.member(id).node;
  }

  /** Persists, sends, applies and advances one Ready of `id`, if it has one. */
  processReady(id: NodeId): Ready | undefined {
    const m = this.member(id);
    if (!m.node.hasReady()) return undefined;
    const rd = m.node.ready();
    persist(m.storage, rd);
    this.queue.push(...rd.messages);
    m.applied.push(...rd.committedEntries);
    m.node.advance(rd);
    return rd;
  }

  /** Delivers every queued message (new ones produced meanwhile wait for the next call). */
  deliver(filter: (m: Message) => boolean = () => true): number {
    const batch = this.queue;
    this.queue = [];
    let n = 0;
    for (const msg of batch) {
      if (!filter(msg) || this.cut.has(`${msg.from}->${msg.to}`)) continue;
      const target = this.members.get(msg.to);
      if (target === undefined) continue;
      target.node.step(msg);
      n++;
    }
    return n;
  }

  /** Runs Readies and deliveries until nothing moves. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const id of this.members.keys()) if (this.processReady(id) !== undefined) moved = true;
      if (this.deliver() > 0) moved = true;
      if (!moved && this.queue.length === 0) return;
    }
    throw new Error('cluster did not stabilize');
  }

  tick(id: NodeId, ticks = 1): void {
    for (let i = 0; i < ticks; i++) this.node(id).tick();
  }

  tickAll(ticks = 1): void {
    for (let i = 0; i < ticks; i++) for (const m of this.members.values()) m.node.tick();
  }

  elect(id: NodeId): void {
    this.node(id).campaign();
    this.stabilize();
    const status = this.node(id).status();
    if (status.role !== 'leader') throw new Error(`node ${id} failed to become leader`);
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): NodeId[] {
    return [...this.members.values()]
      .filter((m) => m.node.status().role === 'leader')
      .map((m) => m.id);
  }

  /** Data of normal, non-empty applied entries, decoded as text. */
  appliedData(id: NodeId): string[] {
    return this.member(id)
      .applied.filter((e) => e.type === 'normal' && e.data.byteLength > 0)
      .map((e) => text(e.data));
  }
}

/** What an application does with a Ready before sending: write it durably. */
export function persist(storage: MemoryRaftStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
}

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

export function voters(...ids: NodeId[]): ConfState {
  return { voters: ids, loggers: [], learners: [] };
}
