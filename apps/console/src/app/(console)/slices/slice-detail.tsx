'use client';

import type {
  ClusterEvent,
  RebalancerActivityEntry,
  SliceMetricSample,
  SliceOverview,
} from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import type { ChartPoint, ChartSeries } from '@/components/charts';
import { chartColors, TimeSeriesChart } from '@/components/charts';
import { QueryError } from '@/components/query-state';
import { formatBytes, formatRate } from '@/lib/format';
import { useTRPC, useTRPCClient } from '@/trpc/client';
import { activityStateClass, nodeName } from '../topology/rebalancer-activity';
import { useSampleStream } from '../workload/sample-stream';

/** Entries of each kind a slice's history shows, and how often it is asked again (ms). */
const historyLimit = 100;
const historyRefreshMs = 2_000;

/** One line of a slice's history: a rebalancer decision or an observed event. */
type HistoryItem =
  | { readonly source: 'rebalancer'; readonly at: Date; readonly entry: RebalancerActivityEntry }
  | { readonly source: 'event'; readonly at: Date; readonly event: ClusterEvent };

const severityClass: Record<ClusterEvent['severity'], string> = {
  info: '',
  warning: 'warn',
  error: 'bad',
};

/**
 * The open slice, beside the map: what it is now, its load and size over time
 * (`metrics.slice`, polled each second), and its history — the rebalancer's decisions about it
 * (splits, moves, re-ranks, with reasons) merged in time order with the events observed on it
 * (leader changes, under-replication). Esc or Close shuts it.
 */
export function SliceDetail({
  sliceId,
  slice,
  threshold,
  onClose,
}: {
  sliceId: number;
  /** The slice as the live overview shows it, or null when the map has no such slice now. */
  slice: SliceOverview | null;
  threshold: number;
  onClose: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [sliceId]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);

  return (
    <aside
      className="slice-drawer"
      aria-labelledby="slice-detail-heading"
      data-testid="slice-detail"
      data-slice={sliceId}
    >
      <div className="zone-head">
        <h2 id="slice-detail-heading" ref={heading} tabIndex={-1}>
          Slice {sliceId}
          {slice === null ? null : <span className="muted mono"> · {slice.table}</span>}
        </h2>
        <button type="button" className="secondary" onClick={onClose} data-testid="slice-close">
          Close
        </button>
      </div>
      {slice === null ? (
        <p className="notice" role="status" data-testid="slice-gone">
          Slice {sliceId} is not in the slice map now: it was split or its table dropped, or there
          is no such slice. What the cluster remembers of it is below.
        </p>
      ) : (
        <SliceSummary slice={slice} threshold={threshold} />
      )}
      <SliceLoad sliceId={sliceId} />
      <SliceHistory sliceId={sliceId} />
    </aside>
  );
}

function SliceSummary({ slice, threshold }: { slice: SliceOverview; threshold: number }) {
  return (
    <dl className="kv section">
      <dt>Hash range</dt>
      <dd className="mono">
        [{slice.hashStart}, {slice.hashEnd})
      </dd>
      <dt>Size</dt>
      <dd>
        {slice.bytes === null
          ? 'not reported yet'
          : `${formatBytes(slice.bytes)} of the ${formatBytes(threshold)} split threshold (${Math.round((slice.bytes / Math.max(1, threshold)) * 100)} %)`}
      </dd>
      <dt>Load</dt>
      <dd className="mono">
        {slice.readsPerSec === null ? '—' : formatRate(slice.readsPerSec)} reads/s ·{' '}
        {slice.writesPerSec === null ? '—' : formatRate(slice.writesPerSec)} writes/s
      </dd>
      <dt>Ranking · leader</dt>
      <dd>
        node {slice.rankingNode} ·{' '}
        {slice.leader === null ? (
          <span className="badge bad">no leader</span>
        ) : (
          `node ${slice.leader}`
        )}
      </dd>
      <dt>Members</dt>
      <dd>
        {[...slice.members]
          .sort((a, b) => a.node - b.node)
          .map((m) => `node ${m.node} ${m.role} (${m.raftRole})`)
          .join(', ')}
      </dd>
    </dl>
  );
}

function chartPoints(samples: readonly SliceMetricSample[]): {
  load: ChartPoint<'reads' | 'writes'>[];
  size: ChartPoint<'bytes'>[];
} {
  return {
    load: samples.map((s) => ({ at: s.at, reads: s.readsPerSec, writes: s.writesPerSec })),
    size: samples.map((s) => ({ at: s.at, bytes: s.bytes })),
  };
}

