'use client';

import type { RebalancerActivityEntry } from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatBytes } from '@/lib/format';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';

/** How many of the newest entries the Topology page lists, and how often it asks again (ms). */
const recentEntries = 10;
const refreshMs = 1_000;

/** The badge colour of an entry's state: done, failed, running or anything else. */
export const activityStateClass = (state: string): string =>
  state === 'done' ? 'ok' : state === 'failed' ? 'bad' : state === 'running' ? 'warn' : '';

export const nodeName = (id: number | null): string => (id === null ? '—' : `node ${id}`);

/** The rebalancer's last decisions (`cluster.rebalancerActivity`), refreshed every second. */
export function RecentRebalancerActivity() {
  const trpc = useTRPC();
  const activity = useQuery(
    trpc.cluster.rebalancerActivity.queryOptions(
      { limit: recentEntries },
      { refetchInterval: refreshMs },
    ),
  );
  return (
    <section
      className="card section"
      aria-labelledby="activity-heading"
      data-testid="rebalancer-activity"
    >
      <h2 id="activity-heading">Recent rebalancer activity</h2>
      {activity.data === undefined ? (
        activity.error === null ? (
          <Loading what="the rebalancer's activity" />
        ) : (
          <QueryError error={activity.error} />
        )
      ) : activity.data.length === 0 ? (
        <p className="muted" data-testid="activity-empty">
          The rebalancer has not acted yet. It moves, re-ranks and re-replicates slices when a node
          is added, drained or lost, or when data or reads are uneven; its decisions appear here.
        </p>
      ) : (
        <ActivityTable entries={activity.data} />
      )}
      {activity.data !== undefined && activity.error !== null ? (
        <p className="muted error" role="status">
          Refresh failed: {activity.error.message} (showing the last answer)
        </p>
      ) : null}
    </section>
  );
}

/**
 * Rebalancer entries as a table, newest first, each with its reason, state and bytes copied.
 * Shared by the Topology page (the last few) and the Workload timeline (paging back).
 */
export function ActivityTable({ entries }: { entries: readonly RebalancerActivityEntry[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Time</th>
          <th>Action</th>
          <th>Slice</th>
          <th>From → to</th>
          <th>Reason</th>
          <th>State</th>
          <th className="num">Copied</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} data-testid="activity-row" data-action={e.action} data-id={e.id}>
            <td className="mono">{e.time.toLocaleTimeString()}</td>
            <td className="mono">{e.action}</td>
            <td className="mono">
              {e.slice === null ? (
                '—'
              ) : (
                <Link href={`/slices?slice=${e.slice}`} title="Open this slice on the slice map">
                  {e.representation} #{e.slice}
                </Link>
              )}
            </td>
            <td className="mono">
              {nodeName(e.fromNode)} → {nodeName(e.toNode)}
            </td>
            <td>{e.reason}</td>
            <td>
              <span className={`badge ${activityStateClass(e.state)}`}>{e.state}</span>
            </td>
            <td className="num mono">{e.bytes === 0 ? '—' : formatBytes(e.bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
