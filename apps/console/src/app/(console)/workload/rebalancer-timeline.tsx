'use client';

import type { RebalancerActivityEntry, RebalancerStatus } from '@tessera/api';
import type { InfiniteData } from '@tanstack/react-query';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPCClient } from '@/trpc/client';
import { ActivityTable, nodeName } from '../topology/rebalancer-activity';

/** Entries per page, and how often the newest page is asked again while it is the only one. */
const pageSize = 50;
const refreshMs = 2_000;
const timelineKey = ['workload', 'rebalancer-timeline'] as const;

type Page = readonly RebalancerActivityEntry[];
type Timeline = InfiniteData<Page, number | undefined>;

/**
 * The rebalancer's state (busy or idle, moves running, its last decision) and its activity
 * timeline, newest first, paging back with `beforeId` through the 1000 entries the control plane
 * keeps. The newest page refreshes live; once older pages are open the list holds still (new
 * entries would otherwise shift what is being read) until "Back to newest".
 */
export function RebalancerTimeline({ status }: { status: RebalancerStatus | null }) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const timeline = useInfiniteQuery({
    queryKey: timelineKey,
    queryFn: ({ pageParam, signal }): Promise<Page> =>
      client.cluster.rebalancerActivity.query(
        pageParam === undefined ? { limit: pageSize } : { limit: pageSize, beforeId: pageParam },
        { signal },
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: Page) => (last.length < pageSize ? undefined : last.at(-1)?.id),
    refetchInterval: (query) => ((query.state.data?.pages.length ?? 0) > 1 ? false : refreshMs),
  });
  const pages = timeline.data?.pages;
  const entries = pages?.flat() ?? [];
  const paged = (pages?.length ?? 0) > 1;
  const backToNewest = () => {
    queryClient.setQueryData<Timeline>(timelineKey, (data) =>
      data === undefined
        ? data
        : { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) },
    );
    void timeline.refetch();
  };

  return (
    <section
      className="card section"
      aria-labelledby="rebalancer-heading"
      data-testid="rebalancer-timeline"
    >
      <div className="zone-head">
        <h2 id="rebalancer-heading">Rebalancer</h2>
        <RebalancerState status={status} last={pages?.[0]?.[0] ?? null} />
      </div>
      {pages === undefined ? (
        timeline.error === null ? (
          <Loading what="the rebalancer's activity" />
        ) : (
          <QueryError error={timeline.error} />
        )
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="activity-empty">
          The rebalancer has not acted yet. It moves slices onto a node that is added, re-replicates
          and re-ranks them when a node is drained or lost, splits a slice past the split threshold,
          and re-ranks when reads are uneven; each decision and its reason appears here. To see it
          work, add a node on the <Link href="/topology">Topology</Link> page.
        </p>
      ) : (
        <>
          <ActivityTable entries={entries} />
          <div className="form-row section">
            {timeline.hasNextPage ? (
              <button
                type="button"
                className="secondary"
                disabled={timeline.isFetchingNextPage}
                onClick={() => void timeline.fetchNextPage()}
                data-testid="activity-older"
              >
                {timeline.isFetchingNextPage ? 'Loading older entries…' : 'Older entries'}
              </button>
            ) : (
              <span className="muted" data-testid="activity-end">
                That is the oldest entry the control plane keeps.
              </span>
            )}
            {paged ? (
              <>
                <button type="button" className="secondary" onClick={backToNewest}>
                  Back to newest
                </button>
                <span className="muted" role="status">
                  Paused while older entries are open.
                </span>
              </>
            ) : null}
          </div>
        </>
      )}
      {pages !== undefined && timeline.error !== null ? (
        <p className="muted error" role="status">
          Refresh failed: {timeline.error.message} (showing the last answer)
        </p>
      ) : null}
    </section>
  );
}

/** Busy (moves, replacements or splits running) or idle, and what it last decided. */
function RebalancerState({
  status,
  last,
}: {
  status: RebalancerStatus | null;
  last: RebalancerActivityEntry | null;
}) {
  if (status === null) return <span className="muted">State loading…</span>;
  const busy = status.running > 0;
  return (
    <p className="rebalancer-state" data-testid="rebalancer-state" data-busy={busy}>
      <span className={`badge ${busy ? 'warn' : 'ok'}`}>{busy ? 'busy' : 'idle'}</span>{' '}
      <span className="muted">
        {busy ? `${status.running} running` : 'nothing running'} · last decision{' '}
        {status.lastDecisionAt === null ? 'never' : status.lastDecisionAt.toLocaleTimeString()}
        {last === null
          ? null
          : `: ${last.action}${last.slice === null ? '' : ` slice ${last.slice}`} ${nodeName(last.fromNode)} → ${nodeName(last.toNode)} (${last.reason})`}
      </span>
    </p>
  );
}
