import type {
  ClusterEvent,
  ClusterOverview,
  NodeOverview,
  RebalancerActivityEntry,
  SliceOverview,
} from '@tessera/api';

/** An event before the recorder numbers and stamps it. */
export type EventDraft = Omit<ClusterEvent, 'id' | 'at'>;

/**
 * What changed between two overviews a second apart, as events for the console. The first
 * overview is the baseline: what was already so when the server started is not news.
 *
 * - node-state: a node's registry state (up / down / draining / removed; down is a warning),
 *   its process stopping (warning) or starting here, a node appearing;
 * - control-leader: the control plane's serving leader changed, or none serves (warning);
 * - slice-leader: a slice's Raft leader moved from one node to another. A leaderless moment
 *   (an election) is not an event of its own: the change shows from the last leader seen to
 *   the next one (`lastLeaders` remembers it across overviews);
 * - under-replicated / replicated: a slice's voters running (members that are not learners,
 *   on a running node the registry does not hold down) fell below the voters its map lists,
 *   and came back to all of them.
 */
export class OverviewDiff {
  /** Each slice's last non-null leader, across leaderless overviews. */
  private readonly lastLeaders = new Map<number, number>();
  private previous: ClusterOverview | undefined;

  next(current: ClusterOverview): EventDraft[] {
    const previous = this.previous;
    this.previous = current;
    const events: EventDraft[] = [];
    if (previous !== undefined) {
      nodeEvents(previous.nodes, current.nodes, events);
      controlLeaderEvents(previous, current, events);
    }
    this.sliceEvents(previous, current, events);
    return events;
  }

  private sliceEvents(
    previous: ClusterOverview | undefined,
    current: ClusterOverview,
    events: EventDraft[],
  ): void {
    const downNodes = new Set(current.nodes.filter((n) => n.state === 'down').map((n) => n.id));
    const wasUnder = new Map(
      (previous?.slices ?? []).map((s) => [
        s.sliceId,
        underReplication(s, downNodesOf(previous)) !== undefined,
      ]),
    );
    const seen = new Set<number>();
    for (const slice of current.slices) {
      seen.add(slice.sliceId);
      const name = sliceName(slice);
      const last = this.lastLeaders.get(slice.sliceId);
      if (slice.leader !== null) {
        if (previous !== undefined && last !== undefined && last !== slice.leader) {
          events.push({
            kind: 'slice-leader',
            severity: 'info',
            message: `${name} leader ${last} → ${slice.leader}`,
            node: slice.leader,
            slice: slice.sliceId,
          });
        }
        this.lastLeaders.set(slice.sliceId, slice.leader);
      }
      const under = underReplication(slice, downNodes);
      const before = wasUnder.get(slice.sliceId);
      if (before === undefined) continue; // new slice (or the baseline): nothing changed
      if (under !== undefined && !before) {
        events.push({
          kind: 'under-replicated',
          severity: under.running * 2 > under.voters ? 'warning' : 'error',
          message: `${name} is under-replicated: ${under.running} of ${under.voters} voters running`,
          node: null,
          slice: slice.sliceId,
        });
      } else if (under === undefined && before) {
        events.push({
          kind: 'replicated',
          severity: 'info',
          message: `${name} is fully replicated again`,
          node: null,
          slice: slice.sliceId,
        });
      }
    }
    for (const sliceId of this.lastLeaders.keys()) {
      if (!seen.has(sliceId)) this.lastLeaders.delete(sliceId);
    }
  }
}

/** The events for rebalancer history entries the recorder had not seen (oldest first). */
export function rebalancerEvents(entries: readonly RebalancerActivityEntry[]): EventDraft[] {
  return entries.map((a) => {
    const what =
      a.slice === null
        ? a.action
        : `${a.action} slice ${a.slice}${a.representation === '' ? '' : ` (${a.representation})`}`;
    const nodes =
      a.fromNode !== null && a.toNode !== null
        ? ` ${a.fromNode} → ${a.toNode}`
        : a.fromNode !== null
          ? ` node ${a.fromNode}`
          : '';
    return {
      kind: 'rebalancer',
      severity: a.state === 'failed' ? 'warning' : 'info',
      message: `Rebalancer: ${what}${nodes} (${a.reason}), ${a.state}`,
      node: a.toNode ?? a.fromNode,
      slice: a.slice,
    };
  });
}

function nodeEvents(
  previous: readonly NodeOverview[],
  current: readonly NodeOverview[],
  events: EventDraft[],
): void {
  const before = new Map(previous.map((n) => [n.id, n]));
  for (const node of current) {
    const was = before.get(node.id);
    if (was === undefined) {
      events.push({
        kind: 'node-state',
        severity: 'info',
        message: `Node ${node.id} joined in zone ${node.zone}`,
        node: node.id,
        slice: null,
      });
      continue;
    }
    if (was.state !== node.state) {
      events.push({
        kind: 'node-state',
        severity: node.state === 'down' ? 'warning' : 'info',
        message: `Node ${node.id} is ${node.state}${was.state === 'down' ? ' again' : ''}`,
        node: node.id,
        slice: null,
      });
    }
    if (was.running !== node.running) {
      events.push({
        kind: 'node-state',
        severity: node.running ? 'info' : 'warning',
        message: node.running
          ? `Node ${node.id} started`
          : `Node ${node.id} stopped (its process no longer runs)`,
        node: node.id,
        slice: null,
      });
    }
  }
}

function controlLeaderEvents(
  previous: ClusterOverview,
  current: ClusterOverview,
  events: EventDraft[],
): void {
  const was = previous.controlPlane.leader;
  const now = current.controlPlane.leader;
  if (was === now) return;
  events.push(
    now === null
      ? {
          kind: 'control-leader',
          severity: 'warning',
          message: `No control-plane member serves (was ${was})`,
          node: was,
          slice: null,
        }
      : {
          kind: 'control-leader',
          severity: 'info',
          message:
            was === null
              ? `Control-plane member ${now} serves as leader`
              : `Control-plane leader ${was} → ${now}`,
          node: now,
          slice: null,
        },
  );
}

/** `Slice 14 (shop.orders)`. */
export function sliceName(slice: Pick<SliceOverview, 'sliceId' | 'table'>): string {
  return `Slice ${slice.sliceId} (${slice.table})`;
}

function downNodesOf(overview: ClusterOverview | undefined): ReadonlySet<number> {
  return new Set((overview?.nodes ?? []).filter((n) => n.state === 'down').map((n) => n.id));
}

/** The slice's voters and those running, when fewer run than it lists; else undefined. */
function underReplication(
  slice: SliceOverview,
  downNodes: ReadonlySet<number>,
): { readonly voters: number; readonly running: number } | undefined {
  let voters = 0;
  let running = 0;
  for (const m of slice.members) {
    if (m.role === 'learner') continue;
    voters++;
    if (m.raftRole !== 'down' && !downNodes.has(m.node)) running++;
  }
  return running < voters ? { voters, running } : undefined;
}
