'use client';

import type { ClusterMetricSample, NodeMetricSample } from '@tessera/api';
import { useMemo } from 'react';
import type { ChartPoint, ChartSeries } from '@/components/charts';
import { chartColors, TimeSeriesChart } from '@/components/charts';
import { useClusterSamples } from '@/components/metrics';
import { QueryError } from '@/components/query-state';
import { formatBytes, formatRate } from '@/lib/format';

type NodeMetric = Exclude<keyof NodeMetricSample, 'node'>;

/** The four per-node charts: what each draws and how its values read. */
const charts: readonly {
  readonly metric: NodeMetric;
  readonly title: string;
  readonly unit: string;
  readonly format: (value: number) => string;
}[] = [
  { metric: 'readsPerSec', title: 'Reads per node', unit: '/s', format: formatRate },
  { metric: 'writesPerSec', title: 'Writes per node', unit: '/s', format: formatRate },
  { metric: 'bytes', title: 'Data per node', unit: '', format: formatBytes },
  {
    metric: 'busyPercent',
    title: 'Busy time per node',
    unit: ' %',
    format: (v) => v.toFixed(v >= 10 || v === 0 ? 0 : 1),
  },
];

/** One colour per node line, in node order (more nodes than colours repeat them). */
const nodeColours = [
  chartColors.accent,
  chartColors.ok,
  chartColors.warn,
  chartColors.bad,
  chartColors.violet,
  '#39c5cf',
  '#ff9bce',
  '#e3b341',
] as const;

/** Every node that appears in the samples, in id order (a node added later joins the lines). */
function nodesIn(samples: readonly ClusterMetricSample[]): number[] {
  const ids = new Set<number>();
  for (const sample of samples) for (const n of sample.nodes) ids.add(n.node);
  return [...ids].sort((a, b) => a - b);
}

/** A node's line key (`n3`): its values in each chart point. */
const lineKey = (node: number): string => `n${node}`;

function pointsOf(
  samples: readonly ClusterMetricSample[],
  nodes: readonly number[],
  metric: NodeMetric,
): ChartPoint<string>[] {
  return samples.map((s) => {
    const point: Record<string, number | null> = { at: s.at };
    // A node missing from a sample (not yet added, or removed) is a gap, not a zero.
    for (const node of nodes) point[lineKey(node)] = null;
    for (const n of s.nodes) point[lineKey(n.node)] = n[metric];
    return point as ChartPoint<string>;
  });
}

/**
 * Per-node reads/s, writes/s, data size and busy time over the last 15 minutes, one line per
 * node: the cluster samples (`metrics.cluster`, polled every second with `sinceMs`), shared
 * with the Overview page so moving between them keeps the history.
 */
export function NodeLoad({ zoneOf }: { zoneOf: ReadonlyMap<number, string> }) {
  const { samples, error, pending, stale } = useClusterSamples();
  const nodes = useMemo(() => nodesIn(samples), [samples]);
  const series = useMemo(
    () => charts.map((chart) => ({ ...chart, points: pointsOf(samples, nodes, chart.metric) })),
    [samples, nodes],
  );
  const lines: ChartSeries<string>[] = nodes.map((node, i) => {
    const zone = zoneOf.get(node);
    return {
      key: lineKey(node),
      label: zone === undefined ? `node ${node}` : `node ${node} (${zone})`,
      color: nodeColours[i % nodeColours.length] ?? chartColors.accent,
    };
  });
  const empty = pending ? (
    'Loading samples…'
  ) : (
    <>
      No samples yet. The server samples every node once a second; the first points appear within a
      second or two. If this stays empty, check on the Topology page that the nodes are up.
    </>
  );
  return (
    <section className="section" aria-labelledby="node-load-heading" data-testid="node-load">
      <div className="zone-head">
        <h2 id="node-load-heading">Load per node, last 15 minutes</h2>
        <p className="muted" role="status" data-testid="node-load-status">
          {stale
            ? 'The last poll failed: showing the samples held before.'
            : samples.length === 0
              ? 'Polling every second.'
              : `${samples.length} samples, polling every second.`}
        </p>
      </div>
      {error === null ? null : <QueryError error={error} />}
      <div className="chart-grid">
        {series.map((chart) => (
          <TimeSeriesChart
            key={chart.metric}
            title={chart.title}
            testId={`chart-${chart.metric}`}
            data={chart.points}
            series={lines}
            unit={chart.unit}
            format={chart.format}
            empty={empty}
            height={180}
          />
        ))}
      </div>
    </section>
  );
}
