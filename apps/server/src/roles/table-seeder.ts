import type { ControlMember } from '@tessera/cluster';
import type { RepresentationSpec } from '@tessera/placement';

/**
 * On the serving control-plane leader: creates the cluster's seed table once every expected
 * node has registered and is up. Call `tick()` periodically on every member; only the serving
 * leader acts, one proposal at a time (and ControlState refuses a second table of the same
 * name, so a proposal racing a leader change cannot create two).
 */
export class TableSeeder {
  private proposing = false;

  constructor(
    private readonly member: ControlMember,
    private readonly expectedNodes: readonly number[],
    private readonly table: Omit<RepresentationSpec, 'id'>,
  ) {}

  get seeded(): boolean {
    return this.member.current.slicePlacement.representations.some(
      (r) => r.name === this.table.name,
    );
  }

  tick(): void {
    if (this.proposing || !this.member.isServingLeader || this.seeded) return;
    const state = this.member.current;
    const up = new Set(
      state
        .clusterNodes()
        .filter((n) => n.state === 'up')
        .map((n) => n.id),
    );
    if (!this.expectedNodes.every((id) => up.has(id))) return;
    this.proposing = true;
    this.member
      .propose({ kind: 'createRepresentation', spec: this.table })
      .catch(() => undefined) // not leading any more, or timed out: a later tick retries
      .finally(() => {
        this.proposing = false;
      });
  }
}
