import type { TestingKnobs } from '../config';
import type { ConfChange } from '../conf-change';
import { decodeConfChange } from '../conf-change';
import { ProposalDropped } from '../errors';
import { Membership } from '../membership';
import { MemoryRaftStorage } from '../memory-storage';
import type { Message } from '../message';
import { mayBeSentBeforePersist } from '../message';
import { RawNode } from '../raw-node';
import type { Ready } from '../ready';
import type { RaftStatus } from '../status';
import type { ConfState, Entry, LogIndex, NodeId, Snapshot, Term } from '../types';
import { bytes, persist, text } from './cluster';
import { randomInt, seededRng } from './rng';

/**
 * A seeded, single-threaded simulation of one Raft group under faults (in the spirit of
 * TigerBeetle's VOPR and CockroachDB's kvnemesis): random message drop, delay, reorder and
 * duplication, partitions, crash-restart with loss of everything not yet persisted, disks that
 * persist late, random proposals and ReadIndex reads, snapshots and leadership transfers.
 * After every step it
 * checks Raft's safety properties and throws SafetyViolation on the first broken one.
 */
export interface SimOptions {
  readonly seed: number;
  readonly conf: ConfState;
  readonly steps: number;
  readonly knobs?: TestingKnobs;
  /**
   * Random single-server membership changes: joiners (new ids, empty storage) as learners or
   * loggers, promotions, demotions, removals. Durability is then checked against the
   * leader's own membership only (see checkLeaderCommitDurable).
   */
  readonly membershipChanges?: boolean;
}

export interface SimResult {
  readonly committedProposals: number;
  readonly leaderTerms: number;
  readonly snapshotsDelivered: number;
  readonly restarts: number;
  readonly readsServed: number;
  readonly confChanges: number;
}

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

interface SimMember {
  readonly id: NodeId;
  readonly storage: MemoryRaftStorage;
  readonly holdsData: boolean;
  node: RawNode | undefined;
  incarnation: number;
  /** Chance to tick per step: clocks run at different speeds. */
  tickRate: number;
  /** A Ready whose write has not reached the disk yet (lost on crash). */
  pending: { ready: Ready; held: Message[] } | undefined;
  /** The state machine: applied entry keys by index (data members only). */
  applied: Map<LogIndex, string>;
  appliedIndex: LogIndex;
}

interface SnapshotState {
  readonly index: LogIndex;
  readonly keys: [LogIndex, string][];
}

export class Simulation {
  private readonly rng: () => number;
  private readonly members = new Map<NodeId, SimMember>();
  private network: Message[] = [];
  private readonly cut = new Set<string>();
  /** A leader cut off for a while (see strandLeader). */
  private stranded: { id: NodeId; untilStep: number } | undefined = undefined;
  /** Early send of leader replication messages, as Ready allows; chosen per seed. */
  private readonly sendBeforePersist: boolean;
  private readonly leaderByTerm = new Map<Term, NodeId>();
  /** Every entry applied anywhere: index → key. State machine safety holds them equal. */
  private readonly appliedAt = new Map<LogIndex, string>();
  /**
   * For each applied index, a term no lower than the one it was committed in: the highest
   * term any member had reached when it was first applied.
   */
  private readonly committedBy = new Map<LogIndex, Term>();
  private maxApplied: LogIndex = 0;
  private snapshotsDelivered = 0;
  /** ReadIndex requests: id → highest index applied anywhere when it was asked. */
  private readonly readFloors = new Map<number, LogIndex>();
  private readsServed = 0;
  private restarts = 0;
  private proposals = 0;
  private committedProposals = 0;
  private stepNo = 0;
  private nextId: NodeId;
  /** Every membership each member went through during this step (its start included). */
  private readonly confsThisStep = new Map<NodeId, ConfState[]>();
  /** Each leader's commit index at the end of the previous step, by member. */
  private readonly previousCommit = new Map<NodeId, { term: Term; commit: LogIndex }>();
  private confChanges = 0;

  constructor(private readonly options: SimOptions) {
    this.rng = seededRng(options.seed);
    this.sendBeforePersist = this.rng() < 0.5;
    const { voters, loggers, learners } = options.conf;
    const ids = [...voters, ...loggers, ...learners];
    for (const id of ids)
      this.addMember(id, new MemoryRaftStorage(options.conf), !loggers.includes(id));
    this.nextId = Math.max(...ids) + 1;
  }

