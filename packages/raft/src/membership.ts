import type { ConfChange } from './conf-change';
import { isNodeId } from './conf-change';
import { invariant } from './errors';
import type { ConfState, LogIndex, NodeId } from './types';

export type MemberRole = 'voter' | 'logger' | 'learner';

/** Outcome of counting votes among the quorum set. */
export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The membership a node currently applies: immutable, and the one place that knows what a
 * majority is. The quorum set is voters ∪ loggers; learners are outside it.
 */
export class Membership {
  private readonly quorum: readonly NodeId[];

  private constructor(
    readonly voters: ReadonlySet<NodeId>,
    readonly loggers: ReadonlySet<NodeId>,
    readonly learners: ReadonlySet<NodeId>,
  ) {
    this.quorum = [...voters, ...loggers];
  }

  static fromConfState(cs: ConfState): Membership {
    const all = [...cs.voters, ...cs.loggers, ...cs.learners];
    invariant(all.every(isNodeId), 'member ids must be positive safe integers');
    invariant(new Set(all).size === all.length, 'voters, loggers and learners must be disjoint');
    return new Membership(new Set(cs.voters), new Set(cs.loggers), new Set(cs.learners));
  }

  toConfState(): ConfState {
    const sorted = (s: ReadonlySet<NodeId>) => [...s].sort((a, b) => a - b);
    return {
      voters: sorted(this.voters),
      loggers: sorted(this.loggers),
      learners: sorted(this.learners),
    };
  }

  roleOf(id: NodeId): MemberRole | undefined {
    if (this.voters.has(id)) return 'voter';
    if (this.loggers.has(id)) return 'logger';
    if (this.learners.has(id)) return 'learner';
    return undefined;
  }

  /** Only data-holding voters may lead for good (serve reads, take proposals). */
  isPromotable(id: NodeId): boolean {
    return this.voters.has(id);
  }

  /**
   * Who may campaign: data voters, and loggers as *interim* leaders. A logger may hold entries
   * no surviving data voter has (committed by a lost data voter and the logger); only by
   * leading can it ship them, and then it hands leadership to a data voter (WeSQL's logger).
   */
  canCampaign(id: NodeId): boolean {
    return this.voters.has(id) || this.loggers.has(id);
  }

  /** Data voters, for an interim logger leader to hand leadership to. */
  dataVoters(): NodeId[] {
    return [...this.voters];
  }

  inQuorum(id: NodeId): boolean {
    return this.voters.has(id) || this.loggers.has(id);
  }

  quorumMembers(): readonly NodeId[] {
    return this.quorum;
  }

  allMembers(): NodeId[] {
    return [...this.voters, ...this.loggers, ...this.learners];
  }

  majority(): number {
    return Math.floor(this.quorum.length / 2) + 1;
  }

  /** The largest index that a majority of the quorum set has durably matched. */
  committedIndex(matchOf: (id: NodeId) => LogIndex): LogIndex {
    const matches = this.quorumMembers()
      .map(matchOf)
      .sort((a, b) => b - a);
    return matches[this.majority() - 1] ?? 0;
  }

  /** Counts votes (true = granted) among the quorum set; other voters' ballots are ignored. */
  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    let granted = 0;
    let missing = 0;
    for (const id of this.quorumMembers()) {
      const vote = votes.get(id);
      if (vote === undefined) missing++;
      else if (vote) granted++;
    }
    const need = this.majority();
    if (granted >= need) return 'won';
    if (granted + missing >= need) return 'pending';
    return 'lost';
  }

  /** Whether a majority of the quorum set satisfies `isActive`. */
  hasActiveQuorum(isActive: (id: NodeId) => boolean): boolean {
    return this.quorumMembers().filter(isActive).length >= this.majority();
  }

  /**
   * The membership after `change`, or a reason why it is not allowed. A change that would
   * leave the group without a data voter, or that turns a logger into a data holder or back
   * (which needs a data copy or drops one), is refused; repeating a change is a no-op.
   */
  apply(change: ConfChange): Membership | string {
    const { nodeId: id } = change;
    const role = this.roleOf(id);
    const voters = new Set(this.voters);
    const loggers = new Set(this.loggers);
    const learners = new Set(this.learners);
    for (const s of [voters, loggers, learners]) s.delete(id);
    switch (change.type) {
      case 'addVoter':
        if (role === 'logger') return `node ${id} is a logger; remove it before adding as voter`;
        voters.add(id);
        break;
      case 'addLogger':
        if (role === 'voter') return `node ${id} is a voter; remove it before adding as logger`;
        loggers.add(id);
        break;
      case 'addLearner':
        if (role === 'logger') return `node ${id} is a logger and holds no data to serve`;
        learners.add(id);
        break;
      case 'removeNode':
        break;
    }
    if (voters.size === 0) return 'the group must keep at least one data voter';
    return new Membership(voters, loggers, learners);
  }
}
