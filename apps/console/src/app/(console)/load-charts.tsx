'use client';

import { chartColors, TimeSeriesChart } from '@/components/charts';
import { useClusterSamples } from '@/components/metrics';
import { QueryError } from '@/components/query-state';

const throughputSeries = [
  { key: 'statementsPerSec', label: 'Statements', color: chartColors.accent },
  { key: 'errorsPerSec', label: 'Errors', color: chartColors.bad },
] as const;

const latencySeries = [
  { key: 'p50Ms', label: 'p50', color: chartColors.ok },
  { key: 'p99Ms', label: 'p99', color: chartColors.warn },
] as const;

const waiting = (
  <>
    <p>Waiting for the first samples: the server records the SQL gateway once a second.</p>
    <p>Connect a MySQL client and run statements to see them here.</p>
  </>
);

/**
 * Statements per second and their p50 / p99 latency over the last 15 minutes, from the
 * server's one-second samples of the SQL gateway (`metrics.cluster`).
 */
export function LoadCharts() {
  const { samples, error, stale } = useClusterSamples();
  return (
    <section className="section" aria-labelledby="load-heading" data-testid="load-charts">
      <h2 id="load-heading">Queries</h2>
      {error ? <QueryError error={error} /> : null}
      {stale ? (
        <p className="muted live-note error" role="status">
          Updates stopped: the server did not answer the last poll (showing what was held).
        </p>
      ) : null}
      <div className="chart-grid">
        <TimeSeriesChart
          title="Statements per second"
          data={samples}
          series={throughputSeries}
          unit="/s"
          empty={waiting}
          testId="qps-chart"
        />
        <TimeSeriesChart
          title="Statement latency"
          data={samples}
          series={latencySeries}
          unit=" ms"
          empty={waiting}
          testId="latency-chart"
        />
      </div>
    </section>
  );
}