  private addMember(id: NodeId, storage: MemoryRaftStorage, holdsData: boolean): void {
    const member: SimMember = {
      id,
      storage,
      holdsData,
      node: undefined,
      incarnation: 0,
      tickRate: 0.3,
      pending: undefined,
      applied: new Map(),
      appliedIndex: 0,
    };
    this.members.set(id, member);
    this.start(member);
  }

  run(): SimResult {
    for (this.stepNo = 0; this.stepNo < this.options.steps; this.stepNo++) {
      this.step(true);
      this.checkSafety();
    }
    // Calm down: heal, restart, and let the group settle; safety must still hold.
    this.cut.clear();
    this.stranded = undefined;
    for (const m of this.members.values()) {
      if (m.node === undefined) this.start(m);
      m.tickRate = 0.3;
    }
    for (let i = 0; i < 200; i++) {
      this.step(false);
      this.checkSafety();
    }
    return {
      committedProposals: this.committedProposals,
      leaderTerms: this.leaderByTerm.size,
      snapshotsDelivered: this.snapshotsDelivered,
      restarts: this.restarts,
      readsServed: this.readsServed,
      confChanges: this.confChanges,
    };
  }

  // ─── One step of the world ───────────────────────────────────────────────────────────────

  private step(faults: boolean): void {
    if (this.stranded !== undefined && this.stepNo >= this.stranded.untilStep)
      this.stranded = undefined;
    if (faults) this.injectFault();
    if (this.chance(0.3)) this.propose();
    if (this.chance(0.2)) this.read();
    for (const m of this.alive()) if (this.chance(m.tickRate)) m.node?.tick();
    for (const m of this.alive()) this.driveDisk(m);
    this.deliverSome(faults);
  }

  private injectFault(): void {
    const r = this.rng();
    if (r < 0.02) this.crash(this.pick([...this.members.values()]));
    else if (r < 0.03) this.crash(this.alive().find((m) => m.node?.status().role === 'leader'));
    else if (r < 0.07) this.restartOne();
    else if (r < 0.085) this.partition();
    else if (r < 0.095) this.cut.clear();
    else if (r < 0.115) this.snapshot(this.pick([...this.members.values()]));
    else if (r < 0.12) this.transfer();
    else if (r < 0.125) this.slowClock(this.pick(this.alive()));
    else if (r < 0.13) this.strandLeader();
    else if (r < 0.17 && this.options.membershipChanges === true) this.changeMembership();
  }

  private driveDisk(m: SimMember): void {
    const node = m.node;
    if (node === undefined) return;
    if (m.pending !== undefined) {
      // The disk is slow at random: a write may stay in flight for several steps.
      if (this.chance(0.6)) this.finishWrite(m, node);
      return;
    }
    if (!node.hasReady()) return;
    const ready = node.ready();
    this.checkReady(m, ready);
    this.checkReads(ready);
    const early = this.sendBeforePersist ? ready.messages.filter(mayBeSentBeforePersist) : [];
    const held = ready.messages.filter((msg) => !early.includes(msg));
    this.network.push(...early);
    m.pending = { ready, held };
  }

  private finishWrite(m: SimMember, node: RawNode): void {
    const pending = m.pending;
    if (pending === undefined) return;
    m.pending = undefined;
    const { ready, held } = pending;
    persist(m.storage, ready);
    this.network.push(...held);
    if (ready.snapshot !== undefined) this.restoreStateMachine(m, ready.snapshot);
    const isLeader = node.status().role === 'leader';
    for (const e of ready.committedEntries) this.apply(m, e, isLeader);
    this.trackMembership(m, node, ready.committedEntries);
    node.advance(ready);
  }

  /** Records the memberships the member passes through as `entries` apply. */
  private trackMembership(m: SimMember, node: RawNode, entries: readonly Entry[]): void {
    const confs = this.confsThisStep.get(m.id) ?? [node.confState()];
    let membership = Membership.fromConfState(node.confState());
    for (const e of entries) {
      if (e.type !== 'confChange') continue;
      const next = membership.apply(decodeConfChange(e.data));
      if (typeof next === 'string') continue;
      membership = next;
      confs.push(membership.toConfState());
    }
    this.confsThisStep.set(m.id, confs);
  }