const loadSeries: readonly ChartSeries<'reads' | 'writes'>[] = [
  { key: 'reads', label: 'reads', color: chartColors.accent },
  { key: 'writes', label: 'writes', color: chartColors.warn },
];
const sizeSeries: readonly ChartSeries<'bytes'>[] = [
  { key: 'bytes', label: 'size', color: chartColors.violet },
];

function SliceLoad({ sliceId }: { sliceId: number }) {
  const client = useTRPCClient();
  const stream = useSampleStream(`slice:${sliceId}`, (sinceMs, signal) =>
    client.metrics.slice.query({ sliceId, sinceMs }, { signal }),
  );
  const points = useMemo(() => chartPoints(stream.samples), [stream.samples]);
  const empty = stream.loaded
    ? 'No samples of this slice yet: the server samples it once a second while it is in the slice map.'
    : 'Loading samples…';
  return (
    <section className="section slice-charts" aria-label="Load over time" data-testid="slice-load">
      {stream.error === null ? null : <QueryError error={stream.error} />}
      <TimeSeriesChart
        title="Reads and writes per second"
        testId="slice-chart-load"
        data={points.load}
        series={loadSeries}
        unit="/s"
        format={formatRate}
        empty={empty}
        height={150}
      />
      <TimeSeriesChart
        title="Size"
        testId="slice-chart-size"
        data={points.size}
        series={sizeSeries}
        unit=""
        format={formatBytes}
        empty={empty}
        height={150}
      />
    </section>
  );
}

function SliceHistory({ sliceId }: { sliceId: number }) {
  const trpc = useTRPC();
  const activity = useQuery(
    trpc.cluster.rebalancerActivity.queryOptions(
      { limit: historyLimit, slice: sliceId },
      { refetchInterval: historyRefreshMs },
    ),
  );
  const events = useQuery(
    trpc.metrics.events.queryOptions(
      { limit: historyLimit, slice: sliceId },
      { refetchInterval: historyRefreshMs },
    ),
  );
  const items = useMemo((): HistoryItem[] => {
    const merged: HistoryItem[] = [
      ...(activity.data ?? []).map((entry) => ({
        source: 'rebalancer' as const,
        at: entry.time,
        entry,
      })),
      ...(events.data ?? []).map((event) => ({ source: 'event' as const, at: event.at, event })),
    ];
    return merged.sort((a, b) => b.at.getTime() - a.at.getTime());
  }, [activity.data, events.data]);
  const loading = activity.data === undefined || events.data === undefined;
  const error = activity.error ?? events.error;
  return (
    <section className="section" aria-labelledby="slice-history-heading">
      <h3 id="slice-history-heading">History</h3>
      {error === null ? null : <QueryError error={error} />}
      {loading && error === null ? (
        <p className="muted" role="status">
          Loading this slice&apos;s history…
        </p>
      ) : null}
      {!loading && items.length === 0 ? (
        <p className="muted" data-testid="slice-history-empty">
          Nothing has happened to this slice yet. The rebalancer&apos;s splits, moves and re-ranks
          of it, with their reasons, and its leader changes and under-replication appear here as
          they happen.
        </p>
      ) : null}
      {items.length === 0 ? null : (
        <ol className="history" data-testid="slice-history">
          {items.map((item) =>
            item.source === 'rebalancer' ? (
              <li
                key={`r${item.entry.id}`}
                data-testid="history-item"
                data-source="rebalancer"
                data-kind={item.entry.action}
              >
                <span className="mono muted">{item.at.toLocaleTimeString()}</span>{' '}
                <span className="badge leader">{item.entry.action}</span>{' '}
                <span className="mono">
                  {nodeName(item.entry.fromNode)} → {nodeName(item.entry.toNode)}
                </span>
                : {item.entry.reason}{' '}
                <span className={`badge ${activityStateClass(item.entry.state)}`}>
                  {item.entry.state}
                </span>
              </li>
            ) : (
              <li
                key={`e${item.event.id}`}
                data-testid="history-item"
                data-source="event"
                data-kind={item.event.kind}
              >
                <span className="mono muted">{item.at.toLocaleTimeString()}</span>{' '}
                <span className={`badge ${severityClass[item.event.severity]}`}>
                  {item.event.kind}
                </span>{' '}
                {item.event.message}
              </li>
            ),
          )}
        </ol>
      )}
    </section>
  );
}
