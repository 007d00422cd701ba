'use client';

import type { ClusterOverview, NodeOverview } from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from '@/trpc/client';

export type LiveState = 'idle' | 'connecting' | 'pending' | 'error';

export interface ClusterView {
  /** The freshest overview: the live stream's last one, else the first plain query's. */
  readonly overview: ClusterOverview | null;
  /** Why the first answer failed; null while there is data to show or nothing has failed. */
  readonly error: unknown;
  readonly live: { readonly status: LiveState; readonly message: string | null };
}

/**
 * The cluster overview for a page: a plain query gives the first answer, the `cluster.live`
 * stream then replaces it every second.
 */
export function useClusterOverview(): ClusterView {
  const trpc = useTRPC();
  const initial = useQuery(trpc.cluster.overview.queryOptions());
  const live = useSubscription(trpc.cluster.live.subscriptionOptions());
  const overview = live.data ?? initial.data ?? null;
  return {
    overview,
    error: overview === null ? initial.error : null,
    live: { status: live.status, message: live.error?.message ?? null },
  };
}

/** One line under a live view: whether it still updates. */
export function LiveNote({ live }: { live: ClusterView['live'] }) {
  const text =
    live.status === 'pending'
      ? 'Live: updating twice a second'
      : live.status === 'error'
        ? `Live updates stopped: ${live.message ?? 'unknown error'} (showing the last answer)`
        : 'Live: connecting…';
  return (
    <p className={`muted live-note${live.status === 'error' ? ' error' : ''}`} role="status">
      {text}
    </p>
  );
}

const stateClass: Record<NodeOverview['state'], string> = {
  up: 'ok',
  draining: 'warn',
  down: 'bad',
  removed: '',
};

/** A node's registry state (up, down, draining, removed) as a coloured badge. */
export function NodeStateBadge({ state }: { state: NodeOverview['state'] }) {
  return (
    <span className={`badge ${stateClass[state]}`} data-testid="node-state">
      {state}
    </span>
  );
}

/** Nodes grouped by zone, zones and nodes in order. */
export function nodesByZone(
  nodes: readonly NodeOverview[],
): { zone: string; nodes: NodeOverview[] }[] {
  const zones = new Map<string, NodeOverview[]>();
  for (const node of [...nodes].sort((a, b) => a.id - b.id)) {
    const list = zones.get(node.zone);
    if (list) list.push(node);
    else zones.set(node.zone, [node]);
  }
  return [...zones.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([zone, list]) => ({ zone, nodes: list }));
}