  private checkReady(m: SimMember, ready: Ready): void {
    for (const msg of ready.messages) {
      if (msg.from !== m.id) this.fail(`node ${m.id} sent a message as ${msg.from}`);
    }
  }

  private apply(m: SimMember, e: Entry, isLeader: boolean): void {
    const key = entryKey(e);
    this.recordApplied(m.id, e.index, key);
    // With membership changes the commit quorum is not known here; the leader check covers it.
    if (this.options.membershipChanges !== true) {
      this.checkDurableOnMajority(e.index, e.term, this.options.conf, `applied by ${m.id}`);
    }
    if (e.index !== m.appliedIndex + 1) {
      this.fail(`node ${m.id} applied ${e.index} right after ${m.appliedIndex}`);
    }
    if (m.holdsData) m.applied.set(e.index, key);
    m.appliedIndex = e.index;
    if (isLeader && e.data.byteLength > 0) this.committedProposals++;
  }

  private recordApplied(id: NodeId, index: LogIndex, key: string): void {
    const known = this.appliedAt.get(index);
    if (known === undefined) {
      this.appliedAt.set(index, key);
      this.committedBy.set(index, this.highestTerm());
      this.maxApplied = Math.max(this.maxApplied, index);
    } else if (known !== key) {
      this.fail(`state machine safety: node ${id} applied ${key} at ${index}, another ${known}`);
    }
  }

  private deliverSome(faults: boolean): void {
    const batch = this.network;
    this.network = [];
    shuffle(batch, this.rng);
    for (const msg of batch) {
      if (this.chance(0.4)) {
        this.network.push(msg); // delayed
        continue;
      }
      if (faults && this.chance(0.03)) this.network.push(msg); // duplicated
      const target = this.members.get(msg.to)?.node;
      const lost =
        (faults && this.chance(0.05)) || this.isCut(msg.from, msg.to) || target === undefined;
      if (msg.type === 'snapshot') {
        this.members.get(msg.from)?.node?.reportSnapshot(msg.to, !lost);
        if (!lost) this.snapshotsDelivered++;
      }
      if (!lost) target.step(msg);
    }
  }

  // ─── Faults and client actions ───────────────────────────────────────────────────────────

  private propose(): void {
    const leaders = this.alive().filter((m) => m.node?.status().role === 'leader');
    const target =
      leaders.length > 0 && this.chance(0.9) ? this.pick(leaders) : this.pick(this.alive());
    if (target?.node === undefined) return;
    try {
      target.node.propose(bytes(`s${this.options.seed}-p${this.proposals++}`));
    } catch (e) {
      if (!(e instanceof ProposalDropped)) throw e;
    }
  }

  private read(): void {
    // Any member that believes it leads, deposed ones included: they are the danger.
    const leader = this.pick(this.alive().filter((m) => m.node?.status().role === 'leader'));
    if (leader?.node === undefined) return;
    const requestId = this.readFloors.size + 1;
    try {
      leader.node.readIndex(requestId);
      this.readFloors.set(requestId, this.maxApplied);
    } catch (e) {
      if (!(e instanceof ProposalDropped)) throw e;
    }
  }

  /** Linearizable reads: a read position covers every write committed before the request. */
  private checkReads(ready: Ready): void {
    for (const rs of ready.readStates) {
      const floor = this.readFloors.get(rs.requestId);
      if (floor === undefined) this.fail(`read ${rs.requestId} answered but never asked`);
      else if (rs.index < floor) {
        this.fail(
          `linearizability: read ${rs.requestId} at ${rs.index} misses commits up to ${floor}`,
        );
      }
      this.readsServed++;
    }
  }

  private crash(m: SimMember | undefined): void {
    if (m?.node === undefined) return;
    m.node = undefined;
    m.pending = undefined; // the write in flight never reached the disk
  }

  private restartOne(): void {
    const dead = [...this.members.values()].filter((m) => m.node === undefined);
    const m = this.pick(dead);
    if (m !== undefined) this.start(m);
  }

  private start(m: SimMember): void {
    if (m.incarnation > 0) this.restarts++;
    m.incarnation++;
    m.tickRate = this.chance(0.2) ? 0.05 : 0.3;
    m.node = new RawNode({
      id: m.id,
      storage: m.storage,
      rng: seededRng(this.options.seed * 1000 + m.id * 10 + m.incarnation),
      electionTicks: 6,
      heartbeatTicks: 1,
      maxSizePerMsgBytes: 64,
      maxInflightMsgs: 4,
      testingKnobs: this.options.knobs ?? {},
    });
    // The application restarts its state machine from its latest snapshot.
    this.restoreStateMachine(m, m.storage.snapshot());
  }

  private restoreStateMachine(m: SimMember, snapshot: Snapshot): void {
    m.applied = new Map();
    m.appliedIndex = snapshot.metadata.index;
    // A logger's own snapshot carries no data; everything else carries the applied keys.
    if (snapshot.data.byteLength === 0) return;
    const state = JSON.parse(text(snapshot.data)) as SnapshotState;
    if (state.index !== snapshot.metadata.index) this.fail('snapshot data and metadata disagree');
    for (const [index, key] of state.keys) {
      this.recordApplied(m.id, index, key);
      if (m.holdsData) m.applied.set(index, key);
    }
  }

  private partition(): void {
    this.cut.clear();
    const ids = [...this.members.keys()];
    const side = new Set(ids.filter(() => this.chance(0.5)));
    for (const a of ids) {
      for (const b of ids) if (side.has(a) !== side.has(b)) this.cut.add(`${a}->${b}`);
    }
  }

  /** The application snapshots its state at its applied index and compacts the log. */
  private snapshot(m: SimMember | undefined): void {
    if (m?.node === undefined || m.pending !== undefined) return;
    const applied = m.node.status().applied;
    if (applied <= m.storage.snapshot().metadata.index || applied > m.storage.lastIndex()) return;
    // Loggers hold no data: their snapshot only marks where their log starts.
    const state: SnapshotState = { index: applied, keys: [...m.applied.entries()] };
    const data = m.holdsData ? bytes(JSON.stringify(state)) : new Uint8Array();
    m.storage.createSnapshot(applied, m.node.confState(), data);
    m.storage.compact(Math.max(m.storage.firstIndex() - 1, applied - randomInt(this.rng, 5)));
  }

  /** Proposes a random single-server change on a leader; joiners start with empty storage. */
  private changeMembership(): void {
    const leader = this.pick(this.alive().filter((m) => m.node?.status().role === 'leader'));
    const node = leader?.node;
    if (node === undefined) return;
    const conf = node.confState();
    const size = conf.voters.length + conf.loggers.length + conf.learners.length;
    const options: (() => void)[] = [];
    const propose = (change: ConfChange, join?: { holdsData: boolean }): void => {
      try {
        node.proposeConfChange(change);
      } catch (e) {
        if (e instanceof ProposalDropped) return;
        throw e;
      }
      this.confChanges++;
      if (join !== undefined)
        this.addMember(change.nodeId, new MemoryRaftStorage(), join.holdsData);
    };
    if (size < 6) {
      options.push(() => {
        propose({ type: 'addLearner', nodeId: this.nextId++ }, { holdsData: true });
      });
      options.push(() => {
        propose({ type: 'addLogger', nodeId: this.nextId++ }, { holdsData: false });
      });
    }
    const learner = this.pick(conf.learners);
    if (learner !== undefined)
      options.push(() => {
        propose({ type: 'addVoter', nodeId: learner });
      });
    const voter = this.pick(conf.voters);
    if (voter !== undefined)
      options.push(() => {
        propose({ type: 'addLearner', nodeId: voter });
      });
    const member = this.pick([...conf.voters, ...conf.loggers, ...conf.learners]);
    if (member !== undefined && size > 3)
      options.push(() => {
        propose({ type: 'removeNode', nodeId: member });
      });
    this.pick(options)?.();
  }

  /** A clock that falls behind (or a long GC pause): a leader keeps believing it leads. */
  private slowClock(m: SimMember | undefined): void {
    if (m !== undefined) m.tickRate = 0.02;
  }

  /**
   * The classic stale leader: cut off, with a clock so slow that check-quorum takes long to
   * depose it, while the others elect a new leader and commit.
   */
  private strandLeader(): void {
    const leader = this.alive().find((m) => m.node?.status().role === 'leader');
    if (leader === undefined || this.stranded !== undefined) return;
    this.stranded = { id: leader.id, untilStep: this.stepNo + 100 + randomInt(this.rng, 100) };
    this.slowClock(leader);
  }

  private isCut(from: NodeId, to: NodeId): boolean {
    const s = this.stranded;
    if (s !== undefined && this.stepNo < s.untilStep && (from === s.id || to === s.id)) return true;
    return this.cut.has(`${from}->${to}`);
  }

  private transfer(): void {
    const leader = this.alive().find((m) => m.node?.status().role === 'leader');
    const to = this.pick(this.options.conf.voters);
    if (leader?.node !== undefined && to !== undefined) leader.node.transferLeadership(to);
  }

  // ─── Safety properties ───────────────────────────────────────────────────────────────────

  private checkSafety(): void {
    const leaders: { m: SimMember; status: RaftStatus }[] = [];
    for (const m of this.alive()) {
      const status = m.node?.status();
      if (status?.role === 'leader') leaders.push({ m, status });
    }
    const logs = new Map([...this.members.values()].map((m) => [m.id, durableLog(m.storage)]));
    this.checkElectionSafety(leaders);
    this.checkLogMatching([...logs.values()]);
    this.checkLeaderCompleteness(leaders, logs);
    this.checkLeaderCommitDurable(leaders);
    this.confsThisStep.clear();
    this.previousCommit.clear();
    for (const { m, status } of leaders) {
      this.previousCommit.set(m.id, { term: status.term, commit: status.commit });
    }
    for (const m of this.alive()) {
      if (m.node !== undefined) this.confsThisStep.set(m.id, [m.node.confState()]);
    }
  }

  /** At most one leader per term. */
  private checkElectionSafety(leaders: readonly { m: SimMember; status: RaftStatus }[]): void {
    for (const { m, status } of leaders) {
      const known = this.leaderByTerm.get(status.term);
      if (known === undefined) this.leaderByTerm.set(status.term, m.id);
      else if (known !== m.id)
        this.fail(`election safety: ${known} and ${m.id} lead term ${status.term}`);
    }
  }

  /** If two durable logs hold an entry with the same index and term, they agree up to it. */
  private checkLogMatching(logs: readonly DurableLog[]): void {
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) {
        const x = logs[a];
        const y = logs[b];
        if (x !== undefined && y !== undefined) this.checkPair(x, y);
      }
    }
  }

  private checkPair(x: DurableLog, y: DurableLog): void {
    const lo = Math.max(x.first, y.first);
    let i = Math.min(x.last, y.last);
    while (i >= lo && x.entries[i - x.first]?.term !== y.entries[i - y.first]?.term) i--;
    for (; i >= lo; i--) {
      const ex = x.entries[i - x.first];
      const ey = y.entries[i - y.first];
      if (ex === undefined || ey === undefined || (ex !== ey && entryKey(ex) !== entryKey(ey))) {
        this.fail(`log matching: logs differ at ${i} below a common (index, term)`);
      }
    }
  }

  /**
   * A leader holds every entry committed in an earlier term. The commit term is bounded by
   * `committedBy` (an entry of term 5 may be committed in term 9, and a leader of term 8 may
   * lack it). Checked on the durable log: a leader wrote its log before it asked for votes.
   */
  private checkLeaderCompleteness(
    leaders: readonly { m: SimMember; status: RaftStatus }[],
    logs: ReadonlyMap<NodeId, DurableLog>,
  ): void {
    for (const { m, status } of leaders) {
      const log = logs.get(m.id);
      if (log === undefined) continue;
      // Applied entries are gap-free from 1, so walking the leader's log covers them all.
      for (let index = log.first; index <= this.maxApplied; index++) {
        const key = this.appliedAt.get(index);
        const committedBy = this.committedBy.get(index);
        if (key === undefined || committedBy === undefined || committedBy >= status.term) continue;
        const e = log.entries[index - log.first];
        if (e === undefined || entryKey(e) !== key) {
          this.fail(
            `leader completeness: leader ${m.id} (term ${status.term}) lacks ${key} at ${index}`,
          );
        }
      }
    }
  }

  /**
   * What a leader reports committed is durable on a majority of its voters and loggers: of
   * the fixed membership, checked every step; or, with membership changes, of one of the
   * memberships the leader went through in the step where its commit index moved (the
   * majority it used is the one it had at that moment).
   */
  private checkLeaderCommitDurable(leaders: readonly { m: SimMember; status: RaftStatus }[]): void {
    for (const { m, status } of leaders) {
      if (status.commit === 0) continue;
      const term = termInLeaderLog(m, status.commit);
      if (term === undefined) {
        this.fail(`leader ${m.id} committed ${status.commit} it does not hold`);
      }
      const what = `committed by leader ${m.id}`;
      if (this.options.membershipChanges !== true) {
        this.checkDurableOnMajority(status.commit, term, this.options.conf, what);
        continue;
      }
      // Only commits this leader made: one inherited at election may predate a change that
      // shrank the quorum (a removed member held the copies), which is safe.
      const before = this.previousCommit.get(m.id);
      if (before?.term !== status.term || before.commit === status.commit) continue;
      const confs = this.confsThisStep.get(m.id) ?? [status.confState];
      if (confs.some((conf) => this.isDurableOnMajority(status.commit, term, conf))) continue;
      this.checkDurableOnMajority(status.commit, term, status.confState, what);
    }
  }

  private checkDurableOnMajority(index: LogIndex, term: Term, conf: ConfState, what: string): void {
    if (!this.isDurableOnMajority(index, term, conf)) {
      const quorum = [...conf.voters, ...conf.loggers];
      const copies = quorum.filter((id) => this.holds(id, index, term));
      this.fail(
        `durability: entry ${index}@${term} ${what} is persisted on [${copies.join(',')}] of [${quorum.join(',')}]`,
      );
    }
  }

  private isDurableOnMajority(index: LogIndex, term: Term, conf: ConfState): boolean {
    const quorum = [...conf.voters, ...conf.loggers];
    const copies = quorum.filter((id) => this.holds(id, index, term)).length;
    return copies >= Math.floor(quorum.length / 2) + 1;
  }

  private holds(id: NodeId, index: LogIndex, term: Term): boolean {
    const storage = this.members.get(id)?.storage;
    if (storage === undefined) return false;
    return storage.snapshot().metadata.index >= index || storage.term(index) === term;
  }

  private highestTerm(): Term {
    let term = 0;
    for (const m of this.members.values()) {
      term = Math.max(term, m.storage.initialState().hardState.term, m.node?.status().term ?? 0);
    }
    return term;
  }

  // ─── Helpers ─────────────────────────────────────────────────────────────────────────────

  private alive(): SimMember[] {
    return [...this.members.values()].filter((m) => m.node !== undefined);
  }

  private chance(p: number): boolean {
    return this.rng() < p;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items[randomInt(this.rng, items.length)];
  }

  private fail(what: string): never {
    throw new SafetyViolation(`step ${this.stepNo}: ${what}`);
  }
}

interface DurableLog {
  readonly first: LogIndex;
  readonly last: LogIndex;
  readonly entries: readonly Entry[];
}

function durableLog(storage: MemoryRaftStorage): DurableLog {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  return { first, last, entries: storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER) };
}

/** The term at `index` in a leader's log: written to disk, or in its write in flight. */
function termInLeaderLog(m: SimMember, index: LogIndex): Term | undefined {
  const inFlight = m.pending?.ready.entries.find((e) => e.index === index);
  return inFlight?.term ?? m.storage.term(index);
}

const keys = new WeakMap<Entry, string>();

function entryKey(e: Entry): string {
  let key = keys.get(e);
  if (key === undefined) {
    key = `${e.term}:${e.type}:${text(e.data)}`;
    keys.set(e, key);
  }
  return key;
}

function shuffle(items: Message[], rng: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const a = items[i];
    const b = items[j];
    if (a === undefined || b === undefined) continue;
    items[i] = b;
    items[j] = a;
  }
}
